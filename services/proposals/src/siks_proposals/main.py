"""Wiring of the proposals service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.catalog import registry, verification
from siks_events.catalog.proposals import TOPIC
from siks_events.service import ConsumerDefinition, ServiceDefinition, serve

import siks_proposals
from siks_proposals.adapters import consumers, metrics
from siks_proposals.adapters.api import periods, proposals
from siks_proposals.adapters.postgres.uow import PostgresProposalsUnitOfWork

definition = ServiceDefinition(
    name="proposals",
    title="SIKS-NG Proposals (usulan)",
    description=siks_proposals.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    topics=[TOPIC],
    routers=[proposals.router, periods.router],
    consumers=[
        ConsumerDefinition(name="verification", topics=[verification.TOPIC],
                           handler=consumers.apply_verification_event, unit_of_work=PostgresProposalsUnitOfWork),
        ConsumerDefinition(name="registry", topics=[registry.TOPIC], handler=consumers.apply_registry_event,
                           unit_of_work=PostgresProposalsUnitOfWork),
    ],
    gauges=[metrics.refresh],
)

create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_proposals.main:app` builds it from the environment."""
