"""Wiring of the verification service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.catalog.proposals import TOPIC as PROPOSALS_TOPIC
from siks_events.catalog.verification import TOPIC
from siks_events.service import ConsumerDefinition, ServiceDefinition, serve

import siks_verification
from siks_verification.adapters import consumers
from siks_verification.adapters.api import photos, prelists, visits
from siks_verification.adapters.postgres.uow import PostgresVerificationUnitOfWork

definition = ServiceDefinition(
    name="verification",
    title="SIKS-NG Verification (verivali)",
    description=siks_verification.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    topics=[TOPIC],
    routers=[prelists.router, photos.router, visits.router],
    consumers=[
        ConsumerDefinition(name="proposals", topics=[PROPOSALS_TOPIC], handler=consumers.apply_proposal_event,
                           unit_of_work=PostgresVerificationUnitOfWork),
    ],
)


create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_verification.main:app` builds it from the environment."""
