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


async def report_owner(pool: asyncpg.Pool, report_id: str) -> asyncpg.Record | None:
    return await pool.fetchrow("SELECT lks_id, region_code FROM monitoring_reports WHERE report_id = $1", report_id)


# Approved aid and what was reported on it, per region one level below the one asked about (a province's
# regencies, the country's provinces), service and report status; a report whose amount differs from the
# approved one is a mismatch.
_RECAP = """
SELECT left(a.region_code, $2) AS region_code, coalesce(a.service, 'none') AS service,
       coalesce(r.status, 'not_reported') AS report_status,
       count(*) AS proposals_approved,
       sum(a.amount) AS amount_approved,
       coalesce(sum(r.reported_amount), 0) AS amount_reported,
       count(r.report_id) FILTER (WHERE r.reported_amount <> r.approved_amount) AS mismatches
FROM aid_proposals a LEFT JOIN monitoring_reports r USING (aid_proposal_id)
WHERE a.status = 'approved' AND a.region_code LIKE $1 || '%'
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""


async def recap(pool: asyncpg.Pool, region_prefix: str) -> list[asyncpg.Record]:
    """The monitoring recap below `region_prefix` ('' the country, 2 digits a province, 4 a regency)."""
    return await pool.fetch(_RECAP, region_prefix, min(len(region_prefix) + 2, 4) if region_prefix else 2)


async def ppks_region(pool: asyncpg.Pool, entry_id: str) -> str | None:
    return await pool.fetchval("SELECT region_code FROM ppks_entries WHERE entry_id = $1", entry_id)


async def ppks_entries(pool: asyncpg.Pool, region_prefix: str, pending_only: bool) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT entry_id, region_code, name, category, outcome, instrument FROM ppks_entries"
        " WHERE region_code LIKE $1 || '%' AND (NOT $2 OR outcome IS NULL) ORDER BY region_code, entry_id",
        region_prefix, pending_only)


async def ppks_progress(pool: asyncpg.Pool, region_prefix: str) -> list[asyncpg.Record]:
    """Per regency/city office: entries listed, checked, and each outcome."""
    return await pool.fetch(
        "SELECT left(region_code, 4) AS regency_code, count(*) AS listed, count(outcome) AS verified,"
        " count(*) FILTER (WHERE outcome = 'confirmed') AS confirmed,"
        " count(*) FILTER (WHERE outcome = 'corrected') AS corrected,"
        " count(*) FILTER (WHERE outcome = 'not_found') AS not_found"
        " FROM ppks_entries WHERE region_code LIKE $1 || '%' GROUP BY 1 ORDER BY 1", region_prefix)
