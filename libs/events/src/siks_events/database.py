"""PostgreSQL connections for one service: an asyncpg pool confined to the service's schema."""

from __future__ import annotations

import json
import re
import traceback
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


# Errors that mean "PostgreSQL cannot be reached or will not serve us now", not "this request is wrong".
# They are transient: an HTTP request answers 503 (try again), a consumer retries instead of dead-lettering.
_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,  # the connection failed or was lost mid-statement
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,  # pg_terminate_backend, a fast shutdown
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,  # max_connections reached
    # A pooled connection whose server went away mid-operation is left in a state asyncpg refuses to
    # use again ("cannot switch to state ...; another operation is in progress").
    asyncpg.exceptions.InternalClientError,
)

MAYBE_UNAVAILABLE = (*_UNAVAILABLE, asyncpg.InterfaceError, OSError)
"""The exception types `unavailable` may answer yes for: what an HTTP edge or a retry loop catches to ask it."""


def unavailable(error: BaseException) -> bool:
    """Whether `error` says the database is out of reach (transient) rather than that a statement is wrong."""
    if isinstance(error, _UNAVAILABLE):
        return True
    if type(error) is asyncpg.InterfaceError:
        # "connection is closed", "pool is closing"; its subclasses (DataError, ...) are our own bugs
        return True
    if isinstance(error, OSError):
        # Sockets fail with OSErrors (refused, reset, no route, DNS, TimeoutError); only those raised
        # while asyncpg talked to the server are about the database, not a file or another service.
        return _raised_in_asyncpg(error)
    return False


def _raised_in_asyncpg(error: BaseException) -> bool:
    return any(frame.f_globals.get("__name__", "").startswith("asyncpg")
               for frame, _ in traceback.walk_tb(error.__traceback__))
