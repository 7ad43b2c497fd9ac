"""Dead letters as an operator sees them: list, read and replay the rows of a service's `dead_letters`.

A consumer writes a dead letter, in the transaction that moves its position past the record, with
the record's original bytes: `record_key` and `record_value` (bytea, NULL for a null key or value)
and `record_headers`, whose encoding this module defines for every writer and reader:

    a JSON array of `[name, value]` pairs in the record's order (Kafka lets a name repeat, so not an
    object), `name` the header name as text, `value` the header bytes in standard base64 with padding
    (RFC 4648 section 4), or JSON null for a header without a value.

    [["ce_id", "ZGstZXZ0LTE="], ["ce_type", "Z28uaWQuZHVrY2FwaWwuZGVhdGgtcmVjb3JkZWQudjE="]]

Replay produces those bytes again to the record's original topic (`topic` holds the full name,
environment prefix included), minus the `dlq_*` headers the dead-letter path adds, plus
`siks_replay_of=<dead letter id>`, then stamps `replayed_at`. The consumer never wrote an inbox row
for a dead-lettered event, so the replayed copy is applied like a new one. What is shown is masked:
a NIK never leaves this module in clear.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import asyncpg

from siks_events import kafka
from siks_events.model import Conflict, NotFound, RuleViolated
from siks_events.telemetry import mask_niks

DLQ_HEADER_PREFIX = "dlq_"
REPLAY_HEADER = "siks_replay_of"
SEND_TIMEOUT = 30.0

Headers = list[tuple[str, bytes | None]]


class DeadLetterNotFound(NotFound):
    """No dead letter with this id in the service's schema."""

    code = "dead-letter-not-found"
    field = "id"


class DeadLetterAlreadyReplayed(Conflict):
    """The dead letter was replayed before; replaying it again needs force."""

    code = "dead-letter-already-replayed"


class DeadLetterOutsideEnvironment(RuleViolated):
    """The dead letter's topic does not carry this environment's topic prefix."""

    code = "dead-letter-outside-environment"


def encode_headers(headers: Headers | None) -> list[list[str | None]]:
    """Kafka headers as stored in `record_headers` (see the module docstring)."""
    return [[name, None if value is None else base64.b64encode(value).decode("ascii")] for name, value in headers or ()]


def decode_headers(encoded: list | str | None) -> Headers:
    """`record_headers` back to Kafka headers; accepts the JSON text too (a pool without the jsonb codec)."""
    if isinstance(encoded, str):
        encoded = json.loads(encoded)
    return [(name, None if value is None else base64.b64decode(value)) for name, value in encoded or ()]


def readable(raw: bytes | None) -> str | None:
    """The bytes as text with NIKs masked, or None when they are not UTF-8."""
    if raw is None:
        return None
    try:
        return mask_niks(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class DeadLetter:
    """A record a consumer gave up on, with its reason and its original bytes."""

    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    reason_code: str
    reason: str
    event_id: str | None
    recorded_at: datetime
    sent_at: datetime | None
    replayed_at: datetime | None
    key: bytes | None
    value: bytes | None
    headers: Headers

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> DeadLetter:
        return cls(
            id=row["id"], consumer=row["consumer"], topic=row["topic"], partition=row["partition"],
            offset=row["offset"], reason_code=row["reason_code"], reason=row["reason"], event_id=row["event_id"],
            recorded_at=row["recorded_at"], sent_at=row["sent_at"], replayed_at=row["replayed_at"],
            key=row["record_key"], value=row["record_value"], headers=decode_headers(row["record_headers"]),
        )

    def replay_headers(self) -> Headers:
        kept = [(name, value) for name, value in self.headers if not name.startswith(DLQ_HEADER_PREFIX)]
        return [*kept, (REPLAY_HEADER, str(self.id).encode())]

    def summary(self) -> dict[str, Any]:
        """What a listing shows, masked and JSON-ready."""
        return {
            "id": self.id, "consumer": self.consumer, "topic": self.topic, "partition": self.partition,
            "offset": self.offset, "reason_code": self.reason_code, "reason": mask_niks(self.reason),
            "event_id": self.event_id and mask_niks(self.event_id), "recorded_at": _iso(self.recorded_at),
            "sent_at": _iso(self.sent_at), "replayed_at": _iso(self.replayed_at),
        }

    def details(self) -> dict[str, Any]:
        """Everything about the dead letter, the record's bytes as masked text where they are UTF-8."""
        return {
            **self.summary(),
            "key": readable(self.key),
            "value": readable(self.value),
            "value_bytes": None if self.value is None else len(self.value),
            "value_is_text": self.value is None or readable(self.value) is not None,
            "headers": [[name, _shown(value)] for name, value in self.headers],
        }


_COLUMNS = ('id, consumer, topic, partition, "offset", reason_code, reason, event_id, recorded_at, sent_at,'
            " replayed_at, record_key, record_value, record_headers")


async def list_dead_letters(
    pool: asyncpg.Pool, *, consumer: str | None = None, topic: str | None = None, reason_code: str | None = None,
    limit: int = 50,
) -> list[DeadLetter]:
    """The newest dead letters first, narrowed by whichever filters are given."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM dead_letters"
        " WHERE ($1::text IS NULL OR consumer = $1) AND ($2::text IS NULL OR topic = $2)"
        " AND ($3::text IS NULL OR reason_code = $3) ORDER BY id DESC LIMIT $4",
        consumer, topic, reason_code, limit,
    )
    return [DeadLetter.from_row(row) for row in rows]


async def get_dead_letter(pool: asyncpg.Pool, id: int) -> DeadLetter:
    """The dead letter with this id; raises DeadLetterNotFound."""
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM dead_letters WHERE id = $1", id)
    if row is None:
        raise DeadLetterNotFound(f"no dead letter {id}")
    return DeadLetter.from_row(row)


async def replay(
    pool: asyncpg.Pool, bootstrap_servers: str, id: int, *, topic_prefix: str, force: bool = False
) -> DeadLetter:
    """Produce the dead letter's record to its original topic again and stamp `replayed_at`.

    The row stays locked while the record is sent, so two operators cannot both replay it; a crash
    after the send and before the commit leaves it unstamped (replayed at least once, never lost)."""
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(f"SELECT {_COLUMNS} FROM dead_letters WHERE id = $1 FOR UPDATE", id)
        if row is None:
            raise DeadLetterNotFound(f"no dead letter {id}")
        letter = DeadLetter.from_row(row)
        if letter.replayed_at is not None and not force:
            raise DeadLetterAlreadyReplayed(f"dead letter {id} was replayed at {_iso(letter.replayed_at)}")
        if not letter.topic.startswith(topic_prefix):
            # a database copied from another environment must not feed that environment's topics
            raise DeadLetterOutsideEnvironment(f"topic {letter.topic} does not start with {topic_prefix!r}")
        await _send(bootstrap_servers, letter)
        replayed_at = await connection.fetchval(
            "UPDATE dead_letters SET replayed_at = now() WHERE id = $1 RETURNING replayed_at", id)
    return replace(letter, replayed_at=replayed_at)


async def _send(bootstrap_servers: str, letter: DeadLetter) -> None:
    producer = kafka.new_producer(bootstrap_servers)
    try:
        await asyncio.wait_for(producer.start(), SEND_TIMEOUT)
        await asyncio.wait_for(
            # keyed like the original, so it lands on the partition its key always goes to
            producer.send_and_wait(letter.topic, letter.value, key=letter.key, headers=letter.replay_headers()),
            SEND_TIMEOUT,
        )
    finally:
        with contextlib.suppress(Exception):  # the record is sent or the error above says why not
            await asyncio.wait_for(producer.stop(), 5)


def _shown(value: bytes | None) -> str | None:
    text = readable(value)
    return f"({len(value)} bytes, not UTF-8)" if text is None and value is not None else text


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def unreplayed(pool: asyncpg.Pool) -> dict[tuple[str, str], int]:
    """Dead letters not replayed yet, per (source topic, reason code)."""
    rows = await pool.fetch("SELECT topic, reason_code, count(*) AS n FROM dead_letters WHERE replayed_at IS NULL"
                            " GROUP BY topic, reason_code")
    return {(r["topic"], r["reason_code"]): r["n"] for r in rows}
