"""The verification service's unit of work: prelist entries with their visits, and what the checks compare with."""

from __future__ import annotations

import abc

from siks_events.auth import Actor, Role
from siks_events.permissions import require_access
from siks_events.uow import UnitOfWork

from siks_verification.domain.errors import VisitNotFound
from siks_verification.domain.prelist import PrelistEntry
from siks_verification.domain.quality import PeerVisit, Yardstick
from siks_verification.domain.visit import Visit


class VerificationUnitOfWork(UnitOfWork, abc.ABC):
    """Entry and visit streams, plus the lookups the read models answer."""

    async def find_entry(self, entry_id: str) -> PrelistEntry | None:
        """The entry folded from its own stream and its visits' streams in store order; None if never added."""
        if entry_id in self._seen:
            return self._seen[entry_id]  # type: ignore[return-value]
        own = await self.events.read_stream(entry_id)
        if not own:
            return None
        records = list(own)
        for visit_id in await self.visit_ids_of(entry_id):
            records += await self.events.read_stream(visit_id)
        entry = PrelistEntry(entry_id)
        for record in sorted(records, key=lambda r: r.position):
            entry.follow(record.event())
        entry.version = len(own)  # appends go to the entry's own stream only
        self.add(entry)
        return entry

    async def accessible_entry(self, entry_id: str) -> PrelistEntry:
        """The entry, if it exists inside the region of whoever caused this change; the same 403 otherwise."""
        entry = await self.find_entry(entry_id)
        require_access(self.actor, "prelist entry", entry_id, entry.region_code if entry else None)
        assert entry is not None
        return entry

    async def accessible_visit(self, visit_id: str) -> tuple[Visit, PrelistEntry]:
        """The visit and its entry, if they lie inside the caller's region; the same 403 otherwise."""
        visit = await self.load(Visit, visit_id)
        entry = await self.find_entry(visit.entry_id) if visit else None
        require_access(self.actor, "visit", visit_id, entry.region_code if entry else None)
        if visit is None or entry is None:  # pragma: no cover - require_access has refused already
            raise VisitNotFound(visit_id)
        return visit, entry

    async def yardstick(self, entry: PrelistEntry, photo_hashes: tuple[str, ...]) -> Yardstick:
        """What a new visit to `entry` is checked against: the household as proposed, the village's visits, the photos."""
        return Yardstick(
            household_location=entry.last_known_location, proposal_niks=entry.proposal_niks,
            peers=tuple(await self.village_peers(entry.region_code)),
            photo_households=await self.photo_households(list(photo_hashes)),
        )

    @property
    def actor(self) -> Actor:
        """Who caused this change, as the permission rules see them."""
        return Actor(subject=self.cause.actor, role=Role(self.cause.role), region=self.cause.region)

    @abc.abstractmethod
    async def visit_ids_of(self, entry_id: str) -> list[str]:
        """Ids of every visit recorded for this entry."""

    @abc.abstractmethod
    async def village_peers(self, region_code: str) -> list[PeerVisit]:
        """The visits recorded in this village that no supervisor rejected."""

    @abc.abstractmethod
    async def photo_households(self, hashes: list[str]) -> dict[str, frozenset[str]]:
        """For each hash already stored with a visit: the households those visits were to."""
