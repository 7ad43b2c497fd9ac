"""Dead letters as an outbox: written in the batch transaction that moves the position past the
record, then sent to `<topic>.dlq` by their own loop.

So the record and the position move cannot diverge (a crash leaves both or neither), a dead letter
is recorded once however often its record is redelivered (unique per consumer, partition, offset and
fingerprint), and a dead-letter topic that cannot be reached delays only the copies on that topic,
never a healthy partition. Kafka has no transactions here, so a crash between a send and its
`sent_at` sends that copy again: each copy carries `dlq_id` for readers to deduplicate.

`record_headers` holds the original Kafka headers as `siks_events.dead_letters` encodes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import asyncpg
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from siks_events import kafka
from siks_events.consumer.failures import DATABASE_UNAVAILABLE
from siks_events.dead_letters import decode_headers, encode_headers

log = logging.getLogger("siks.consumer")


@dataclass(frozen=True)
class DeadLetter:
    """A record the consumer will never apply, and why."""

    record: ConsumerRecord
    reason_code: str
    reason: str
    event_id: str | None = None


async def record(connection: asyncpg.Connection, consumer: str, letters: list[DeadLetter]) -> None:
    """Write the dead letters in the caller's transaction (the one that moves the position past them)."""
    if not letters:
        return
    await connection.executemany(
        'INSERT INTO dead_letters (consumer, topic, partition, "offset", reason, reason_code, event_id,'
        " record_key, record_value, record_headers, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ' ON CONFLICT (consumer, topic, partition, "offset", fingerprint) DO NOTHING',
        [
            (consumer, d.record.topic, d.record.partition, d.record.offset, d.reason, d.reason_code, d.event_id,
             d.record.key, d.record.value, encode_headers(d.record.headers),
             kafka.fingerprint(d.record.key, d.record.value, d.record.headers))
            for d in letters
        ],
    )


class DeadLetterSender:
    """Copies recorded dead letters of one consumer to their `<topic>.dlq`, oldest first."""

    def __init__(self, pool: asyncpg.Pool, consumer: str, bootstrap_servers: str, *, batch: int = 200) -> None:
        self.pool = pool
        self.consumer = consumer
        self.bootstrap_servers = bootstrap_servers
        self.batch = batch
        self.sent = 0
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, *, idle: float = 5.0, max_backoff: float = 10.0) -> None:
        backoff = 0.5
        producer = None
        try:
            while True:
                kafka.stop_if_cancelled()  # a send that caught the stop request must not keep it looping
                try:
                    if producer is None:
                        producer = kafka.new_producer(self.bootstrap_servers)
                        await producer.start()
                    more = await self.send_some(producer)
                    backoff = 0.5
                except DATABASE_UNAVAILABLE as exc:
                    log.warning("database unavailable; dead letters wait", extra={"consumer": self.consumer,
                                                                                  "error": repr(exc)})
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, max_backoff)
                    continue
                except (KafkaError, TimeoutError) as exc:
                    log.warning("dead-letter topic unreachable, retrying", extra={"consumer": self.consumer,
                                                                                    "error": repr(exc)})
                    await _stop(producer)
                    producer = None
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, max_backoff)
                    continue
                if not more:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), idle)
        finally:
            await _stop(producer)

    async def send_some(self, producer) -> bool:
        """Send the oldest unsent dead letters; True when there may be more."""
        rows = await self.pool.fetch(
            'SELECT id, topic, partition, "offset", reason, reason_code, record_key, record_value, record_headers'
            " FROM dead_letters WHERE consumer = $1 AND sent_at IS NULL ORDER BY id LIMIT $2",
            self.consumer, self.batch,
        )
        futures = []
        for row in rows:
            headers = decode_headers(row["record_headers"]) + [
                ("dlq_id", str(row["id"]).encode()),
                ("dlq_reason", row["reason"].encode()),
                ("dlq_reason_code", row["reason_code"].encode()),
                ("dlq_consumer", self.consumer.encode()),
                ("dlq_topic", row["topic"].encode()),
                ("dlq_partition", str(row["partition"]).encode()),
                ("dlq_offset", str(row["offset"]).encode()),
            ]
            futures.append(await producer.send(kafka.dlq_topic(row["topic"]), row["record_value"],
                                               key=row["record_key"], headers=headers))
        await asyncio.wait_for(asyncio.gather(*futures), 30)
        if rows:
            await self.pool.execute("UPDATE dead_letters SET sent_at = now() WHERE id = ANY($1::bigint[])",
                                    [r["id"] for r in rows])
            self.sent += len(rows)
        return len(rows) == self.batch


async def _stop(producer) -> None:
    if producer is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(producer.stop(), 10)
