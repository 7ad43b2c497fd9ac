"""The registry's unit of work over an in-memory store, for handler tests."""

from __future__ import annotations

from siks_events.testing import InMemoryUnitOfWork
from siks_registry.application.uow import RegistryUnitOfWork
from siks_registry.domain.household import Household
from siks_registry.domain.proposal_answer import ANSWER_PREFIX


class InMemoryRegistryUnitOfWork(InMemoryUnitOfWork, RegistryUnitOfWork):
    """The registry's unit of work over an in-memory store: NIK lookups fold every household stream."""

    def _households(self) -> list[Household]:
        ids = {e.stream_id for e in self.events.events if not e.stream_id.startswith(ANSWER_PREFIX)}
        return [Household.rehydrate(i, (r.event() for r in self.events.events if r.stream_id == i)) for i in ids]

    async def active_household_of(self, nik: str) -> str | None:
        return next((h.id for h in self._households() if nik in h.members and h.members[nik].active), None)

    async def latest_household_of(self, nik: str) -> str | None:
        return next((h.id for h in self._households() if nik in h.members), None)

    async def households_with_kk(self, kk_number: str) -> list[str]:
        return [h.id for h in self._households() if h.kk_number == kk_number]

    def household(self, household_id: str) -> Household:
        """The household folded from everything committed so far."""
        return Household.rehydrate(household_id, (r.event() for r in self.events.events if r.stream_id == household_id))

    def active_niks(self) -> list[str]:
        """Every NIK active in some household, with repeats (single identity: no repeats)."""
        return [nik for h in self._households() for nik, m in h.members.items() if m.active]
