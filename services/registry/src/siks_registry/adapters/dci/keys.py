"""Our DCI signing key (kept in the service's secrets, made once) and the partners' published keys."""

from __future__ import annotations

import time

import asyncpg
import httpx
from siks_events.dci import Jwks, SigningKey

SIGNING_KEY_SECRET = "dci-signing-key"
PARTNER_KEYS_TTL_SECONDS = 300.0


async def signing_key(pool: asyncpg.Pool, sender_id: str) -> SigningKey:
    """The registry's ed25519 key: created on first use and kept, so the published JWKS stays the same."""
    await pool.execute("INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                       SIGNING_KEY_SECRET, SigningKey.generate(sender_id).to_pem().decode())
    pem = await pool.fetchval("SELECT value FROM service_secrets WHERE name = $1", SIGNING_KEY_SECRET)
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
