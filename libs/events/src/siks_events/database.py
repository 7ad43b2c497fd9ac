"""PostgreSQL connections for one service: an asyncpg pool confined to the service's schema."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit, urlunsplit

import asyncpg

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def asyncpg_dsn(url: str) -> str:
    """Accept SQLAlchemy-style URLs (postgresql+asyncpg://) as well as plain libpq ones."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "postgres":
        scheme = "postgresql"
    return urlunsplit((scheme, *parts[1:]))


def checked_schema(schema: str) -> str:
    if not _SCHEMA.match(schema):
        raise ValueError(f"{schema!r} is not a plain lower-case schema name")
    return schema


async def _init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await connection.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(url: str, schema: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see the service's schema first (each service owns one)."""
    await ensure_schema(url, schema)
    return await asyncpg.create_pool(
        asyncpg_dsn(url),
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        server_settings={"search_path": checked_schema(schema), "application_name": f"siks-{schema}"},
    )


async def ensure_schema(url: str, schema: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {checked_schema(schema)}")
    finally:
        await connection.close()
