"""Read side that needs the domain's rules: the impact preview of a period's batch."""

from __future__ import annotations

from siks_events.catalog.proposals import AddHousehold

from siks_proposals.application.uow import ProposalsUnitOfWork
from siks_proposals.domain.impact import VillageImpact, impact


async def impact_preview(regency_code: str, period: str, uow: ProposalsUnitOfWork) -> list[VillageImpact]:
    """Per village, what approving the period's ready proposals would do to DTKS (as the copy knows it now)."""
    async with uow:
        proposals = [await uow.get_proposal(p) for p in await uow.proposals_ready(regency_code, period)]
        changes = [(p.region_code, p.change) for p in proposals if p.change is not None]
        households = await uow.households(c.household_id for _, c in changes if not isinstance(c, AddHousehold))
    return impact(changes, households)
