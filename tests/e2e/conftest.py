"""Registry and integration running side by side on the session's PostgreSQL and broker, like production."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest
from siks_events.auth import Role
from siks_events.devstack import free_port
from siks_events.pytest_plugin import listening, serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@pytest.fixture
async def services(service_settings, monkeypatch):
    """The registry and the integration service, sharing a broker and topic prefix, each with its schema."""
    from siks_integration.main import create_app as integration_app
    from siks_registry.main import create_app as registry_app

    monkeypatch.setenv("SIKS_DELIVERY_POLL_SECONDS", "0.1")
    monkeypatch.setenv("SIKS_DELIVERY_MAX_BACKOFF_SECONDS", "0.3")
    registry = registry_app(service_settings("registry"))
    integration = integration_app(service_settings("integration"))
    async with serving(registry) as registry_client, serving(integration) as integration_client:
        registry_client.app, integration_client.app = registry, integration
        yield registry_client, integration_client


@pytest.fixture
def tokens(local_issuer) -> Callable[..., dict]:
    def make(role: Role, region: str = "", subject: str | None = None) -> dict:
        return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject=subject)}"}

    return make


class StubServer:
    """A local HTTP endpoint standing in for another system: answers `fail_first` requests with 503."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.received: list[tuple[dict, bytes]] = []
        self.answered: list[int] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"

    async def _hook(self, request: Request) -> JSONResponse:
        body = await request.body()
        self.received.append((dict(request.headers), body))
        status = 503 if len(self.received) <= self.fail_first else 200
        self.answered.append(status)
        return JSONResponse({"ok": status == 200}, status_code=status)

    @contextlib.asynccontextmanager
    async def running(self):
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        async with listening(app, self.port):
            yield self


async def eventually(check, timeout: float = 60.0, what: str = "the condition"):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)
