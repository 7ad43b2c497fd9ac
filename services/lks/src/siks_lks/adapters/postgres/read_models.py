"""What the LKS routes read: where an institution or proposal lives (for access), lists, and timelines."""

from __future__ import annotations

import asyncpg


async def institution_region(pool: asyncpg.Pool, lks_id: str) -> str | None:
    return await pool.fetchval("SELECT region_code FROM institutions WHERE lks_id = $1", lks_id)


async def aid_proposal_owner(pool: asyncpg.Pool, aid_proposal_id: str) -> asyncpg.Record | None:
    """The proposal's institution and region, None if there is no such proposal."""
    return await pool.fetchrow("SELECT lks_id, region_code FROM aid_proposals WHERE aid_proposal_id = $1",
                               aid_proposal_id)


async def aid_proposals(pool: asyncpg.Pool, *, region_prefix: str, lks_id: str | None, status: str | None,
                        at_level: str | None) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT * FROM aid_proposals WHERE region_code LIKE $1 || '%' AND ($2::text IS NULL OR lks_id = $2)"
        " AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR at_level = $4) ORDER BY aid_proposal_id",
        region_prefix, lks_id, status, at_level)


async def history(pool: asyncpg.Pool, stream_id: str) -> list[asyncpg.Record]:
    """A stream's events with who caused each, oldest first."""
    return await pool.fetch("SELECT version, type, recorded_at, metadata, data FROM events WHERE stream_id = $1"
                            " ORDER BY version", stream_id)
