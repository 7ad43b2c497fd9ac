"""Writes of the read models, in the transaction that appended the events they follow."""

from __future__ import annotations

import asyncpg
from siks_events.model import StreamVersionConflict

from siks_verification.domain.prelist import PrelistEntry
from siks_verification.domain.visit import Visit

_INSERT_ENTRY = """
    INSERT INTO prelist_entries (entry_id, proposal_id, region_code, period, household_id, kk_number, address,
                                 niks, names, lat, lon, status, enumerator)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
    ON CONFLICT (entry_id) DO NOTHING
"""
_UPDATE_ENTRY = """
    UPDATE prelist_entries SET proposal_id = $2, region_code = $3, period = $4, household_id = $5, kk_number = $6,
        address = $7, niks = $8, names = $9, lat = $10, lon = $11, status = $12, enumerator = $13,
        revision = revision + 1, updated_at = now()
    WHERE entry_id = $1 AND revision = $14
"""


async def project_entry(connection: asyncpg.Connection, entry: PrelistEntry, revision: int | None) -> None:
    """Write the entry's row if nobody wrote it since `revision` was read (None: there was no row).

    An entry's state is the fold of several streams, so the append guard of one stream does not
    protect it: this compare-and-set does. The loser raises StreamVersionConflict and is retried.
    """
    added = entry.added
    assert added is not None
    location = entry.last_known_location
    values = (entry.id, added.proposal_id, added.region_code, added.period, added.household_id, added.kk_number,
              added.address, list(added.niks), list(added.names), location.lat if location else None,
              location.lon if location else None, entry.status.value, entry.enumerator)
    if revision is None:
        written = await connection.execute(_INSERT_ENTRY, *values) == "INSERT 0 1"
    else:
        written = await connection.execute(_UPDATE_ENTRY, *values, revision) == "UPDATE 1"
    if not written:
        raise StreamVersionConflict(entry.id, entry.version)


async def project_visit(connection: asyncpg.Connection, visit: Visit, entry: PrelistEntry) -> None:
    recorded = visit.recorded
    assert recorded is not None
    await connection.execute(
        """
        INSERT INTO visits (visit_id, client_visit_id, entry_id, proposal_id, region_code, household_key, enumerator,
                            started_at, ended_at, duration_seconds, lat, lon, accuracy_m, household_found, status,
                            flags, findings, photos, reviewed_by, review_reason, version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
        ON CONFLICT (visit_id) DO UPDATE SET status = excluded.status, reviewed_by = excluded.reviewed_by,
            review_reason = excluded.review_reason, version = excluded.version
        WHERE visits.version <= excluded.version  -- a replay of the same version rewrites it unchanged
        """,
        visit.id, recorded.client_visit_id, recorded.entry_id, recorded.proposal_id, entry.region_code,
        entry.household_key, recorded.enumerator, recorded.started_at, recorded.ended_at, recorded.duration_seconds,
        recorded.position.lat, recorded.position.lon, recorded.position.accuracy_m, recorded.findings.household_found,
        visit.status.value, [f.value for f in recorded.flags], recorded.findings.model_dump(mode="json"),
        [p.model_dump(mode="json") for p in recorded.photos], visit.reviewed_by, visit.review_reason, visit.version,
    )
    await connection.executemany(
        "INSERT INTO visit_photos (sha256, visit_id, household_key, region_code) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT DO NOTHING",
        [(p.sha256, visit.id, entry.household_key, entry.region_code) for p in recorded.photos],
    )
