"""A tamper-evident event store: events are sealed into a hash chain, each link's hash covering the event
and the link before it, so a row changed, removed or slipped in by hand breaks the chain where it happened.

Sealing follows the relay's rule for a gap-free order (see relay.py): only events of transactions below the
snapshot's xmin, which have all finished, in (transaction, position) order; the watermark then moves to
that xmin, so no event can later appear behind a sealed one. A background loop of each service seals;
`siks audit verify` recomputes the chain and names the first broken link.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import asyncpg

log = logging.getLogger("siks.chain")

GENESIS = bytes(32)
SEAL_LIMIT = 10_000

_WINDOW = """
WITH w AS (SELECT coalesce((SELECT watermark FROM chain_state), 0) AS lo,
                  pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS hi)
SELECT w.hi, e.position, e.stream_id, e.version, e.event_id, e.type, e.topic, e.subject, e.data, e.metadata,
       e.recorded_at, e.txid
FROM w LEFT JOIN LATERAL (SELECT * FROM events WHERE txid >= w.lo AND txid < w.hi ORDER BY txid, position
                          LIMIT $1) e ON true
"""

_COLUMNS = "position, stream_id, version, event_id, type, topic, subject, data, metadata, recorded_at"


def digest(previous: bytes, row: Any) -> bytes:
    """The link of one event: SHA-256 over the previous link and every column of the event as stored."""
    body = json.dumps([row["position"], row["stream_id"], row["version"], row["event_id"], row["type"], row["topic"],
                       row["subject"], row["data"], row["metadata"], row["recorded_at"].isoformat()],
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(previous + body.encode()).digest()


async def seal(connection: asyncpg.Connection) -> int:
    """Seal the events of every finished transaction not sealed yet (up to SEAL_LIMIT); how many were sealed."""
    async with connection.transaction():
        if not await connection.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('siks.chain.' || current_schema()))"):
            return 0  # another process of this service is sealing
        rows = await connection.fetch(_WINDOW, SEAL_LIMIT + 1)
        hi, rows = rows[0]["hi"], [r for r in rows if r["position"] is not None]
        if len(rows) > SEAL_LIMIT:
            # Stop before the last transaction of the page: a transaction is sealed whole or not at all.
            last = rows[-1]["txid"]
            rows = [r for r in rows if r["txid"] != last] or await connection.fetch(
                f"SELECT {_COLUMNS}, txid FROM events WHERE txid = $1 ORDER BY position", last)
            hi = rows[-1]["txid"] + 1
        previous = await connection.fetchval("SELECT hash FROM event_chain ORDER BY seq DESC LIMIT 1") or GENESIS
        links = []
        for row in rows:
            previous = digest(previous, row)
            links.append((row["position"], previous))
        await connection.executemany("INSERT INTO event_chain (position, hash) VALUES ($1, $2)", links)
        await connection.execute("INSERT INTO chain_state (watermark) VALUES ($1) ON CONFLICT (one)"
                                 " DO UPDATE SET watermark = excluded.watermark WHERE chain_state.watermark < $1", hi)
        return len(links)


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain breaks: the sealed link (seq) and the event it stands for, and what is wrong."""

    seq: int | None
    position: int
    stream_id: str | None
    version: int | None
    reason: str


async def verify(connection: asyncpg.Connection, *, chunk: int = 5_000) -> tuple[int, BrokenLink | None]:
    """Recompute the chain from the stored events: (links checked, the first broken link or None)."""
    previous, last_seq, checked = GENESIS, 0, 0
    while True:
        rows = await connection.fetch(
            f"SELECT c.seq, c.position AS sealed_position, c.hash, {', '.join('e.' + c for c in _COLUMNS.split(', '))}"
            " FROM event_chain c LEFT JOIN events e USING (position) WHERE c.seq > $1 ORDER BY c.seq LIMIT $2",
            last_seq, chunk)
        for row in rows:
            if row["position"] is None:
                return checked, BrokenLink(row["seq"], row["sealed_position"], None, None, "the sealed event is gone")
            previous = digest(previous, row)
            if previous != row["hash"]:
                return checked, BrokenLink(row["seq"], row["position"], row["stream_id"], row["version"],
                                           "the event differs from what was sealed")
            checked += 1
        if len(rows) < chunk:
            break
        last_seq = rows[-1]["seq"]
    slipped_in = await connection.fetchrow(
        "SELECT e.position, e.stream_id, e.version FROM events e WHERE e.txid < (SELECT watermark FROM chain_state)"
        " AND NOT EXISTS (SELECT 1 FROM event_chain c WHERE c.position = e.position) ORDER BY e.position LIMIT 1")
    if slipped_in is not None:
        return checked, BrokenLink(None, slipped_in["position"], slipped_in["stream_id"], slipped_in["version"],
                                   "an event behind the sealed chain was never sealed (added afterwards)")
    return checked, None


async def run_sealer(pool: asyncpg.Pool, interval: float = 2.0) -> None:
    """Seal new events every `interval` seconds (sooner while there is a backlog), until cancelled."""
    while True:
        try:
            async with pool.acquire() as connection:
                sealed = await seal(connection)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("sealing failed; trying again", extra={"error": repr(exc)})
            sealed = 0
        await asyncio.sleep(0 if sealed >= SEAL_LIMIT else interval)
