"""Issue 14, point 6: on a real PostgreSQL, a full pool or a lost database answers 503 problem+json, never 500."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from siks_events import http
from siks_events.database import asyncpg_dsn, create_pool
from siks_events.devstack import free_port
from siks_events.uow import PostgresUnitOfWork

ACQUIRE_TIMEOUT = 0.5


def app_on(pool: asyncpg.Pool) -> tuple[FastAPI, dict[str, asyncio.Event]]:
    """An app whose routes each hold one unit of work (one pooled connection) while they run."""
    app = FastAPI()
    http.install(app, problem_base_uri="urn:siks-ng:problem:", max_body_bytes=10_000)
    gates = {"held": asyncio.Event(), "release": asyncio.Event(), "sleeping": asyncio.Event()}

    def unit_of_work() -> PostgresUnitOfWork:
        uow = PostgresUnitOfWork(pool)
        uow.acquire_timeout = ACQUIRE_TIMEOUT  # on the instance: other tests keep the class default
        return uow

    @app.get("/hold")
    async def hold() -> dict:
        async with unit_of_work():
            gates["held"].set()
            await gates["release"].wait()
        return {"held": True}

    @app.get("/read")
    async def read() -> dict:
        async with unit_of_work() as uow:
            return {"backend": await uow.connection.fetchval("SELECT pg_backend_pid()")}

    @app.get("/slow")
    async def slow() -> dict:
        async with unit_of_work() as uow:
            gates["sleeping"].set()
            await uow.connection.execute("SELECT pg_sleep(30)")
        return {}

    return app, gates


@contextlib.asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


@pytest.fixture
async def one_connection_pool(siks_database_url: str, schema_name: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(siks_database_url, schema_name, min_size=1, max_size=1)
    try:
        yield pool
    finally:
        pool.terminate()
        connection = await asyncpg.connect(asyncpg_dsn(siks_database_url))
        try:
            await connection.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
        finally:
            await connection.close()


def assert_503(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"] == f"urn:siks-ng:problem:{code}"


async def test_a_request_that_finds_no_free_connection_in_time_answers_503(one_connection_pool):
    app, gates = app_on(one_connection_pool)
    async with client_for(app) as client:
        holder = asyncio.create_task(client.get("/hold"))
        await asyncio.wait_for(gates["held"].wait(), 10)

        started = asyncio.get_running_loop().time()
        refused = await client.get("/read")
        waited = asyncio.get_running_loop().time() - started
        assert_503(refused, "database-busy")
        assert ACQUIRE_TIMEOUT <= waited < ACQUIRE_TIMEOUT + 5  # it waited its timeout, not forever

        gates["release"].set()
        assert (await holder).status_code == 200
        assert (await client.get("/read")).status_code == 200  # the connection came back to the pool


async def test_a_database_that_refuses_connections_answers_503_not_500():
    # Nothing listens on this port, as when PostgreSQL is down; min_size=0 so the pool starts anyway.
    pool = await asyncpg.create_pool(f"postgresql://siks:secret@127.0.0.1:{free_port()}/siks", min_size=0, max_size=1)
    try:
        app, _ = app_on(pool)
        async with client_for(app) as client:
            response = await client.get("/read")
        assert_503(response, "database-unavailable")
        assert "secret" not in response.text and "127.0.0.1" not in response.text
    finally:
        pool.terminate()


async def test_a_connection_terminated_mid_statement_answers_503_and_the_pool_recovers(
        one_connection_pool, siks_database_url):
    app, gates = app_on(one_connection_pool)
    async with client_for(app) as client:
        slow = asyncio.create_task(client.get("/slow"))
        await asyncio.wait_for(gates["sleeping"].wait(), 10)
        admin = await asyncpg.connect(asyncpg_dsn(siks_database_url))
        try:
            # What a PostgreSQL restart or failover does to every open connection.
            terminated = 0
            for _ in range(50):  # the sleep may not have reached the server yet
                terminated = await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'")
                if terminated:
                    break
                await asyncio.sleep(0.05)
            assert terminated == 1
        finally:
            await admin.close()
        assert_503(await asyncio.wait_for(slow, 10), "database-unavailable")
        assert (await client.get("/read")).status_code == 200  # a fresh connection replaces the dead one
