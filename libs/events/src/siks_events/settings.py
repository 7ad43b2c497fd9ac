"""Settings from the environment, validated when a service starts."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("registry", "proposals", "verification", "lks", "integration", "eligibility")
DEFAULT_PORTS = {"registry": 8001, "proposals": 8002, "verification": 8003, "lks": 8004, "integration": 8005,
                 "eligibility": 8006}


class Settings(BaseSettings):
    """One service's configuration. `DATABASE_URL` and `KAFKA_BOOTSTRAP_SERVERS` keep their
    conventional names; `<SERVICE>_DATABASE_URL` gives a service a database of its own."""

    model_config = SettingsConfigDict(env_prefix="SIKS_", extra="ignore", populate_by_name=True)

    service: str = "siks"
    database_url: str = Field(validation_alias="DATABASE_URL")
    kafka_bootstrap_servers: str = Field(validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    db_schema: str | None = None
    db_pool_min_size: int = Field(default=1, ge=0)
    db_pool_max_size: int = Field(default=10, ge=1)
    """Connections per service process; all processes together must stay under PostgreSQL's max_connections."""
    db_acquire_timeout_seconds: float = Field(default=10.0, gt=0)
    """How long a request waits for a free connection before it is answered 503 (database-busy)."""
    topic_prefix: str = ""
    kafka_partitions: int = 6
    kafka_replication_factor: int = 1
    """Replicas of topics a service creates itself (3 on a production cluster; 1 on the embedded broker)."""
    log_level: str = "INFO"
    max_body_bytes: int = 1_048_576
    """Largest request body accepted, counted as it streams (chunked bodies too); 413 above it."""
    cors_origins: str = ""
    """Comma-separated origins whose browser pages may call the API; empty keeps CORS closed."""
    problem_base_uri: str = "urn:siks-ng:problem:"
    chain_signing_keys: SecretStr | None = None
    """Ed25519 keys (URL-safe base64 seeds, comma-separated; the first signs, all are checked) for the signed
    checkpoints of the event chain; empty makes none, and `siks audit verify` then checks the chain alone."""
    chain_checkpoint_seconds: float = Field(default=300.0, gt=0)
    """How often each region's checkpoint is signed (when events were sealed since the last)."""
    secrets_keys: SecretStr | None = None
    """Keys that seal stored secrets (subscribers' signing keys): URL-safe base64 of 32 bytes each,
    comma-separated; the first seals, all open, so a new key goes first and an old one leaves once
    nothing sealed under it remains. A service that keeps secrets refuses to store one without it."""
    client_address_header: str = ""
    """Where the caller's address is read when proxies of ours stand in front: `X-Forwarded-For` or
    `X-Real-IP`. Empty trusts no header and takes the connection's peer: any client can send these headers,
    so trust one only behind a proxy that sets it. Per-client limits (the public rate limits) key on it."""
    client_address_proxies: int = Field(default=1, ge=1, le=10)
    """With `X-Forwarded-For`: how many proxies of ours append to it; the caller is that many entries from the
    right (what the client wrote to the left of them is not believed)."""
    auth_public_key_file: Path | None = None
    auth_jwks_url: str | None = None
    auth_issuer: str = "siks-local"
    auth_audience: str = "siks-ng"
    auth_clock_skew_seconds: float = Field(default=30, ge=0, le=300)
    """How far a token's expiry and not-before may be off our clock and still be honoured."""
    simulators: bool = False
    """Mount the stand-ins for partners (BPJS, Dukcapil) that the embedded stack answers with; never in production."""
    relay_enabled: bool = True
    consumers_enabled: bool = True
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1_000)
    """How long a consumer group waits for a silent member before giving its partitions to others. A member
    that stops without leaving (killed, or a broker that ignores LeaveGroup) holds a rejoin up this long."""
    consumer_batch_size: int = Field(default=500, ge=1)
    """Records a consumer applies in one transaction."""
    inbox_retention_days: float | None = Field(default=30.0, gt=0)
    """How long a consumer remembers an applied event id; empty keeps them forever. An event redelivered
    after its id was forgotten is applied again, so keep this above the broker's retention and above
    the age of anything a relay could republish after a broker loss."""

    blob_dir: Path | None = None
    """Folder of the file store (photos); default `$SIKS_HOME/blobs`, beside the embedded stack's other data."""
    blob_s3_bucket: str | None = None
    """An S3-compatible bucket for files instead of the folder (credentials from boto3's usual chain)."""
    blob_s3_endpoint_url: str | None = None
    """The object store's URL when it is not AWS (MinIO, Ceph RGW, ...)."""
    blob_s3_region: str | None = None
    blob_s3_prefix: str = ""
    blob_max_bytes: int = Field(default=1_048_576, ge=1)
    """Largest file accepted (413 above it); `max_body_bytes` caps every request body as well."""

    @property
    def blob_folder(self) -> Path:
        return self.blob_dir or Path(os.environ.get("SIKS_HOME", ".siks")).resolve() / "blobs"

    @model_validator(mode="after")
    def _identity_is_configured(self) -> Settings:
        if not self.auth_public_key_file and not self.auth_jwks_url:
            raise ValueError(
                "no token issuer configured: set SIKS_AUTH_JWKS_URL (an OpenID Connect issuer's JWKS)"
                " or SIKS_AUTH_PUBLIC_KEY_FILE (the local issuer's public key)"
            )
        return self

    @model_validator(mode="after")
    def _pool_bounds_are_ordered(self) -> Settings:
        if self.db_pool_min_size > self.db_pool_max_size:
            raise ValueError(f"SIKS_DB_POOL_MIN_SIZE ({self.db_pool_min_size}) exceeds"
                             f" SIKS_DB_POOL_MAX_SIZE ({self.db_pool_max_size})")
        return self

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def schema_name(self) -> str:
        return self.db_schema or self.service

    @property
    def source(self) -> str:
        """The CloudEvents `source` of everything this service publishes."""
        return f"/siks-ng/{self.service}"

    @classmethod
    def for_service(cls, service: str, **overrides) -> Settings:
        """Settings for one service; `<SERVICE>_DATABASE_URL` wins over `DATABASE_URL`."""
        own_url = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if own_url and "database_url" not in overrides:
            overrides["database_url"] = own_url
        return cls(service=service, **overrides)
