"""Wiring of the eligibility service: its API, the projection worker and the outbox relay of its own events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from siks_events.catalog.eligibility import TOPIC
from siks_events.catalog.registry import TOPIC as REGISTRY_TOPIC
from siks_events.service import Runtime, ServiceDefinition, serve

from siks_eligibility import worker
from siks_eligibility.adapters import metrics
from siks_eligibility.adapters.api import routes
from siks_eligibility.adapters.api.deps import lifecycle_of


async def projection(runtime: Runtime) -> None:
    """Keep the served projection version current (the first version, if none yet, assesses today, UTC)."""
    await worker.run(lifecycle_of(runtime), on=datetime.now(UTC).date())


definition = ServiceDefinition(
    name="eligibility",
    title="SIKS-NG eligibility",
    description=(__doc__ or "") + " Programme eligibility (PKH, Sembako, PBI JK, PIP) as a projection of the"
                                  " registry's events, with quotas per regency and their waiting lists.",
    migrations=Path(__file__).parent / "migrations",
    topics=[TOPIC, REGISTRY_TOPIC],  # and the registry's, which the projection worker (no ConsumerDefinition) reads
    routers=[routes.router],
    workers=[projection],
    gauges=[metrics.refresh],
)


create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_eligibility.main:app` builds it from the environment."""
