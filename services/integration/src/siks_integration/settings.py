"""Settings of the integration service's own partners (BPJS, Dukcapil), from the environment."""

from __future__ import annotations

from pathlib import Path

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


class CrvsSettings(BaseSettings):
    """Dukcapil's civil registry over the DCI CRVS API: where it answers, who it is, and who we are to it."""

    model_config = SettingsConfigDict(env_prefix="SIKS_DCI_CRVS_", extra="ignore")

    url: str | None = None
    """The registry's DCI base URL (`{url}/registry/subscribe`); unset means we do not subscribe."""
    sender_id: str = "crvs.dukcapil.go.id"
    """The registry's `sender_id`: notifications from anybody else are refused."""
    jwks_url: str | None = None
    """Where the registry publishes its signing keys; `{url}/.well-known/jwks.json` when unset."""
    token: str | None = None
    """A bearer token of the registry's own authorisation server, for our requests to it."""
    callback_url: str | None = None
    """Our `sender_uri` as the registry reaches it: it calls `{callback_url}/registry/notify` and `/on-subscribe`."""
    client_id: str = "siks-ng.kemensos.go.id"
    """Our `sender_id` towards the registry."""
    signing_key_file: Path | None = None
    """Our Ed25519 private key (PEM) that signs requests to the registry, e.g. a mounted secret; unset, the
    service makes one on first use and keeps it in its database."""
    country_code: str = "ID"
    """The subscriptions' filter: vital events of residents of this country."""
    resubscribe_seconds: float = 60.0
    """How long a subscription request may wait for the registry's `on-subscribe` before it is sent again."""
    poll_seconds: float = 5.0

    @property
    def registry_jwks_url(self) -> str | None:
        return self.jwks_url or (f"{self.url.rstrip('/')}/.well-known/jwks.json" if self.url else None)
