"""Issue 14, point 6: a database that is busy or out of reach answers 503 problem+json, never 500."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from siks_events import http
from siks_events.devstack import free_port
from siks_events.uow import PoolExhausted

SECRET_DSN_PART = "s3cret-password"


async def _connect_to_a_closed_port() -> None:
    # A real refusal raised inside asyncpg, as when PostgreSQL is down; the DSN carries a password.
    await asyncpg.connect(f"postgresql://siks:{SECRET_DSN_PART}@127.0.0.1:{free_port()}/siks", timeout=5)


def _raise(error: BaseException):
    async def route() -> None:
        raise error

    return route


FAILURES = {
    "connection-lost": asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    "connection-failure": asyncpg.exceptions.ConnectionFailureError("could not receive data from server"),
    "cannot-connect-now": asyncpg.CannotConnectNowError("the database system is starting up"),
    "admin-shutdown": asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    "too-many-connections": asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
    "broken-connection": asyncpg.exceptions.InternalClientError(
        "cannot switch to state 15; another operation (2) is in progress"),
    "connection-closed": asyncpg.InterfaceError("connection is closed"),
}


@pytest.fixture
async def client():
    app = FastAPI()
    http.install(app, problem_base_uri="urn:siks-ng:problem:", max_body_bytes=10_000)
    for name, error in FAILURES.items():
        app.get(f"/fail/{name}")(_raise(error))
    app.get("/fail/pool-exhausted")(_raise(PoolExhausted("no database connection free within 0.5 s")))
    app.get("/fail/refused")(_connect_to_a_closed_port)
    # Errors of the same types that do not mean "database unavailable" stay server errors.
    app.get("/fail/data-error")(_raise(asyncpg.exceptions.DataError("invalid input for query argument $1")))
    app.get("/fail/file")(_raise(FileNotFoundError("/etc/siks/missing.pem")))
    app.get("/fail/timeout")(_raise(TimeoutError()))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def assert_unavailable(response: httpx.Response, code: str) -> dict:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["type"] == f"urn:siks-ng:problem:{code}" and body["status"] == 503
    return body


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_a_database_that_cannot_serve_answers_503_database_unavailable(client, failure):
    assert_unavailable(await client.get(f"/fail/{failure}"), "database-unavailable")


async def test_a_refused_connection_answers_503_without_naming_the_connection_string(client):
    body = assert_unavailable(await client.get("/fail/refused"), "database-unavailable")
    assert SECRET_DSN_PART not in str(body) and "127.0.0.1" not in str(body)


async def test_no_free_connection_in_time_answers_503_database_busy(client):
    body = assert_unavailable(await client.get("/fail/pool-exhausted"), "database-busy")
    assert body["instance"] == "/fail/pool-exhausted" and body["request_id"]


@pytest.mark.parametrize("failure", ["data-error", "file", "timeout"])
async def test_errors_that_only_share_a_type_with_an_outage_stay_500(client, failure):
    assert (await client.get(f"/fail/{failure}")).status_code == 500


def test_pool_sizes_and_the_acquire_timeout_come_from_the_environment(monkeypatch, tmp_path):
    from siks_events.settings import Settings

    monkeypatch.setenv("SIKS_DB_POOL_MIN_SIZE", "2")
    monkeypatch.setenv("SIKS_DB_POOL_MAX_SIZE", "40")
    monkeypatch.setenv("SIKS_DB_ACQUIRE_TIMEOUT_SECONDS", "0.5")
    settings = Settings(database_url="postgresql://db/siks", kafka_bootstrap_servers="broker:9092",
                        auth_public_key_file=tmp_path / "key.pem")
    assert (settings.db_pool_min_size, settings.db_pool_max_size, settings.db_acquire_timeout_seconds) == (2, 40, 0.5)

    monkeypatch.setenv("SIKS_DB_POOL_MIN_SIZE", "41")
    with pytest.raises(ValueError, match="SIKS_DB_POOL_MIN_SIZE"):
        Settings(database_url="postgresql://db/siks", kafka_bootstrap_servers="broker:9092",
                 auth_public_key_file=tmp_path / "key.pem")
