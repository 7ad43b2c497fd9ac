"""The integration service's schema on the session's PostgreSQL, migrated as the service does at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import siks_integration
from siks_events import migrations
from siks_events.database import asyncpg_dsn, create_pool


@pytest.fixture
async def pool(siks_database_url: str, schema_name: str) -> AsyncIterator[asyncpg.Pool]:
    revisions = Path(siks_integration.__file__).parent / "migrations"
    await asyncio.to_thread(migrations.upgrade, revisions, siks_database_url, schema_name)
    pool = await create_pool(siks_database_url, schema_name, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()
        connection = await asyncpg.connect(asyncpg_dsn(siks_database_url))
        try:
            await connection.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
        finally:
            await connection.close()
