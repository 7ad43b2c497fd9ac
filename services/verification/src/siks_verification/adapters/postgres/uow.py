"""The verification unit of work on PostgreSQL: events first, then the read models, in one transaction."""

from __future__ import annotations

from siks_events.uow import PostgresUnitOfWork

from siks_verification.adapters.postgres.projection import project_entry, project_visit
from siks_verification.application.uow import VerificationUnitOfWork
from siks_verification.domain.prelist import PrelistEntry
from siks_verification.domain.quality import PeerVisit
from siks_verification.domain.visit import Visit


class PostgresVerificationUnitOfWork(PostgresUnitOfWork, VerificationUnitOfWork):
    """Entry and visit streams in the event store; lookups on the visits read model."""

    async def __aenter__(self):
        self._revisions: dict[str, int | None] = {}
        return await super().__aenter__()

    async def find_entry(self, entry_id: str) -> PrelistEntry | None:
        if entry_id not in self._revisions:
            # Read before the streams: a writer committing in between makes our row write fail (and be
            # retried), never succeed on a state older than the row.
            self._revisions[entry_id] = await self.connection.fetchval(
                "SELECT revision FROM prelist_entries WHERE entry_id = $1", entry_id)
        return await super().find_entry(entry_id)

    async def commit(self):
        self.after_events(self._project)
        return await super().commit()

    async def _project(self, uow: PostgresUnitOfWork) -> None:
        # An entry's status also moves with its visits' events, which are not in its own stream:
        # every entry this unit of work looked at is written again, changed or not.
        entries = {a.id: a for a in self._seen.values() if isinstance(a, PrelistEntry)}
        for entry in entries.values():
            await project_entry(self.connection, entry, self._revisions.get(entry.id))
        for visit in self.changed:
            if isinstance(visit, Visit):
                await project_visit(self.connection, visit, entries[visit.entry_id])

    async def visit_ids_of(self, entry_id: str) -> list[str]:
        rows = await self.connection.fetch("SELECT visit_id FROM visits WHERE entry_id = $1", entry_id)
        return [r["visit_id"] for r in rows]

    async def village_peers(self, region_code: str) -> list[PeerVisit]:
        rows = await self.connection.fetch(
            "SELECT visit_id, enumerator, household_key, duration_seconds, lat, lon FROM visits"
            " WHERE region_code = $1 AND status <> 'rejected'", region_code)
        return [PeerVisit(**dict(r)) for r in rows]

    async def photo_households(self, hashes: list[str]) -> dict[str, frozenset[str]]:
        if not hashes:
            return {}
        rows = await self.connection.fetch(
            "SELECT sha256, array_agg(DISTINCT household_key) AS households FROM visit_photos"
            " WHERE sha256 = ANY($1::text[]) GROUP BY sha256", hashes)
        return {r["sha256"]: frozenset(r["households"]) for r in rows}
