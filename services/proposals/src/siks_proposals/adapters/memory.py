"""The proposals unit of work over the in-memory event store: for handler tests and demos without PostgreSQL."""

from __future__ import annotations

from siks_events.catalog import decode
from siks_events.testing import InMemoryUnitOfWork

from siks_proposals.application.uow import ProposalsUnitOfWork
from siks_proposals.domain.dtks import DtksHousehold
from siks_proposals.domain.lifecycle import ready_for_approval
from siks_proposals.domain.period import regency_of
from siks_proposals.domain.proposal import Proposal, household_of, niks_of


class InMemoryProposalsUnitOfWork(InMemoryUnitOfWork, ProposalsUnitOfWork):
    """Proposals folded from the in-memory store on each lookup; the copy of DTKS in a dict."""

    def __init__(self, *args, households: dict[str, DtksHousehold] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dtks: dict[str, DtksHousehold] = households if households is not None else {}

    async def household(self, household_id: str) -> DtksHousehold | None:
        return self.dtks.get(household_id)

    def save_household(self, household: DtksHousehold) -> None:
        self._copies.append(household)

    async def _begin(self) -> None:
        self._copies: list[DtksHousehold] = []
        await super()._begin()

    async def _commit(self) -> None:
        self.dtks.update((h.household_id, h) for h in self._copies)
        await super()._commit()

    def _proposals(self) -> list[Proposal]:
        streams: dict[str, list] = {}
        for recorded in self.events.events:
            if recorded.type.startswith("siks.proposals.proposal-"):
                streams.setdefault(recorded.stream_id, []).append(decode(recorded.type, recorded.data))
        return [Proposal.rehydrate(stream_id, events) for stream_id, events in streams.items()]

    async def open_proposals_about(self, *, nik: str | None = None, household_id: str | None = None) -> list[str]:
        return [p.id for p in self._proposals() if p.open and p.change is not None and (
            (nik is not None and nik in niks_of(p.change))
            or (household_id is not None and household_of(p.change) == household_id))]

    async def proposals_ready(self, regency_code: str, period: str) -> list[str]:
        return [p.id for p in self._proposals() if regency_of(p.region_code) == regency_code and p.period == period
                and ready_for_approval(p.status, p.kind)]
