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
