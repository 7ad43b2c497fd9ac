"""The LKS service under test: its app on the session's real PostgreSQL and broker."""

from __future__ import annotations

import pytest
from siks_events.auth import Role
from siks_events.pytest_plugin import serving
from siks_lks.main import create_app


@pytest.fixture
async def lks_app(service_settings, tmp_path):
    app = create_app(service_settings("lks", blob_dir=tmp_path / "documents", blob_max_bytes=5_000,
                                      consumers_enabled=False))
    async with serving(app) as client:
        client.app = app
        yield client


@pytest.fixture
def as_(local_issuer):
    def make(role: Role, region: str = "", subject: str = "someone") -> dict:
        return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject=subject)}"}

    return make
