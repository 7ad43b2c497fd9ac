"""The proposals service's own series at /metrics: proposals by status, from the read model."""

from __future__ import annotations

from prometheus_client import Gauge

from siks_proposals.domain.lifecycle import Status

proposals_by_status = Gauge("siks_proposals", "Proposals (usulan) by the status they stand in now.", ["status"])


async def refresh(runtime) -> None:
    """Count the read model's proposals by status (every status shown, 0 when none stands in it)."""
    if runtime.pool is None:
        return
    rows = await runtime.pool.fetch("SELECT status, count(*) AS n FROM proposals GROUP BY status")
    counted = {r["status"]: r["n"] for r in rows}
    for status in Status:
        proposals_by_status.labels(status.value).set(counted.get(status.value, 0))
