"""Alembic, run by each service at start-up against its own schema.

The environment and the shared revisions (the event store tables, branch `siks_events`)
live in this library; a service adds its own revisions in its `migrations` package.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from siks_events.database import asyncpg_dsn, checked_schema
from siks_events.sealing import SecretSealer

SHARED = Path(__file__).parent / "alembic"


def alembic_config(service_revisions: Path, url: str, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SHARED))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join([str(SHARED / "versions"), str(service_revisions)]))
    config.attributes["siks_url"] = url
    config.attributes["siks_schema"] = checked_schema(schema)
    return config


def upgrade(service_revisions: Path, url: str, schema: str, *, sealer: SecretSealer | None = None) -> None:
    """Bring a service's schema to the newest shared and own revisions (blocking; run it in a thread).
    `sealer` lets a revision seal secrets stored in plain text before (`config.attributes["siks_sealer"]`)."""
    config = alembic_config(service_revisions, url, schema)
    keys = os.environ.get("SIKS_SECRETS_KEYS", "").strip()
    # A command-line tool that migrates (siks-registry import) has no settings: the environment's keys serve.
    config.attributes["siks_sealer"] = sealer or (SecretSealer.from_text(keys) if keys else None)
    command.upgrade(config, "heads")


def run_env() -> None:
    """The body of every service's alembic env.py (online mode only: we migrate at start-up)."""
    from alembic import context

    config = context.config
    url = asyncpg_dsn(config.attributes["siks_url"]).replace("postgresql://", "postgresql+asyncpg://", 1)
    schema = config.attributes["siks_schema"]

    def migrate(connection) -> None:
        context.configure(connection=connection, version_table_schema=schema, transaction_per_migration=False)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                # Two replicas starting together must not migrate twice.
                await connection.execute(text("SELECT pg_advisory_lock(hashtext('siks-migrate.' || :s))"), {"s": schema})
                await connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
                await connection.execute(text(f"SET search_path TO {schema}"))
                await connection.commit()
                await connection.run_sync(migrate)
                await connection.commit()
                await connection.execute(text("SELECT pg_advisory_unlock(hashtext('siks-migrate.' || :s))"), {"s": schema})
        finally:
            await engine.dispose()

    asyncio.run(main())
