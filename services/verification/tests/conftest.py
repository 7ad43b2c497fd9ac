"""The verification service under test: its app on the session's real PostgreSQL and broker."""

from __future__ import annotations

import contextlib

import pytest
from siks_events.auth import Role
from siks_events.pytest_plugin import serving
from siks_verification.main import create_app


@pytest.fixture
def verification_app(service_settings, tmp_path):
    """`async with verification_app(consumers=...) as client`: the app serving, its consumers optional."""

    @contextlib.asynccontextmanager
    async def start(consumers: bool = True):
        settings = service_settings("verification", blob_dir=tmp_path / "blobs", blob_max_bytes=2_000,
                                    consumers_enabled=consumers)
        app = create_app(settings)
        async with serving(app) as client:
            client.app = app
            yield client

    return start


@pytest.fixture
def token(local_issuer):
    def make(role: Role = Role.SUPERVISOR, region: str = "357101", subject: str = "spv-mojoroto") -> dict:
        return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject=subject)}"}

    return make
