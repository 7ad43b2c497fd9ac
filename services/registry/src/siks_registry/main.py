"""Wiring of the registry service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.service import ConsumerDefinition, ServiceDefinition, serve

import siks_registry
from siks_registry.adapters import consumers

TOPIC = "siks.registry.events"

definition = ServiceDefinition(
    name="registry",
    title="SIKS-NG Registry (DTKS)",
    description=siks_registry.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    topics=[TOPIC],
    consumers=[
        ConsumerDefinition(
            name="civil-registry", topics=["siks.integration.events"], handler=consumers.apply_civil_registry_event
        ),
    ],
)


create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_registry.main:app` builds it from the environment."""
