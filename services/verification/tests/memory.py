"""The verification unit of work over the library's in-memory store; its lookups fold the stored events."""

from __future__ import annotations

from siks_events.catalog.verification import PrelistEntryAdded, VisitRecorded, VisitRejected
from siks_events.model import Cause
from siks_events.testing import InMemoryEventStore, InMemoryUnitOfWork
from siks_verification.application.uow import VerificationUnitOfWork
from siks_verification.domain.prelist import household_key_of
from siks_verification.domain.quality import PeerVisit


class InMemoryVerificationUnitOfWork(InMemoryUnitOfWork, VerificationUnitOfWork):
    def __init__(self, store: InMemoryEventStore, cause: Cause | None = None) -> None:
        super().__init__(store, cause)

    def _all(self):
        return [r.event() for r in self.events.events]

    def _visits(self) -> tuple[dict[str, PrelistEntryAdded], list[VisitRecorded], set[str]]:
        added = {e.entry_id: e for e in self._all() if isinstance(e, PrelistEntryAdded)}
        recorded = [e for e in self._all() if isinstance(e, VisitRecorded)]
        rejected = {e.visit_id for e in self._all() if isinstance(e, VisitRejected)}
        return added, recorded, rejected

    async def visit_ids_of(self, entry_id: str) -> list[str]:
        return [e.visit_id for e in self._visits()[1] if e.entry_id == entry_id]

    async def village_peers(self, region_code: str) -> list[PeerVisit]:
        added, recorded, rejected = self._visits()
        return [
            PeerVisit(v.visit_id, v.enumerator, household_key_of(added[v.entry_id]), v.duration_seconds, v.position.lat,
                      v.position.lon)
            for v in recorded if added[v.entry_id].region_code == region_code and v.visit_id not in rejected
        ]

    async def photo_households(self, hashes: list[str]) -> dict[str, frozenset[str]]:
        added, recorded, _ = self._visits()
        found: dict[str, set[str]] = {}
        for visit in recorded:
            for photo in visit.photos:
                if photo.sha256 in hashes:
                    found.setdefault(photo.sha256, set()).add(household_key_of(added[visit.entry_id]))
        return {h: frozenset(owners) for h, owners in found.items()}

