"""Settings of the integration service's own partners (BPJS, Dukcapil), from the environment."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PartnerSettings(BaseSettings):
    """Where BPJS and Dukcapil answer; without a Dukcapil URL the built-in simulator answers."""

    model_config = SettingsConfigDict(env_prefix="SIKS_", extra="ignore")

    bpjs_url: str | None = None
    """BPJS Kesehatan's endpoint for PBI JK membership changes; notifications wait until it is set."""
    dukcapil_url: str | None = None
    """A real Dukcapil NIK verification endpoint; unset means the simulator over DTKS's own data."""
    delivery_poll_seconds: float = 0.5
    delivery_max_backoff_seconds: float = 300.0


class IntakeSettings(BaseSettings):
    """How the intake tells `pending` from `unmatched`: see adapters/dtks_horizon.py."""

    model_config = SettingsConfigDict(env_prefix="SIKS_", extra="ignore")

    horizon_poll_seconds: float = 0.5
    """How often the registry topic's end offsets are observed and pending reports settled."""
    pending_settle_seconds: float = 1.0
    """Margin for the registry's relay: an event committed just before a report may be published just after."""
