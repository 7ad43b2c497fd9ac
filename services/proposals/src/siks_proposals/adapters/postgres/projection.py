"""The proposals read model, written from the aggregate in the same transaction as its events."""

from __future__ import annotations

import asyncpg

from siks_proposals.domain.lifecycle import ready_for_approval
from siks_proposals.domain.period import regency_of
from siks_proposals.domain.proposal import Proposal, niks_of

_UPSERT = """
INSERT INTO proposals (proposal_id, region_code, regency_code, kind, status, period, household_id, niks, change,
                       reason, ready, version, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
ON CONFLICT (proposal_id) DO UPDATE SET status = excluded.status, period = excluded.period,
    household_id = excluded.household_id, niks = excluded.niks, change = excluded.change, reason = excluded.reason,
    ready = excluded.ready, version = excluded.version, updated_at = now()
-- a replay (rebuild) never undoes a row a newer write of the same proposal has projected meanwhile
WHERE proposals.version <= excluded.version
"""


async def project_proposal(connection: asyncpg.Connection, proposal: Proposal) -> None:
    """Replace the proposal's row by its current state."""
    change = proposal.change
    assert change is not None
    await connection.execute(
        _UPSERT, proposal.id, proposal.region_code, regency_of(proposal.region_code), proposal.kind.value,
        proposal.status.value, proposal.period, proposal.household_id, list(niks_of(change)),
        change.model_dump(mode="json"), proposal.outcome_reason, ready_for_approval(proposal.status, proposal.kind),
        proposal.version)
