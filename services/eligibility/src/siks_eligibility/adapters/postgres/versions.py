"""Projection versions and the pointer: which version is building, which one the API serves, and progress.

A batch of a version's consumer holds its version row FOR SHARE; finishing a build and retiring a
version take it FOR UPDATE, so neither runs beside a batch of that version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import asyncpg

from siks_eligibility.adapters.postgres.tables import VersionTables


class VersionState(StrEnum):
    """Where a projection version stands."""

    BUILDING = "building"  # replaying the log: households folded, no decisions yet
    READY = "ready"  # decisions current, kept so event by event
    RETIRED = "retired"  # tables dropped; its consumer's batches change nothing


@dataclass(frozen=True)
class ProjectionVersion:
    """One version of the projection: its day assessed, policy versions and rebuild target."""

    version: int
    state: VersionState
    assessed_on: date
    rule_versions: dict[str, str]
    weights_version: str
    target_offsets: dict[int, tuple[int, int]]  # partition -> (first offset, end offset) when the build began
    events_total: int
    started_at: datetime
    ready_at: datetime | None

    @property
    def tables(self) -> VersionTables:
        return VersionTables(self.version)


_COLUMNS = "version, state, assessed_on, rule_versions, weights_version, target_offsets, events_total, started_at, ready_at"


def _version(row: asyncpg.Record) -> ProjectionVersion:
    return ProjectionVersion(
        version=row["version"], state=VersionState(row["state"]), assessed_on=row["assessed_on"],
        rule_versions=dict(row["rule_versions"]), weights_version=row["weights_version"],
        target_offsets={int(p): (o[0], o[1]) for p, o in row["target_offsets"].items()}, events_total=row["events_total"],
        started_at=row["started_at"], ready_at=row["ready_at"])


async def create(connection: asyncpg.Connection, *, state: VersionState, assessed_on: date, rule_versions: dict[str, str],
                 weights_version: str, target_offsets: dict[int, tuple[int, int]], events_total: int) -> ProjectionVersion:
    """A new version numbered after every earlier one, with its empty tables."""
    async with connection.transaction():
        await connection.execute("LOCK TABLE eligibility_versions IN SHARE ROW EXCLUSIVE MODE")  # one new number at a time
        number = await connection.fetchval("SELECT coalesce(max(version), 0) + 1 FROM eligibility_versions")
        row = await connection.fetchrow(
            f"INSERT INTO eligibility_versions (version, state, assessed_on, rule_versions, weights_version,"
            f" target_offsets, events_total, ready_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
            f" CASE WHEN $2 = 'ready' THEN now() END) RETURNING {_COLUMNS}",
            number, state.value, assessed_on, rule_versions, weights_version,
            {str(p): list(o) for p, o in target_offsets.items()}, events_total)
        await VersionTables(number).create(connection)
    return _version(row)


async def get(connection: asyncpg.Connection | asyncpg.Pool, version: int) -> ProjectionVersion:
    row = await connection.fetchrow(f"SELECT {_COLUMNS} FROM eligibility_versions WHERE version = $1", version)
    if row is None:
        raise LookupError(f"no projection version {version}")
    return _version(row)


async def state_for_batch(connection: asyncpg.Connection, version: int) -> VersionState:
    """The version's state, held FOR SHARE until the batch's transaction ends."""
    state = await connection.fetchval("SELECT state FROM eligibility_versions WHERE version = $1 FOR SHARE", version)
    return VersionState(state) if state is not None else VersionState.RETIRED


async def lock_for_change(connection: asyncpg.Connection, version: int) -> VersionState:
    """The version's state, held FOR UPDATE: no batch of it runs until the transaction ends."""
    return VersionState(await connection.fetchval(
        "SELECT state FROM eligibility_versions WHERE version = $1 FOR UPDATE", version))


async def mark_ready(connection: asyncpg.Connection, version: int) -> None:
    await connection.execute("UPDATE eligibility_versions SET state = 'ready', ready_at = now() WHERE version = $1", version)


async def current(connection: asyncpg.Connection | asyncpg.Pool) -> int | None:
    """The version the API serves; None before the first one."""
    return await connection.fetchval("SELECT version FROM eligibility_pointer")


async def served_for_batch(connection: asyncpg.Connection) -> int | None:
    """The version served, held FOR SHARE until the batch's transaction ends: a switch waits for the batch."""
    return await connection.fetchval("SELECT version FROM eligibility_pointer FOR SHARE")


async def switch(connection: asyncpg.Connection, version: int) -> int | None:
    """Point the API at `version`; returns the version served before."""
    async with connection.transaction():
        before = await connection.fetchval("SELECT version FROM eligibility_pointer FOR UPDATE")
        await connection.execute(
            "INSERT INTO eligibility_pointer (version) VALUES ($1)"
            " ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, switched_at = now()", version)
    return before


async def try_lock_rebuild(connection: asyncpg.Connection) -> bool:
    """Take the one rebuild lock for this connection's session; False if another rebuild holds it."""
    return await connection.fetchval("SELECT pg_try_advisory_lock(hashtextextended('eligibility-rebuild', 0))")


async def unlock_rebuild(connection: asyncpg.Connection) -> None:
    await connection.execute("SELECT pg_advisory_unlock(hashtextextended('eligibility-rebuild', 0))")


async def retire(connection: asyncpg.Connection, version: int) -> None:
    """Drop a version's tables and its consumer's inbox and positions; its row stays, as history."""
    tables = VersionTables(version)
    async with connection.transaction():
        if await connection.fetchval("SELECT version FROM eligibility_pointer") == version:
            raise ValueError(f"version {version} is the one served; switch first")
        await lock_for_change(connection, version)
        await tables.drop(connection)
        await connection.execute("DELETE FROM inbox WHERE consumer = $1", tables.consumer)
        await connection.execute("DELETE FROM consumer_positions WHERE consumer = $1", tables.consumer)
        await connection.execute(
            "UPDATE eligibility_versions SET state = 'retired', retired_at = now() WHERE version = $1", version)


async def all_versions(connection: asyncpg.Connection | asyncpg.Pool) -> list[ProjectionVersion]:
    rows = await connection.fetch(f"SELECT {_COLUMNS} FROM eligibility_versions ORDER BY version")
    return [_version(r) for r in rows]


async def positions(connection: asyncpg.Connection | asyncpg.Pool, version: int) -> dict[int, int]:
    """The next offset the version's consumer applies, per partition of the registry topic."""
    rows = await connection.fetch("SELECT partition, next_offset FROM consumer_positions WHERE consumer = $1",
                                  VersionTables(version).consumer)
    return {r["partition"]: r["next_offset"] for r in rows}
