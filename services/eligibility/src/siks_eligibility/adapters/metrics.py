"""The projection's series at /metrics: how far the served version is behind the registry's topic (as a projection
and, per partition, as its consumer group's lag, which `siks status` shows), and how far a rebuild under way has
come."""

from __future__ import annotations

from siks_events import metrics

from siks_eligibility.adapters.api.deps import lifecycle_of
from siks_eligibility.adapters.postgres import versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.adapters.postgres.versions import VersionState

PROJECTION = "eligibility"
_group_lag = metrics.LabelledGauges()  # the served version's group only: a switch drops the old group's series


async def refresh(runtime) -> None:
    """Set `siks_projection_lag_events`, the served version's `siks_consumer_lag_events` and
    `siks_projection_rebuild_progress_ratio` (1 with no rebuild running)."""
    if runtime.pool is None:
        return
    lifecycle = lifecycle_of(runtime)
    served = await versions.current(runtime.pool)
    lags: dict[tuple[str, ...], float] = {}
    if served is not None:
        behind = await lifecycle.lag(served)
        metrics.projection_lag.labels(PROJECTION).set(sum(behind.values()))
        group = lifecycle.topic_prefix + VersionTables(served).consumer
        lags = {(PROJECTION, group, lifecycle.topic, str(p)): lag for p, lag in behind.items()}
    _group_lag.publish(metrics.consumer_lag, lags)
    building = [v for v in await versions.all_versions(runtime.pool) if v.state is VersionState.BUILDING]
    ratio = 1.0
    if building:
        progress = await lifecycle.progress(building[-1].version)
        ratio = min(1.0, progress.done / progress.total) if progress.total else 1.0
    metrics.projection_rebuild_progress.labels(PROJECTION).set(ratio)
