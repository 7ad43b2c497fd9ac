"""Session fixtures: a real PostgreSQL and a real Kafka-protocol broker for every test suite.

The embedded stack starts unless the environment names existing servers
(`DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`). Each test gets its own schema and topic prefix.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg
import pytest

from siks_events import checkpoints, sealing
from siks_events.database import asyncpg_dsn, create_pool
from siks_events.devstack import EmbeddedPostgres, TansuBroker, free_port

pytest_plugins = (
    "siks_events.log_watch",  # every log line the suite writes is read for unmasked NIKs
    "siks_events.hang_report",  # a test about to time out prints where its asyncio tasks wait
)

if TYPE_CHECKING:
    import httpx

    from siks_events.auth import LocalIssuer


SECRETS_KEY = sealing.generate_key()
"""Seals the stored secrets of every service under test (a test may pass its own `secrets_keys`)."""
CHAIN_SIGNING_KEY = checkpoints.generate_key()
"""Signs the chain checkpoints of every service under test."""

SESSION_TIMEOUT_MS = 2_000
"""Consumer groups in tests: a member that stopped without leaving holds a rejoin this long, not Kafka's 10 s."""


@dataclass
class Stack:
    database_url: str
    bootstrap_servers: str


@pytest.fixture(scope="session")
def siks_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    base = tmp_path_factory.mktemp("postgres")
    server = EmbeddedPostgres(base / "data", free_port(), durable=False, log_file=base / "postgres.log")
    try:
        yield server.start()
    finally:
        server.stop()


def start_broker(tmp_path_factory: pytest.TempPathFactory) -> TansuBroker:
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    broker = TansuBroker(free_port(), log_file=log)
    broker.start()
    return broker


@pytest.fixture(scope="session")
def siks_bootstrap_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    broker = start_broker(tmp_path_factory)
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def siks_stack(siks_database_url: str, siks_bootstrap_servers: str) -> Stack:
    return Stack(siks_database_url, siks_bootstrap_servers)


@pytest.fixture
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """A broker of this test's own, which the test may restart (it comes back empty)."""
    broker = start_broker(tmp_path_factory)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def schema_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
async def store_pool(siks_database_url: str, schema_name: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh schema holding the event store tables."""
    from siks_events.schema import create_all

    pool = await create_pool(siks_database_url, schema_name, max_size=30)
    async with pool.acquire() as connection:
        await create_all(connection)
    try:
        yield pool
    finally:
        await pool.close()
        connection = await asyncpg.connect(asyncpg_dsn(siks_database_url))
        try:
            await connection.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
        finally:
            await connection.close()


@pytest.fixture
def local_issuer(tmp_path) -> LocalIssuer:
    """A token issuer of this test's own (its key pair in a temporary directory)."""
    from siks_events.auth import LocalIssuer

    return LocalIssuer(tmp_path / "keys").ensure_keys()


@pytest.fixture
def service_settings(siks_stack: Stack, local_issuer, topic_prefix: str):
    """Settings for a service under test: its own schema and topics on the session's servers."""
    from siks_events.settings import Settings

    def make(service: str, **overrides) -> Settings:
        values = dict(
            database_url=siks_stack.database_url,
            kafka_bootstrap_servers=siks_stack.bootstrap_servers,
            db_schema=f"{service}_{uuid.uuid4().hex[:8]}",
            topic_prefix=topic_prefix,
            kafka_partitions=3,
            kafka_session_timeout_ms=SESSION_TIMEOUT_MS,
            auth_public_key_file=local_issuer.public_key_file,
            secrets_keys=SECRETS_KEY,
            chain_signing_keys=CHAIN_SIGNING_KEY,
        )
        values.update(overrides)
        return Settings(service=service, **values)

    return make


@contextlib.asynccontextmanager
async def serving(app) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (migrations, relay, consumers) and give an HTTP client for it."""
    import httpx

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


@contextlib.asynccontextmanager
async def listening(app, port: int) -> AsyncIterator[None]:
    """Serve an ASGI app on a real local port (uvicorn) for the block: for peers that call us back over HTTP."""
    import asyncio

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), f"nothing listens on port {port}: the server stopped while starting"
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def eventually(probe, until=bool, timeout: float = 30.0):
    """Poll `probe` until `until` holds for what it returns, and return that; fail with the last value seen."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        seen = await probe()
        if until(seen):
            return seen
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s; last seen: {seen!r}")
        await asyncio.sleep(0.2)
