"""Wiring of the verification service: the only module that picks concrete adapters."""

from __future__ import annotations

from pathlib import Path

from siks_events.service import ServiceDefinition, serve

import siks_verification

TOPIC = "siks.verification.events"

definition = ServiceDefinition(
    name="verification",
    title="SIKS-NG Verification (verivali)",
    description=siks_verification.__doc__ or "",
    migrations=Path(__file__).parent / "migrations",
    topics=[TOPIC],
)


create_app, __getattr__ = serve(definition)
"""`create_app(settings)` builds the app; `uvicorn siks_verification.main:app` builds it from the environment."""
