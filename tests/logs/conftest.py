"""Everything a test run writes where an operator could read it: service logs, stdout/stderr, PostgreSQL's log."""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from siks_events import telemetry
from siks_events.auth import Role
from siks_events.pytest_plugin import serving


class WrittenLogs:
    """Log text as the services render it: a root handler with the real formatter, stdout and stderr."""

    def __init__(self, capfd: pytest.CaptureFixture[str]) -> None:
        self._capfd = capfd
        self.records = io.StringIO()
        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        self._fd_output: list[str] = []
        self.handler = logging.StreamHandler(self.records)
        self.handler.setFormatter(telemetry.json_formatter("logs-test"))
        self.handler.setLevel(logging.DEBUG)

    def text(self) -> str:
        out, err = self._capfd.readouterr()  # anything written below Python's sys streams
        self._fd_output += [out, err]
        return "".join([self.records.getvalue(), self.stdout.getvalue(), self.stderr.getvalue(), *self._fd_output])


@pytest.fixture
def written_logs(capfd, monkeypatch) -> WrittenLogs:
    """Every record at every level, rendered as in production; what services print to stdout or stderr too."""
    logs = WrittenLogs(capfd)
    # A service's log handler keeps the sys.stderr it finds at start-up; pytest's capture streams are
    # swapped and closed between test phases, so give it one that lives as long as the test.
    monkeypatch.setattr(sys, "stdout", logs.stdout)
    monkeypatch.setattr(sys, "stderr", logs.stderr)
    root = logging.getLogger()
    level = root.level
    root.addHandler(logs.handler)
    root.setLevel(logging.DEBUG)
    try:
        yield logs
    finally:
        root.removeHandler(logs.handler)
        root.setLevel(level)


@pytest.fixture
def postgres_logs(siks_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Server logs of every embedded PostgreSQL this session started, the session's own among them."""
    if os.environ.get("DATABASE_URL"):
        return []  # an external server: its log is not ours to read
    # pytest_plugin (and tests with servers of their own) log to <basetemp>/postgres<N>/postgres.log;
    # resolving drops pytest's `postgrescurrent` link to the newest of them.
    logs = sorted({log.resolve() for log in tmp_path_factory.getbasetemp().glob("postgres*/postgres.log")})
    port = urlsplit(siks_database_url).port
    assert any(f"port {port}" in log.read_text(errors="replace") for log in logs), "the session's server log is missing"
    return logs


@pytest.fixture
async def services(service_settings, written_logs):
    """The registry and the integration service on the session's PostgreSQL and broker, logging at DEBUG.

    After `written_logs`: a service binds its log handler to the stderr it sees at start-up, the captured one."""
    from siks_integration.main import create_app as integration_app
    from siks_registry.main import create_app as registry_app

    registry = registry_app(service_settings("registry", log_level="DEBUG"))
    integration = integration_app(service_settings("integration", log_level="DEBUG"))
    async with serving(registry) as registry_client, serving(integration) as integration_client:
        registry_client.app, integration_client.app = registry, integration
        yield registry_client, integration_client


@pytest.fixture
def tokens(local_issuer) -> Callable[..., dict]:
    def make(role: Role, region: str = "", subject: str | None = None) -> dict:
        return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject=subject)}"}

    return make
