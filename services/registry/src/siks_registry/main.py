"""Wiring of the registry service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.service import ConsumerDefinition, ServiceDefinition, serve

import siks_registry
from siks_registry.adapters import consumers
from siks_registry.adapters.api import audit, household_operations, households, persons, public
from siks_registry.adapters.dci import api as dci_api
from siks_registry.adapters.dci.delivery import run_dci_worker
from siks_registry.adapters.dci.events import NotifySubscribers
from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork

definition = ServiceDefinition(
    name="registry",
    title="SIKS-NG Registry (DTKS)",
    description=siks_registry.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    keeps_secrets=True,  # the statement-letter key: sealed under SIKS_SECRETS_KEYS
    topics=["siks.registry.events"],
    routers=[households.router, household_operations.router, persons.router, public.router, audit.router,
             dci_api.router, dci_api.onboarding, dci_api.jwks_router],
    consumers=[
        ConsumerDefinition(
            name="civil-registry",
            topics=["siks.integration.events"],
            handler=consumers.apply_civil_registry_event,
            unit_of_work=PostgresRegistryUnitOfWork,
        ),
        ConsumerDefinition(
            name="approved-proposals",
            topics=["siks.proposals.events"],
            handler=consumers.apply_proposal_event,
            unit_of_work=PostgresRegistryUnitOfWork,
        ),
        ConsumerDefinition(
            name="dci-notifications",
            topics=["siks.registry.events"],
            handler=NotifySubscribers(),
        ),
    ],
    workers=[run_dci_worker],
)

create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_registry.main:app` builds it from the environment."""
