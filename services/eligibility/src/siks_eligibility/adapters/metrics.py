"""The projection's series at /metrics: how far the served version is behind the registry's topic, and how far
a rebuild under way has come."""

from __future__ import annotations

from siks_events import metrics

from siks_eligibility.adapters.api.deps import lifecycle_of
from siks_eligibility.adapters.postgres import versions
from siks_eligibility.adapters.postgres.versions import VersionState

PROJECTION = "eligibility"


async def refresh(runtime) -> None:
    """Set `siks_projection_lag_events` and `siks_projection_rebuild_progress_ratio` (1 with no rebuild running)."""
    if runtime.pool is None:
        return
    lifecycle = lifecycle_of(runtime)
    served = await versions.current(runtime.pool)
    if served is not None:
        metrics.projection_lag.labels(PROJECTION).set(sum((await lifecycle.lag(served)).values()))
    building = [v for v in await versions.all_versions(runtime.pool) if v.state is VersionState.BUILDING]
    ratio = 1.0
    if building:
        progress = await lifecycle.progress(building[-1].version)
        ratio = min(1.0, progress.done / progress.total) if progress.total else 1.0
    metrics.projection_rebuild_progress.labels(PROJECTION).set(ratio)
