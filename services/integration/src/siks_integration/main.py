"""Wiring of the integration service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.catalog.dukcapil import TOPIC as DUKCAPIL_TOPIC
from siks_events.catalog.integration import TOPIC
from siks_events.service import ConsumerDefinition, ServiceDefinition, serve

import siks_integration
from siks_integration.adapters import consumers
from siks_integration.adapters.api import dci_crvs, dci_crvs_simulator, dukcapil, simulators, subscriptions
from siks_integration.adapters.dci_crvs.client import run_crvs_subscriptions
from siks_integration.adapters.delivery import run_deliveries
from siks_integration.adapters.dtks_horizon import run_registry_horizon
from siks_integration.adapters.postgres.uow import PostgresIntegrationUnitOfWork

definition = ServiceDefinition(
    name="integration",
    title="SIKS-NG Integration",
    description=siks_integration.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    keeps_secrets=True,  # subscribers' secrets: sealed under SIKS_SECRETS_KEYS
    topics=[TOPIC, DUKCAPIL_TOPIC],
    routers=[dukcapil.router, subscriptions.router, dci_crvs.router, dci_crvs.status_router, dci_crvs.jwks_router],
    simulator_routers=[simulators.router, dci_crvs_simulator.router],
    consumers=[
        ConsumerDefinition(name="dukcapil-inbound", topics=[DUKCAPIL_TOPIC], handler=consumers.apply_dukcapil_event,
                           unit_of_work=PostgresIntegrationUnitOfWork),
        ConsumerDefinition(name="siks-events", topics=consumers.SIKS_TOPICS, handler=consumers.apply_siks_event,
                           unit_of_work=PostgresIntegrationUnitOfWork),
    ],
    # the consumer that keeps the copy of DTKS is named in adapters/postgres/horizon.py (MIRROR_CONSUMER)
    workers=[run_deliveries, run_registry_horizon, run_crvs_subscriptions],
)

create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_integration.main:app` builds it from the environment."""
