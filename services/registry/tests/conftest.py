"""The registry service under test: its app on the session's real PostgreSQL and broker."""

from __future__ import annotations

import pytest
from siks_events.auth import Role
from siks_events.pytest_plugin import serving
from siks_registry.main import create_app


@pytest.fixture
async def registry_app(service_settings):
    app = create_app(service_settings("registry"))
    async with serving(app) as client:
        client.app = app
        yield client


@pytest.fixture
def token(local_issuer):
    def make(role: Role = Role.VILLAGE_OPERATOR, region: str = "3571011001", subject: str = "op-bandar-lor") -> dict:
        return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject=subject)}"}

    return make
