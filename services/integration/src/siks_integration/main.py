"""Wiring of the integration service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.service import ServiceDefinition, serve

import siks_integration

TOPIC = "siks.integration.events"

definition = ServiceDefinition(
    name="integration",
    title="SIKS-NG Integration",
    description=siks_integration.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    topics=[TOPIC],
)


create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_integration.main:app` builds it from the environment."""
