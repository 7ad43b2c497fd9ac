"""Settings of the registry's DCI interface, from the environment."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class DciSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIKS_DCI_", extra="ignore")

    sender_id: str = "dtks.kemensos.go.id"
    """Who we are in DCI headers (`sender_id` of our callbacks, `receiver_id` partners address)."""
    poll_seconds: float = 0.2
    """How often the delivery worker looks for requests to answer and callbacks to send when idle."""
    max_backoff_seconds: float = 300.0
    max_batch: int = 100
    """Most requests one message may carry (`total_count`); above it the message is rejected."""
