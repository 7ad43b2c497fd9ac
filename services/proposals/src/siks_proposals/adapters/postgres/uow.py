"""The proposals unit of work on PostgreSQL: events first, then the read model and the copy of DTKS, in one transaction."""

from __future__ import annotations

from siks_events.uow import PostgresUnitOfWork

from siks_proposals.adapters.postgres import dtks_copy
from siks_proposals.adapters.postgres.projection import project_proposal
from siks_proposals.application.uow import ProposalsUnitOfWork
from siks_proposals.domain.dtks import DtksHousehold
from siks_proposals.domain.lifecycle import OPEN
from siks_proposals.domain.proposal import Proposal


class PostgresProposalsUnitOfWork(PostgresUnitOfWork, ProposalsUnitOfWork):
    """Proposal and period streams in the event store; lookups on the read models of this service's schema."""

    async def __aenter__(self):
        self._copies: list[DtksHousehold] = []
        return await super().__aenter__()

    async def commit(self):
        self.after_events(self._project)
        return await super().commit()

    async def _project(self, uow: PostgresUnitOfWork) -> None:
        for aggregate in self.changed:
            if isinstance(aggregate, Proposal):
                await project_proposal(self.connection, aggregate)
        for household in self._copies:
            await dtks_copy.save(self.connection, household)

    async def household(self, household_id: str) -> DtksHousehold | None:
        return (await dtks_copy.load(self.connection, [household_id])).get(household_id)

    async def households(self, household_ids) -> dict[str, DtksHousehold]:
        return await dtks_copy.load(self.connection, list(set(household_ids)))

    def save_household(self, household: DtksHousehold) -> None:
        self._copies.append(household)

    async def open_proposals_about(self, *, nik: str | None = None, household_id: str | None = None) -> list[str]:
        rows = await self.connection.fetch(
            "SELECT proposal_id FROM proposals WHERE status = ANY($3)"
            " AND (niks @> ARRAY[$1::text] OR household_id = $2) ORDER BY proposal_id",
            nik, household_id, [s.value for s in OPEN])
        return [r["proposal_id"] for r in rows]

    async def proposals_ready(self, regency_code: str, period: str) -> list[str]:
        rows = await self.connection.fetch(
            "SELECT proposal_id FROM proposals WHERE ready AND regency_code = $1 AND period = $2"
            " ORDER BY updated_at, proposal_id", regency_code, period)
        return [r["proposal_id"] for r in rows]
