"""The proposals service's unit of work: proposal and period streams, and the copy of DTKS beside them."""

from __future__ import annotations

import abc
from collections.abc import Iterable

from siks_events.uow import UnitOfWork

from siks_proposals.domain.dtks import DtksHousehold
from siks_proposals.domain.errors import ProposalNotFound
from siks_proposals.domain.period import Period
from siks_proposals.domain.proposal import Proposal


class ProposalsUnitOfWork(UnitOfWork, abc.ABC):
    """A unit of work over proposals and periods, with the lookups their rules need."""

    async def get_proposal(self, proposal_id: str) -> Proposal:
        proposal = await self.load(Proposal, proposal_id)
        if proposal is None:
            raise ProposalNotFound(f"no proposal {proposal_id}")
        return proposal

    async def period(self, regency_code: str, period: str) -> Period:
        """The regency's period, tracked for commit (a new one if nobody closed it yet)."""
        found = await self.load(Period, Period.stream_id(regency_code, period))
        if found is None:
            found = Period.of(regency_code, period)
            self.add(found)
        return found

    @abc.abstractmethod
    async def household(self, household_id: str) -> DtksHousehold | None:
        """The copy of a DTKS household, if the registry has told us of it."""

    async def households(self, household_ids: Iterable[str]) -> dict[str, DtksHousehold]:
        """The copies of several households, by id (unknown ones left out)."""
        found = {h: await self.household(h) for h in set(household_ids)}
        return {h: household for h, household in found.items() if household is not None}

    @abc.abstractmethod
    def save_household(self, household: DtksHousehold) -> None:
        """Write the copy of a household on commit, after the events."""

    @abc.abstractmethod
    async def open_proposals_about(self, *, nik: str | None = None, household_id: str | None = None) -> list[str]:
        """Ids of the open proposals that name this person, or concern this household."""

    @abc.abstractmethod
    async def proposals_ready(self, regency_code: str, period: str) -> list[str]:
        """Ids of the regency's proposals of `period` an office may approve now, oldest first."""
