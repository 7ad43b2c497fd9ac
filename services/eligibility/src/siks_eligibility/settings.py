"""The eligibility worker's settings, from the environment (`SIKS_*`, `DATABASE_URL`, `KAFKA_BOOTSTRAP_SERVERS`).

The worker serves no HTTP, so unlike `siks_events.settings.Settings` it needs no token issuer.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EligibilitySettings(BaseSettings):
    """Where the projection reads (the registry's topic) and writes (its own schema)."""

    model_config = SettingsConfigDict(env_prefix="SIKS_", extra="ignore", populate_by_name=True)

    database_url: str = Field(validation_alias=AliasChoices("ELIGIBILITY_DATABASE_URL", "DATABASE_URL"))
    kafka_bootstrap_servers: str = Field(validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    db_schema: str = "eligibility"
    topic_prefix: str = ""
    kafka_partitions: int = 6
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1_000)
    consumer_batch_size: int = Field(default=500, ge=1)
