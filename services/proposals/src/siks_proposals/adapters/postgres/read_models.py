"""What the routes read: proposals from the read model, a proposal's history from its stream."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
from siks_events.store import PostgresEventStore, RecordedEvent


async def region_of(pool: asyncpg.Pool, proposal_id: str) -> str | None:
    """The village a proposal belongs to; None when there is no such proposal."""
    return await pool.fetchval("SELECT region_code FROM proposals WHERE proposal_id = $1", proposal_id)


def _row(row: asyncpg.Record) -> dict[str, Any]:
    return dict(row)


async def proposal(pool: asyncpg.Pool, proposal_id: str) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM proposals WHERE proposal_id = $1", proposal_id)
    return _row(row) if row else None


def _where(region_prefix: str, status: str | None, period: str | None) -> tuple[str, list[Any]]:
    conditions, args = ["region_code LIKE $1"], [region_prefix + "%"]
    for column, value in (("status", status), ("period", period)):
        if value is not None:
            args.append(value)
            conditions.append(f"{column} = ${len(args)}")
    return " AND ".join(conditions), args


async def proposals(pool: asyncpg.Pool, *, region_prefix: str, status: str | None, period: str | None, page: int,
                    size: int) -> tuple[int, list[dict[str, Any]]]:
    """A page of the proposals in a region (any of province, regency, sub-district, village), newest first."""
    where, args = _where(region_prefix, status, period)
    async with pool.acquire() as connection:
        total = await connection.fetchval(f"SELECT count(*) FROM proposals WHERE {where}", *args)
        rows = await connection.fetch(
            f"SELECT * FROM proposals WHERE {where} ORDER BY updated_at DESC, proposal_id"
            f" LIMIT {int(size)} OFFSET {int((page - 1) * size)}", *args)
    return total, [_row(r) for r in rows]


async def counts(pool: asyncpg.Pool, *, region_prefix: str, period: str | None) -> list[dict[str, Any]]:
    """How many proposals each village has in each status."""
    where, args = _where(region_prefix, None, period)
    rows = await pool.fetch(f"SELECT region_code, status, count(*) AS count FROM proposals WHERE {where}"
                            " GROUP BY region_code, status ORDER BY region_code, status", *args)
    return [dict(r) for r in rows]


async def history(pool: asyncpg.Pool, stream_id: str) -> list[RecordedEvent]:
    """Every event of a stream, oldest first, with who caused it."""
    async with pool.acquire() as connection:
        return await PostgresEventStore(connection).read_stream(stream_id)


async def period_closed_on(pool: asyncpg.Pool, stream_id: str) -> date | None:
    """The day a period was closed, None while it is open."""
    events = await history(pool, stream_id)
    return date.fromisoformat(events[-1].data["closed_on"]) if events else None
