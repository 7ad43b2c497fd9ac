"""Signed checkpoints of the event chain, one per region: what the chain said at a moment, signed with a key
from the settings (`SIKS_CHAIN_SIGNING_KEYS`, Ed25519).

A hash chain alone shows a row changed by hand, but someone who can write the database can also reseal the
whole chain. A checkpoint fixes, under a signature they cannot make, the chain's link at a sequence number
and the region's own running hash over its events' links up to there. Each checkpoint also covers the one
before it, so one removed from the middle breaks the next. `siks audit verify` checks every signature and
recomputes each region's hash and count, naming the first checkpoint that does not hold.

An event's region is the province (first two digits) of the `region_code` in its data, else of the region
of the actor who caused it, else `national`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from siks_events import chain

log = logging.getLogger("siks.chain")

NATIONAL = "national"
_REGION = f"""coalesce(nullif(left(coalesce(e.data->>'region_code', e.metadata->>'region', ''), 2), ''), '{NATIONAL}')"""
_LINKS = f"""SELECT c.seq, c.hash, {_REGION} AS region FROM event_chain c LEFT JOIN events e USING (position)
WHERE c.seq > $1 AND c.seq <= $2 ORDER BY c.seq LIMIT $3"""


class SigningKeyMissing(ValueError):
    """No key to sign or check checkpoints with is configured."""


def generate_key() -> str:
    """A fresh signing key in the form `SIKS_CHAIN_SIGNING_KEYS` takes (URL-safe base64 of an Ed25519 seed)."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.urlsafe_b64encode(raw).decode()


def _key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:8]


class CheckpointSigner:
    """Signs with the first key; checks with any of them (the others are earlier keys, kept after a rotation)."""

    def __init__(self, keys: list[Ed25519PrivateKey]) -> None:
        if not keys:
            raise SigningKeyMissing("no chain signing key given")
        self._signing = keys[0]
        self.key_id = _key_id(keys[0].public_key())
        self._public = {_key_id(key.public_key()): key.public_key() for key in keys}

    @classmethod
    def from_text(cls, text: str) -> CheckpointSigner:
        return cls([Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(part.strip()))
                    for part in text.split(",") if part.strip()])

    @classmethod
    def from_settings(cls, settings) -> CheckpointSigner | None:
        """The settings' signer, or None when no key is configured (no checkpoints are made then)."""
        keys = settings.chain_signing_keys
        return cls.from_text(keys.get_secret_value()) if keys and keys.get_secret_value().strip() else None

    def sign(self, payload: bytes) -> bytes:
        return self._signing.sign(payload)

    def signed_by_us(self, key_id: str, payload: bytes, signature: bytes) -> bool:
        public = self._public.get(key_id)
        if public is None:
            return False
        try:
            public.verify(signature, payload)
        except InvalidSignature:
            return False
        return True


def payload(region: str, up_to_seq: int, chain_hash: bytes, region_hash: bytes, events: int, previous: bytes,
            signed_at: datetime, key_id: str) -> bytes:
    """What a checkpoint's signature covers, in one canonical form."""
    return json.dumps([region, up_to_seq, chain_hash.hex(), region_hash.hex(), events, previous.hex(),
                       signed_at.isoformat(), key_id], separators=(",", ":")).encode()


def _link(running: bytes, link_hash: bytes) -> bytes:
    return hashlib.sha256(running + link_hash).digest()


async def _regions_since(connection: asyncpg.Connection, after: int, up_to: int, states: dict[str, tuple[bytes, int]],
                         *, chunk: int = 5_000) -> set[str]:
    """Extend each region's (running hash, events) over the links after `after` up to `up_to`; the regions touched."""
    touched: set[str] = set()
    while after < up_to:
        rows = await connection.fetch(_LINKS, after, up_to, chunk)
        if not rows:
            break
        for row in rows:
            running, events = states.get(row["region"], (chain.GENESIS, 0))
            states[row["region"]] = (_link(running, row["hash"]), events + 1)
            touched.add(row["region"])
        after = rows[-1]["seq"]
    return touched


async def checkpoint(connection: asyncpg.Connection, signer: CheckpointSigner) -> int:
    """Sign a checkpoint for every region with events sealed since the last ones; how many were signed."""
    async with connection.transaction():
        if not await connection.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('siks.chain.' || current_schema()))"):
            return 0  # the sealer (or another process's checkpointer) holds the chain
        head = await connection.fetchrow("SELECT seq, hash FROM event_chain ORDER BY seq DESC LIMIT 1")
        last = await connection.fetchrow("SELECT up_to_seq, signature FROM chain_checkpoints ORDER BY seq DESC LIMIT 1")
        done = last["up_to_seq"] if last else 0
        if head is None or head["seq"] <= done:
            return 0
        states = {r["region"]: (r["region_hash"], r["events"]) for r in await connection.fetch(
            "SELECT DISTINCT ON (region) region, region_hash, events FROM chain_checkpoints ORDER BY region, seq DESC")}
        touched = await _regions_since(connection, done, head["seq"], states)
        previous = hashlib.sha256(last["signature"]).digest() if last else chain.GENESIS
        signed_at = datetime.now(UTC)
        for region in sorted(touched):
            region_hash, events = states[region]
            signature = signer.sign(payload(region, head["seq"], head["hash"], region_hash, events, previous, signed_at,
                                            signer.key_id))
            await connection.execute(
                "INSERT INTO chain_checkpoints (region, up_to_seq, chain_hash, region_hash, events, previous, signed_at,"
                " key_id, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                region, head["seq"], head["hash"], region_hash, events, previous, signed_at, signer.key_id, signature)
            previous = hashlib.sha256(signature).digest()
        return len(touched)


@dataclass(frozen=True)
class BrokenCheckpoint:
    """A checkpoint that does not hold: its number, region and the link it covers up to, and what is wrong."""

    seq: int
    region: str
    up_to_seq: int
    reason: str


async def verify(connection: asyncpg.Connection, signer: CheckpointSigner) -> tuple[int, BrokenCheckpoint | None]:
    """Check every checkpoint in order: (checkpoints that hold, the first that does not or None).

    Run it after `chain.verify`: the links it reads are trusted to be the recomputed ones."""
    states: dict[str, tuple[bytes, int]] = {}
    previous, reached, held = chain.GENESIS, 0, 0
    for cp in await connection.fetch("SELECT * FROM chain_checkpoints ORDER BY seq"):
        reason = await _fault(connection, signer, cp, previous, reached, states)
        if reason is not None:
            return held, BrokenCheckpoint(cp["seq"], cp["region"], cp["up_to_seq"], reason)
        previous, reached, held = hashlib.sha256(cp["signature"]).digest(), cp["up_to_seq"], held + 1
    return held, None


async def _fault(connection: asyncpg.Connection, signer: CheckpointSigner, cp: asyncpg.Record, previous: bytes,
                 reached: int, states: dict[str, tuple[bytes, int]]) -> str | None:
    """What is wrong with one checkpoint, given the one before it; advances the regions' states to it."""
    signed = payload(cp["region"], cp["up_to_seq"], cp["chain_hash"], cp["region_hash"], cp["events"], cp["previous"],
                     cp["signed_at"], cp["key_id"])
    if not signer.signed_by_us(cp["key_id"], signed, cp["signature"]):
        return "its signature is not ours: the checkpoint was forged or altered"
    if cp["previous"] != previous:
        return "the checkpoint signed before it is missing or altered"
    if cp["up_to_seq"] < reached:
        return "it goes back behind the checkpoint before it"
    link = await connection.fetchval("SELECT hash FROM event_chain WHERE seq = $1", cp["up_to_seq"])
    if link != cp["chain_hash"]:
        return f"the chain's link {cp['up_to_seq']} is not the one signed: the chain was sealed anew"
    await _regions_since(connection, reached, cp["up_to_seq"], states)
    if states.get(cp["region"], (chain.GENESIS, 0)) != (cp["region_hash"], cp["events"]):
        return f"the events of region {cp['region']} are not those signed"
    return None


async def run_checkpointer(pool: asyncpg.Pool, signer: CheckpointSigner, every: float) -> None:
    """Sign checkpoints every `every` seconds, until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            async with pool.acquire() as connection:
                await checkpoint(connection, signer)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("checkpointing failed; trying again", extra={"error": repr(exc)})
