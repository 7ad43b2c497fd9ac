"""The arrivals list of a village: people who moved there and are in no household yet (in transit)."""

from __future__ import annotations

import asyncpg

# A moved-out row keeps the destination village as its region; once the destination attaches the person,
# the old household records them as `left`, so only those still in transit stay `moved_out`.
_ARRIVALS = """
SELECT p.nik, p.full_name, p.sex, p.birth_date, p.household_id AS from_household_id, h.region_code AS from_region,
       p.status_since AS moved_on, p.programs
FROM persons p JOIN households h USING (household_id)
WHERE p.status = 'moved_out' AND p.region_code = $1
  AND NOT EXISTS (SELECT 1 FROM persons q WHERE q.nik = p.nik AND q.status = 'active')
ORDER BY p.status_since, p.nik
"""


async def arrivals(pool: asyncpg.Pool, village: str) -> list[asyncpg.Record]:
    """People in transit to `village`, the earliest move first."""
    return await pool.fetch(_ARRIVALS, village)
