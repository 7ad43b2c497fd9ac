"""Our DCI signing key (made once, kept sealed in the service's secrets) and the partners' published keys."""

from __future__ import annotations

import time

import asyncpg
import httpx
from siks_events.dci import Jwks, SigningKey
from siks_events.sealing import SecretSealer, is_sealed, kept_secret, service_secret_context

SIGNING_KEY_SECRET = "dci-signing-key"
PARTNER_KEYS_TTL_SECONDS = 300.0


async def signing_key(pool: asyncpg.Pool, sealer: SecretSealer, sender_id: str) -> SigningKey:
    """The registry's ed25519 key: created on first use and kept, so the published JWKS stays the same."""
    stored = await pool.fetchval("SELECT value FROM service_secrets WHERE name = $1", SIGNING_KEY_SECRET)
    if stored is not None and not is_sealed(stored):  # kept in plain text before secrets were sealed
        await pool.execute("UPDATE service_secrets SET value = $2 WHERE name = $1 AND value = $3", SIGNING_KEY_SECRET,
                           sealer.seal(stored, context=service_secret_context(SIGNING_KEY_SECRET)), stored)
    pem = await kept_secret(pool, sealer, SIGNING_KEY_SECRET, lambda: SigningKey.generate(sender_id).to_pem().decode())
    return SigningKey.from_pem(sender_id, pem.encode())


class PartnerKeys:
    """A partner's JWKS: the document registered at onboarding, or fetched from its URL and kept five minutes."""

    def __init__(self) -> None:
        self._fetched: dict[str, tuple[float, Jwks]] = {}

    async def of(self, partner: dict) -> Jwks | None:
        if partner.get("jwks"):
            return Jwks.from_json(partner["jwks"])
        url = partner.get("jwks_url")
        if not url:
            return None
        kept = self._fetched.get(url)
        if kept and time.monotonic() - kept[0] < PARTNER_KEYS_TTL_SECONDS:
            return kept[1]
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(url)
                response.raise_for_status()
                jwks = Jwks.from_json(response.json())
        except (httpx.HTTPError, ValueError):
            return kept[1] if kept else None
        self._fetched[url] = (time.monotonic(), jwks)
        return jwks
