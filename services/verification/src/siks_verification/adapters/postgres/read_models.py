"""What the routes read: prelists, visits and where a photo was used (SQL lives here)."""

from __future__ import annotations

from typing import Any

import asyncpg

_ENTRY = ("entry_id, proposal_id, region_code, period, household_id, kk_number, address, niks, names, lat, lon,"
          " status, enumerator, updated_at")
_VISIT = ("visit_id, client_visit_id, entry_id, proposal_id, region_code, enumerator, started_at, ended_at,"
          " duration_seconds, lat, lon, accuracy_m, household_found, status, flags, findings, photos, reviewed_by,"
          " review_reason, recorded_at")


class PostgresReadModel:
    """Queries on the verification read models."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def prelist(self, region_code: str, *, status: str | None = None,
                      enumerator: str | None = None) -> list[dict[str, Any]]:
        """Entries inside a region (a village or any region above it), by address."""
        rows = await self.pool.fetch(
            f"SELECT {_ENTRY} FROM prelist_entries WHERE region_code LIKE $1 || '%'"
            " AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR enumerator = $3)"
            " ORDER BY region_code, address NULLS LAST, entry_id", region_code, status, enumerator)
        return [dict(r) for r in rows]

    async def entry(self, entry_id: str) -> dict[str, Any] | None:
        row = await self.pool.fetchrow(f"SELECT {_ENTRY} FROM prelist_entries WHERE entry_id = $1", entry_id)
        return dict(row) if row else None

    async def visit(self, visit_id: str) -> dict[str, Any] | None:
        row = await self.pool.fetchrow(f"SELECT {_VISIT} FROM visits WHERE visit_id = $1", visit_id)
        return dict(row) if row else None

    async def visits(self, region_code: str, *, status: str | None = None) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            f"SELECT {_VISIT} FROM visits WHERE region_code LIKE $1 || '%' AND ($2::text IS NULL OR status = $2)"
            " ORDER BY recorded_at", region_code, status)
        return [dict(r) for r in rows]

    async def photo_regions(self, sha256: str) -> list[str]:
        """The villages of the visits that used this photo."""
        rows = await self.pool.fetch("SELECT DISTINCT region_code FROM visit_photos WHERE sha256 = $1", sha256)
        return [r["region_code"] for r in rows]
