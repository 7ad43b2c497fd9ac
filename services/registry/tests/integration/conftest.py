"""A migrated registry schema on the session's PostgreSQL, with pools of the size a test asks for."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from siks_events import migrations
from siks_events.database import asyncpg_dsn, create_pool
from siks_registry.main import definition


@pytest.fixture
async def registry_pool(siks_database_url, schema_name):
    """`await registry_pool(max_size=...)`: a pool on the test's own migrated registry schema."""
    await asyncio.to_thread(migrations.upgrade, definition.migrations, siks_database_url, schema_name)
    pools: list[asyncpg.Pool] = []

    async def make(max_size: int = 5) -> asyncpg.Pool:
        pools.append(await create_pool(siks_database_url, schema_name, max_size=max_size))
        return pools[-1]

    yield make
    for pool in pools:
        await pool.close()
    connection = await asyncpg.connect(asyncpg_dsn(siks_database_url))
    try:
        await connection.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
    finally:
        await connection.close()


@pytest.fixture
async def outside_connection(siks_database_url, schema_name):
    """A connection of its own, outside every pool: another writer racing the code under test."""
    connection = await asyncpg.connect(asyncpg_dsn(siks_database_url), server_settings={"search_path": schema_name})
    await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")  # as pooled
    yield connection
    await connection.close()
