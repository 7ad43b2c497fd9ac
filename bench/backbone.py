"""Benchmark of the backbone, side by side with the raw libraries doing the same work.

    .venv/bin/python bench/backbone.py [--events 20000] [--writers 8]

Starts its own PostgreSQL and Tansu (like the tests) unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS
are set, then prints one table:
- appends: our event store (version check, atomic multi-event append, txid column) vs plain
  asyncpg INSERTs of the same rows, each with `writers` concurrent connections, one event per
  transaction;
- publishing: the outbox relay draining the store to Kafka vs a raw aiokafka producer sending the
  same records;
- consuming: the idempotent consumer (a batch's effect rows, inbox rows and position in one
  transaction), once with a handler per event and once with a batch handler (one executemany per
  batch), vs a raw aiokafka consumer writing the same rows with asyncpg in batches of the same size.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import embedded  # bench/ is the script's folder
from aiokafka import AIOKafkaConsumer
from siks_events import kafka
from siks_events.consumer import BatchHandler, IdempotentConsumer
from siks_events.database import asyncpg_dsn, create_pool
from siks_events.model import Cause, PendingEvent
from siks_events.relay import OutboxRelay
from siks_events.schema import create_all
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded


async def appends_ours(pool, events: int, writers: int) -> float:
    per_writer = events // writers

    async def writer(w: int) -> None:
        async with pool.acquire() as connection:
            store = PostgresEventStore(connection)
            for i in range(per_writer):
                async with connection.transaction():
                    await store.append(f"bench-{w}", i, [PendingEvent(event=SampleRecorded(n=i))], Cause())

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return time.perf_counter() - started


async def appends_raw(pool, events: int, writers: int) -> float:
    await pool.execute("CREATE TABLE raw_events (position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                       " stream_id text, version int, event_id text, type text, data jsonb)")
    per_writer = events // writers

    async def writer(w: int) -> None:
        async with pool.acquire() as connection:
            for i in range(per_writer):
                async with connection.transaction():
                    await connection.execute(
                        "INSERT INTO raw_events (stream_id, version, event_id, type, data) VALUES ($1,$2,$3,$4,$5)",
                        f"raw-{w}", i + 1, str(uuid.uuid4()), SampleRecorded.type, {"n": i, "note": ""})

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return time.perf_counter() - started


def appends_eventsourcing(database_url: str, schema: str, events: int, writers: int) -> float | None:
    """The `eventsourcing` library's PostgreSQL application recorder (gap-free notification ids) doing
    the same appends from `writers` threads; None when the library is not installed."""
    try:
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
    except ImportError:
        return None
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    url = urlsplit(asyncpg_dsn(database_url))
    datastore = PostgresDatastore(url.path.lstrip("/"), url.hostname, url.port or 5432, url.username or "postgres",
                                  url.password or "", pool_size=writers, schema=schema)
    recorder = PostgresApplicationRecorder(datastore, events_table_name="es_events")
    recorder.create_table()
    per_writer = events // writers

    def writer(w: int) -> None:
        originator = uuid.uuid4()
        for i in range(per_writer):
            state = json.dumps({"n": i, "note": ""}).encode()
            recorder.insert_events([StoredEvent(originator, i + 1, SampleRecorded.type, state)])

    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(writer, range(writers)))
    elapsed = time.perf_counter() - started
    datastore.close()
    return elapsed


async def publish_ours(pool, bootstrap: str, prefix: str, events: int) -> float:
    relay = OutboxRelay(pool, bootstrap_servers=bootstrap, source="/bench", topic_prefix=prefix, partitions=6,
                        name=prefix + "relay")
    await kafka.ensure_topics(bootstrap, [prefix + SampleRecorded.topic], partitions=6)
    await relay.take_lead()
    started = time.perf_counter()
    while relay.state.published < events:
        await relay.drain()  # what the running relay does: reads ahead while earlier batches are in flight
    elapsed = time.perf_counter() - started
    await relay.step_down()
    return elapsed


async def publish_raw(pool, bootstrap: str, prefix: str, events: int) -> float:
    rows = await pool.fetch("SELECT stream_id, event_id, data FROM raw_events ORDER BY position")
    topic = prefix + "raw.events"
    await kafka.ensure_topics(bootstrap, [topic], partitions=6)
    producer = kafka.new_producer(bootstrap)
    await producer.start()
    started = time.perf_counter()
    futures = [await producer.send(topic, json.dumps(r["data"]).encode(), key=r["stream_id"].encode(),
                                   headers=[("ce_id", r["event_id"].encode())]) for r in rows]
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await producer.stop()
    return elapsed


BATCH = 500


class BatchedRows(BatchHandler):
    """The same effect rows, written with one executemany per batch (the consumer's BatchHandler protocol)."""

    async def apply(self, events, connection) -> None:
        await connection.executemany("INSERT INTO effects_batched (event_id, n) VALUES ($1, $2)",
                                     [(envelope.id, event.n) for event, envelope in events])


async def consume_ours(pool, bootstrap: str, prefix: str, events: int, *, batched: bool = False) -> float:
    table = "effects_batched" if batched else "effects"
    await pool.execute(f"CREATE TABLE IF NOT EXISTS {table} (event_id text NOT NULL, n int NOT NULL)")

    async def one_row(event, envelope, uow) -> None:
        async def write(u) -> None:
            await u.connection.execute("INSERT INTO effects (event_id, n) VALUES ($1, $2)", envelope.id, event.n)

        async with uow:
            uow.after_events(write)
            await uow.commit()

    consumer = IdempotentConsumer(name="bench-batched" if batched else "bench", pool=pool, bootstrap_servers=bootstrap,
                                  topics=[SampleRecorded.topic], handler=BatchedRows() if batched else one_row,
                                  topic_prefix=prefix, batch_size=BATCH)
    task = asyncio.create_task(consumer.run())
    # Timed from the first applied batch on, like the raw consumer: joining the group is not the work.
    while consumer.applied == 0:
        await asyncio.sleep(0.01)
        if task.done():
            task.result()
    started, first = time.perf_counter(), consumer.applied
    while consumer.applied < events:
        await asyncio.sleep(0.01)
        if task.done():
            task.result()  # raises what stopped the consumer
        if os.environ.get("BENCH_DEBUG"):
            print(consumer.positions, consumer.dead_lettered, consumer.duplicates, flush=True)
    elapsed = time.perf_counter() - started
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return elapsed * events / max(events - first, 1)


async def consume_raw(pool, bootstrap: str, prefix: str, events: int) -> float:
    """aiokafka and asyncpg doing the same work by hand: per partition batch one transaction that checks
    and writes the inbox rows, writes the effect rows and the position."""
    await pool.execute("CREATE TABLE raw_effects (event_id text NOT NULL, n int NOT NULL)")
    await pool.execute("CREATE TABLE raw_inbox (event_id text PRIMARY KEY)")
    await pool.execute("CREATE TABLE raw_positions (partition int PRIMARY KEY, next_offset bigint)")
    consumer = AIOKafkaConsumer(prefix + "raw.events", bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=prefix + "raw", enable_auto_commit=False)
    await consumer.start()
    started = first = None
    seen = 0

    async def apply(tp, records) -> None:
        ids = [dict(r.headers)["ce_id"].decode() for r in records]
        async with pool.acquire() as connection, connection.transaction():
            done = {r[0] for r in await connection.fetch("SELECT event_id FROM raw_inbox WHERE event_id = ANY($1)", ids)}
            fresh = [(i, json.loads(r.value)["n"]) for i, r in zip(ids, records, strict=True) if i not in done]
            await connection.executemany("INSERT INTO raw_effects (event_id, n) VALUES ($1, $2)", fresh)
            await connection.execute("INSERT INTO raw_inbox SELECT unnest($1::text[])", [i for i, _ in fresh])
            await connection.execute("INSERT INTO raw_positions VALUES ($1, $2) ON CONFLICT (partition)"
                                     " DO UPDATE SET next_offset = excluded.next_offset",
                                     tp.partition, records[-1].offset + 1)

    while seen < events:
        batches = await consumer.getmany(timeout_ms=500, max_records=BATCH * 4)
        await asyncio.gather(*(apply(tp, records[i:i + BATCH]) for tp, records in batches.items()
                               for i in range(0, len(records), BATCH)))
        seen += sum(len(r) for r in batches.values())
        if started is None and seen:
            started, first = time.perf_counter(), seen
    elapsed = time.perf_counter() - started
    await consumer.stop()
    return elapsed * events / max(events - first, 1)


async def main(events: int, writers: int) -> None:
    stack = contextlib.ExitStack()
    workdir = Path(tempfile.mkdtemp(prefix="siks-bench-"))
    database_url, bootstrap = embedded.database(stack, workdir), embedded.broker(stack)
    schema, prefix = f"bench_{uuid.uuid4().hex[:8]}", f"bench{uuid.uuid4().hex[:6]}."
    with stack:
        pool = await create_pool(database_url, schema, max_size=writers + 4)
        try:
            async with pool.acquire() as connection:
                await create_all(connection)
            library = await asyncio.to_thread(appends_eventsourcing, database_url, schema, events, writers)
            rows = [
                ("append, one event per transaction", await appends_ours(pool, events, writers),
                 await appends_raw(pool, events, writers)),
                ("publish to Kafka", await publish_ours(pool, bootstrap, prefix, events),
                 await publish_raw(pool, bootstrap, prefix, events)),
            ]
            raw_consumer = await consume_raw(pool, bootstrap, prefix, events)
            rows += [("consume, a handler per event", await consume_ours(pool, bootstrap, prefix, events), raw_consumer),
                     ("consume, a batch handler", await consume_ours(pool, bootstrap, prefix, events, batched=True),
                      raw_consumer)]
        finally:
            await pool.close()
            connection = await asyncpg.connect(asyncpg_dsn(database_url))
            await connection.execute(f"DROP SCHEMA {schema} CASCADE")
            await connection.close()
    print(f"\n{events} events, {writers} concurrent writers (events/s; higher is better)\n")
    print(f"{'work':<36}{'SIKS-NG':>12}{'raw library':>14}{'ratio':>8}")
    for name, ours, raw in rows:
        print(f"{name:<36}{events / ours:>12,.0f}{events / raw:>14,.0f}{raw / ours:>8.2f}")
    if library is not None:
        print(f"{'append, eventsourcing library':<36}{'':>12}{events / library:>14,.0f}{library / rows[0][1]:>8.2f}"
              "   (its PostgresApplicationRecorder, same writers; ratio = ours / it)")
    else:
        print("(pip install 'eventsourcing[postgres]' for the eventsourcing library's row)")
    print("\nSIKS-NG: event store with version check / outbox relay (gap-free windows) / idempotent consumer"
          f" (batches of {BATCH}: effect rows, inbox rows and position in one transaction).")
    print("raw: plain INSERT / aiokafka producer / aiokafka consumer writing the same rows with asyncpg in batches"
          f" of {BATCH}.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.writers))
