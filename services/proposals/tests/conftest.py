"""The proposals service under test: its app on the session's real PostgreSQL and broker, on a fixed day."""

from __future__ import annotations

from datetime import date

import pytest
from siks_events.auth import Role
from siks_events.pytest_plugin import serving
from siks_proposals.adapters.api import deps
from siks_proposals.main import create_app

TODAY = date(2026, 11, 3)


async def _serve(settings):
    app = create_app(settings)
    app.dependency_overrides[deps.today] = lambda: TODAY
    async with serving(app) as client:
        client.app = app
        yield client


@pytest.fixture
async def proposals_app(service_settings):
    """The API alone: tests that hand events to the consumers' handlers themselves need no background loops
    (and do not wait at shutdown for a consumer still joining its group)."""
    async for client in _serve(service_settings("proposals", relay_enabled=False, consumers_enabled=False)):
        yield client


@pytest.fixture
async def proposals_service(service_settings):
    """The whole service: API, outbox relay and consumers on the session's broker."""
    async for client in _serve(service_settings("proposals")):
        yield client


@pytest.fixture
def token(local_issuer):
    def make(role: Role = Role.VILLAGE_OPERATOR, region: str = "3571011001", subject: str = "op-bandar-lor") -> dict:
        return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject=subject)}"}

    return make
