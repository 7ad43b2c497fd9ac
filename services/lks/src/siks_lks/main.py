"""Wiring of the lks service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.service import ServiceDefinition, serve

import siks_lks
from siks_lks.adapters.api import monitoring, ppks, routes

TOPIC = "siks.lks.events"

definition = ServiceDefinition(
    name="lks",
    title="SIKS-NG LKS",
    description=siks_lks.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    topics=[TOPIC],
    routers=[routes.router, monitoring.router, ppks.router],
)


create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_lks.main:app` builds it from the environment."""
