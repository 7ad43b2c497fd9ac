"""Wiring of the proposals service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.service import ServiceDefinition, serve

import siks_proposals

TOPIC = "siks.proposals.events"

definition = ServiceDefinition(
    name="proposals",
    title="SIKS-NG Proposals (usulan)",
    description=siks_proposals.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    topics=[TOPIC],
)


create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_proposals.main:app` builds it from the environment."""
