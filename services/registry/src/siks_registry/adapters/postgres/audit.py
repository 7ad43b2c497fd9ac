"""The audit trail of a NIK's personal data: the reads this service recorded, and the changes its event
store holds (an event about the person, or a household event that names them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import asyncpg
from siks_events.auth import Actor

_RECORD = """
INSERT INTO audit_reads (nik, actor, role, region, route, request_id)
SELECT n, $2, $3, $4, $5, $6 FROM unnest($1::text[]) AS n
"""

# The ways a registry event names a person: as its subject, a member of a registered household, a
# person who joined, or one of those who left (the GIN index on `data` serves the containment tests).
_CHANGES = """
SELECT recorded_at AS at, metadata->>'actor' AS actor, metadata->>'role' AS role, metadata->>'region' AS region,
       type AS what, metadata->>'request_id' AS request_id
FROM events
WHERE (subject = $1
       OR data @> jsonb_build_object('members', jsonb_build_array(jsonb_build_object('nik', $1::text)))
       OR data @> jsonb_build_object('persons', jsonb_build_array(jsonb_build_object('nik', $1::text)))
       OR data @> jsonb_build_object('niks', jsonb_build_array($1::text)))
  AND ($2::text IS NULL OR metadata->>'actor' = $2) AND ($3::timestamptz IS NULL OR recorded_at >= $3)
  AND ($4::timestamptz IS NULL OR recorded_at < $4)
"""

_READS = """
SELECT read_at AS at, actor, role, region, route AS what, request_id FROM audit_reads
WHERE nik = $1 AND ($2::text IS NULL OR actor = $2) AND ($3::timestamptz IS NULL OR read_at >= $3)
  AND ($4::timestamptz IS NULL OR read_at < $4)
"""


async def record_reads(pool: asyncpg.Pool, actor: Actor, niks: Iterable[str], route: str,
                       request_id: str | None) -> None:
    """Record that `actor` read these persons' data through `route` (one row per NIK)."""
    niks = sorted(set(niks))
    if niks:
        await pool.execute(_RECORD, niks, actor.subject, actor.role.value, actor.region, route, request_id)


async def trail(pool: asyncpg.Pool, nik: str, *, actor: str | None, since: datetime | None,
                until: datetime | None) -> list[dict]:
    """Every read and change of the NIK's data, oldest first, each with who, when, what and the request."""
    reads = [{**dict(r), "kind": "read"} for r in await pool.fetch(_READS, nik, actor, since, until)]
    changes = [{**dict(r), "kind": "change"} for r in await pool.fetch(_CHANGES, nik, actor, since, until)]
    return sorted(reads + changes, key=lambda entry: entry["at"])
