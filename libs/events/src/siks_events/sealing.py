"""Secrets we must keep but never store in plain text (subscribers' signing keys, ...): sealed with AES-256-GCM
under a key from the settings (`SIKS_SECRETS_KEYS`).

A sealed value names the key that sealed it, so keys can be rotated: the first key listed seals, every key
listed opens. Each value is bound to its place (`context`, e.g. the row it belongs to), so a sealed value
copied to another row does not open there.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "sealed:v1:"
SERVICE_SECRETS = "service_secrets"
"""A service's table of secrets it makes for itself once (`name`, sealed `value`)."""
NONCE_BYTES = 12


class SecretsKeyMissing(ValueError):
    """No key to seal or open stored secrets with is configured."""


class CannotOpen(ValueError):
    """A sealed value that none of our keys opens for this context: altered, moved, or sealed under a lost key."""


def generate_key() -> str:
    """A fresh key in the form `SIKS_SECRETS_KEYS` takes (URL-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"siks-secrets-key:" + key).hexdigest()[:8]


class SecretSealer:
    """Seals and opens short secrets; the first key seals, all of them open."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise SecretsKeyMissing("no secrets key given")
        if any(len(key) != 32 for key in keys):
            raise ValueError("each secrets key is 32 bytes, written as URL-safe base64")
        self._keys = {_key_id(key): AESGCM(key) for key in keys}
        self._sealing = _key_id(keys[0])

    @classmethod
    def from_text(cls, text: str) -> SecretSealer:
        """Keys as `SIKS_SECRETS_KEYS` writes them: comma-separated, the sealing one first."""
        return cls([base64.urlsafe_b64decode(part.strip()) for part in text.split(",") if part.strip()])

    @classmethod
    def from_settings(cls, settings) -> SecretSealer:
        if settings.secrets_keys is None or not settings.secrets_keys.get_secret_value().strip():
            raise SecretsKeyMissing("SIKS_SECRETS_KEYS is not set: stored secrets are sealed with it"
                                    " (make one with `python -c 'import siks_events.sealing as s; print(s.generate_key())'`)")
        return cls.from_text(settings.secrets_keys.get_secret_value())

    def seal(self, secret: str, *, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self._sealing].encrypt(nonce, secret.encode(), context.encode())
        return f"{PREFIX}{self._sealing}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, value: str, *, context: str) -> str:
        if not is_sealed(value):
            raise CannotOpen("not a sealed value")
        key_id, _, body = value[len(PREFIX):].partition(":")
        key = self._keys.get(key_id)
        if key is None:
            raise CannotOpen(f"sealed under key {key_id}, which is not among SIKS_SECRETS_KEYS")
        raw = base64.urlsafe_b64decode(body)
        try:
            return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except InvalidTag:
            raise CannotOpen(f"does not open for {context}: altered, or sealed for another place") from None


def service_secret_context(name: str) -> str:
    return f"{SERVICE_SECRETS}:{name}"


async def kept_secret(pool: asyncpg.Pool, sealer: SecretSealer, name: str, make: Callable[[], str]) -> str:
    """The service's secret `name` from its `service_secrets` table, made with `make` and stored sealed the first
    time (replicas racing to make it keep the first one stored)."""
    context = service_secret_context(name)
    await pool.execute(f"INSERT INTO {SERVICE_SECRETS} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                       name, sealer.seal(make(), context=context))
    return sealer.open(await pool.fetchval(f"SELECT value FROM {SERVICE_SECRETS} WHERE name = $1", name),
                       context=context)
