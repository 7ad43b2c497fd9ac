"""Bulk writes of new households on one connection: COPY of their events, then of their read-model rows.

The events are the transaction's first write (the relay's ordering rule, see siks_events.relay); position,
txid and recorded_at are the table's defaults, as for every append. The fallback for a batch that collided
registers households one by one on the same connection: the import never holds two connections at once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from siks_events.model import Cause

from siks_registry.adapters.postgres.projection import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, household_row, person_rows
from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork
from siks_registry.application.importing import BatchCollided, BulkRegistry
from siks_registry.domain.household import Household

EVENT_COLUMNS = ("stream_id", "version", "event_id", "type", "topic", "subject", "data", "metadata")


def jsonb_binary(value: Any) -> bytes:
    """jsonb in COPY's binary format (a version byte, then the text); bytes pass as already encoded."""
    return value if isinstance(value, bytes) else b"\x01" + json.dumps(value).encode()


def event_records(households: Sequence[Household], cause: Cause) -> list[tuple]:
    """Each new household's pending events as `events` rows, versions 1..n; call before making its read-model rows.

    The columns are those `siks_events.store.rows_for` gives every append (subject defaulting to the stream,
    the cause as metadata); built here directly because at a million households the generic path's
    intermediate dicts and double JSON encoding cost more than the database's own work.
    """
    records = []
    metadata = jsonb_binary(cause.as_metadata())  # the same cause for every event of the import: encoded once
    for household in households:
        stream_id, events = household.id, household.collect_events()
        for version, event in enumerate(events, start=household.version + 1):
            records.append((stream_id, version, str(uuid.uuid4()), event.type, event.topic,
                            event.subject() or stream_id, b"\x01" + event.model_dump_json().encode(), metadata))
        household.version += len(events)  # as a commit does: its read-model row carries the stream's version
    return records


class PostgresBulkRegistry(BulkRegistry):
    """Batches of new households written with COPY on one connection, a transaction per batch."""

    def __init__(self, pool: asyncpg.Pool, connection: asyncpg.Connection) -> None:
        self.pool, self.connection = pool, connection

    async def present(self, household_ids: Sequence[str]) -> set[str]:
        rows = await self.connection.fetch(
            "SELECT stream_id FROM events WHERE stream_id = ANY($1::text[]) AND version = 1", list(household_ids))
        return {r["stream_id"] for r in rows}

    async def active_holders(self, niks: Sequence[str]) -> dict[str, str]:
        rows = await self.connection.fetch(
            "SELECT nik, household_id FROM persons WHERE nik = ANY($1::text[]) AND status = 'active'", list(niks))
        return {r["nik"]: r["household_id"] for r in rows}

    async def append_new(self, households: Sequence[Household], cause: Cause) -> None:
        if not households:
            return
        events = event_records(households, cause)
        homes = [household_row(h) for h in households]
        persons = [row for h in households for row in person_rows(h)]
        try:
            async with self.connection.transaction():
                await self.connection.copy_records_to_table("events", records=events, columns=EVENT_COLUMNS)
                await self.connection.copy_records_to_table("households", records=homes, columns=HOUSEHOLD_COLUMNS)
                await self.connection.copy_records_to_table("persons", records=persons, columns=PERSON_COLUMNS)
        except asyncpg.UniqueViolationError as exc:
            # A concurrent writer (the API, a consumer) took a stream or NIK between our checks and this write.
            raise BatchCollided(exc.constraint_name or "unique") from None

    def unit_of_work(self, cause: Cause) -> PostgresRegistryUnitOfWork:
        return PostgresRegistryUnitOfWork(self.pool, cause).bind(self.connection)


@asynccontextmanager
async def bulk_registry(pool: asyncpg.Pool) -> AsyncIterator[PostgresBulkRegistry]:
    """A bulk registry on one pooled connection whose jsonb values travel in COPY's binary format meanwhile."""
    async with pool.acquire() as connection:
        # COPY with asyncpg is binary only; the pool's jsonb codec is text (siks_events.database)
        await connection.set_type_codec("jsonb", encoder=jsonb_binary, decoder=lambda b: json.loads(b[1:]),
                                        schema="pg_catalog", format="binary")
        try:
            yield PostgresBulkRegistry(pool, connection)
        finally:
            await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
