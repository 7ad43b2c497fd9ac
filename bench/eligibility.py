"""Benchmark of the eligibility projection: a rebuild from zero vs a raw consumer, then deaths at a steady rate.

    .venv/bin/python bench/eligibility.py [--households 20000] [--regencies 3571] [--rate 200] [--seconds 7.5]

Starts its own PostgreSQL and Tansu (like backbone.py) unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS are set.
The registry's generator writes the data-island files, `import_households` imports them into a registry schema
(as bench/registry_import.py does), and its stored events are published on the registry's topic as its relay
publishes them (CloudEvents keyed by household stream, `--partitions` partitions). Rows:
- rebuild: `siks_eligibility.worker.rebuild` from zero, end to end (replay, fold/rank/decide every household,
  first switch with its slot grants), vs a raw aiokafka consumer reading the same topic and doing nothing, and a
  faust agent set up as the projection's, doing nothing (the stream's own cost);
- deaths: with the worker keeping the served version (`worker.run`), `MemberDeceased` events of persons eligible
  for PBI JK, each the next version of its household's stream as the registry appends it, published open loop at
  `--rate` per second; delay from each publish to the person's PBI JK decision no longer eligible, read at each
  commit that appends eligibility events (a death of a PBI JK beneficiary always ends a slot).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import embedded  # bench/ is the script's folder
from aiokafka import AIOKafkaConsumer
from registry_import import import_ours, migrated_pool
from siks_eligibility import worker
from siks_eligibility.adapters.postgres import versions
from siks_eligibility.adapters.stream import faust_app
from siks_eligibility.lifecycle import Lifecycle
from siks_events import kafka, migrations
from siks_events.catalog.registry import TOPIC, MemberDeceased
from siks_events.database import asyncpg_dsn, create_pool
from siks_events.store import PostgresEventStore, RecordedEvent
from siks_registry.adapters.bulk.generator import MANIFEST_FILE
from siks_registry.adapters.bulk.merge import merge_streamed, parts_for

ELIGIBILITY_MIGRATIONS = Path(__file__).parents[1] / "services/eligibility/src/siks_eligibility/migrations"
SOURCE = "/siks-ng/registry"
POLL = 0.2


def generate_files(out_dir: Path, households: int, regency: str, seed: int) -> list[Path]:
    subprocess.run([sys.executable, "-c", "from siks_registry.cli import app; app()", "generate", str(out_dir),
                    "--households", str(households), "--regency", regency, "--seed", str(seed)],
                   check=True, stdout=subprocess.DEVNULL)
    manifest = json.loads((out_dir / MANIFEST_FILE).read_text())
    # the merge cites files by name, so each regency's files get names of their own
    return [(out_dir / f["file"]).rename(out_dir / f"{regency}-{f['file']}") for f in manifest["files"]]


async def registry_events(database_url: str, households: int, regencies: list[str],
                          workdir: Path) -> tuple[list[RecordedEvent], int]:
    """The registry's events after importing the generated households (one generator run per regency), and the
    persons imported."""
    files: list[Path] = []
    for index, regency in enumerate(regencies):
        files += generate_files(workdir / f"islands-{regency}", households // len(regencies), regency, 7 + index)
    merged = merge_streamed(files, spill_folder=workdir, parts=parts_for(files))
    schema = f"bench_registry_{uuid.uuid4().hex[:6]}"
    pool = await migrated_pool(database_url, schema)
    try:
        await import_ours(pool, merged.households(), 1000)
        persons = await pool.fetchval("SELECT count(*) FROM persons")
        found: list[RecordedEvent] = []
        async with pool.acquire() as connection:
            store = PostgresEventStore(connection)
            while batch := await store.read_all(after_position=found[-1].position if found else 0, limit=10_000):
                found += batch
    finally:
        await pool.close()
        await drop_schema(database_url, schema)
    return found, persons


async def publish(bootstrap: str, topic: str, events: list[RecordedEvent]) -> None:
    producer = kafka.new_producer(bootstrap)
    await producer.start()
    try:
        for event in events:
            key, value, headers = event.envelope(SOURCE).to_kafka()
            await producer.send(topic, key=key, value=value, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


async def consume_raw(bootstrap: str, topic: str, events: int) -> tuple[float, float]:
    """Seconds an aiokafka consumer in a group takes to read `events` records of the topic and do nothing with them:
    from its first batch (scaled to all the events), and from its start (joining the group included)."""
    began = time.perf_counter()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"raw-{uuid.uuid4().hex[:6]}", enable_auto_commit=False)
    await consumer.start()
    started = first = None
    seen = 0
    try:
        while seen < events:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            seen += sum(len(r) for r in batches.values())
            if started is None and seen:
                started, first = time.perf_counter(), seen
    finally:
        await consumer.stop()
    ended = time.perf_counter()
    return (ended - started) * events / max(events - first, 1), ended - began


async def consume_faust(bootstrap: str, topic: str, events: int, *, partitions: int, batch: int) -> tuple[float, float]:
    """The same for a faust-streaming agent set up as the projection's (`faust_app`, `take_events` batches) that does
    nothing with them: what faust itself costs per event, before any work of ours."""
    began = time.perf_counter()
    app = faust_app(f"faust-{uuid.uuid4().hex[:6]}", bootstrap_servers=bootstrap, partitions=partitions,
                    batch_size=batch, session_timeout_ms=10_000)
    source = app.topic(topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    done = asyncio.Event()
    seen = 0
    started = first = None

    async def nothing(stream) -> None:
        nonlocal seen, started, first
        async for taken in stream.take_events(batch, within=0.05):
            seen += len(taken)
            if started is None:
                started, first = time.perf_counter(), seen
            if seen >= events:
                done.set()

    app.agent(source, name="nothing")(nothing)
    app.finalize()
    await app.start()
    try:
        await asyncio.wait_for(done.wait(), 600)
    finally:
        ended = time.perf_counter()
        await app.stop()
    return (ended - started) * events / max(events - first, 1), ended - began


class TimedLifecycle(Lifecycle):
    """The lifecycle, noting when each phase of a rebuild ends."""

    marks: dict[str, float]

    async def finish_build(self, version):
        self.marks["replayed"] = time.perf_counter()
        decided = await super().finish_build(version)
        self.marks["decided"] = time.perf_counter()
        return decided

    async def switch(self, version: int, *, drop_previous: bool = True):
        self.marks["caught up"] = time.perf_counter()
        before = await super().switch(version, drop_previous=drop_previous)
        self.marks["switched"] = time.perf_counter()
        return before


async def rebuild(lifecycle: TimedLifecycle, on: date) -> dict[str, float]:
    lifecycle.marks = {"start": time.perf_counter()}
    await worker.rebuild(lifecycle, on=on, poll=0.05)
    lifecycle.marks["end"] = time.perf_counter()
    return lifecycle.marks


async def deaths(lifecycle: Lifecycle, events: list[RecordedEvent], *, database_url: str, schema: str, on: date,
                 rate: float, seconds: float, drain: float) -> tuple[list[float], int]:
    """Publish deaths of PBI JK-eligible persons (one per household) at `rate`; returns each death's delay until the
    person was no longer eligible for anything, and how many never left within `drain` seconds of the last."""
    served = await versions.current(lifecycle.pool)
    tables = (await versions.get(lifecycle.pool, served)).tables
    wanted = int(rate * seconds)
    chosen = await lifecycle.pool.fetch(
        f"SELECT DISTINCT ON (household_id) household_id, nik FROM {tables.decisions}"
        " WHERE program = 'PBI_JK' AND eligible ORDER BY household_id, md5(nik) LIMIT $1", wanted + 1)
    if len(chosen) <= wanted:
        raise SystemExit(f"only {len(chosen)} PBI JK-eligible households for {wanted} deaths: raise --households")
    stream_version: dict[str, int] = {}
    for event in events:
        stream_version[event.stream_id] = max(stream_version.get(event.stream_id, 0), event.version)
    producer = kafka.new_producer(lifecycle.bootstrap_servers)
    await producer.start()
    sent: dict[str, float] = {}
    left: dict[str, float] = {}
    household_of = {r["nik"]: r["household_id"] for r in chosen}

    # A batch that ends a PBI JK slot appends EligibilityEnded, whose insert notifies the relay's channel at commit:
    # the watcher reads on each notification (and every POLL seconds in case one is missed), not in a busy loop.
    committed = asyncio.Event()
    listener = await asyncpg.connect(asyncpg_dsn(database_url))
    await listener.add_listener(f"siks_events.{schema}", lambda *_: committed.set())

    async def watch() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(committed.wait(), POLL)
            committed.clear()
            pending = [n for n in sent if n not in left]
            if pending:
                still = {r["nik"] for r in await lifecycle.pool.fetch(  # a person no longer eligible for PBI JK is dead
                    f"SELECT nik FROM {tables.decisions} WHERE program = 'PBI_JK' AND household_id = ANY($1::text[])"
                    " AND (household_id, nik) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND eligible",
                    [household_of[n] for n in pending], pending)}
                now = time.perf_counter()
                left.update((n, now) for n in pending if n not in still)

    async def send(row) -> None:
        household_id, nik = row["household_id"], row["nik"]
        death = RecordedEvent(
            position=0, stream_id=household_id, version=stream_version[household_id] + 1,
            event_id=str(uuid.uuid4()), type=MemberDeceased.type, topic=TOPIC, subject=household_id,
            data=MemberDeceased(household_id=household_id, nik=nik, died_on=on).model_dump(mode="json"),
            metadata={"actor": "bench", "role": "system"}, recorded_at=datetime.now(UTC))
        key, value, headers = death.envelope(SOURCE).to_kafka()
        sent[nik] = time.perf_counter()
        await producer.send(lifecycle.topic, key=key, value=value, headers=headers)  # not waiting for the ack

    watcher = asyncio.create_task(watch())
    try:
        # one death first, untimed: the served consumer has joined its group and applies batches once it is gone
        await send(chosen[-1])
        await producer.flush()
        while chosen[-1]["nik"] not in left:
            await asyncio.sleep(0.05)
        sent.clear()
        left.clear()
        start = time.perf_counter()
        for index, row in enumerate(chosen[:-1]):
            await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
            await send(row)
        await producer.flush()
        deadline = time.perf_counter() + drain
        while len(left) < len(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await producer.stop()
        await listener.close()
    return sorted(left[n] - sent[n] for n in left), len(sent) - len(left)


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


async def drop_schema(database_url: str, schema: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await connection.close()


async def run(args: argparse.Namespace, database_url: str, bootstrap: str, workdir: Path) -> None:
    on = datetime.now(UTC).date()
    began = time.perf_counter()
    events, persons = await registry_events(database_url, args.households, args.regencies.split(","), workdir)
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    topic = prefix + TOPIC
    await kafka.ensure_topics(bootstrap, [topic], partitions=args.partitions)
    await publish(bootstrap, topic, events)
    prepared = time.perf_counter() - began
    households = len({e.stream_id for e in events})

    raw, raw_joined = await consume_raw(bootstrap, topic, len(events))
    bare_faust, _ = await consume_faust(bootstrap, topic, len(events), partitions=args.partitions, batch=args.batch)
    schema = f"bench_eligibility_{uuid.uuid4().hex[:6]}"
    await asyncio.to_thread(migrations.upgrade, ELIGIBILITY_MIGRATIONS, database_url, schema)
    pool = await create_pool(database_url, schema, max_size=12)
    lifecycle = TimedLifecycle(pool, bootstrap, topic_prefix=prefix, partitions=args.partitions,
                               batch_size=args.batch)
    try:
        marks = await rebuild(lifecycle, on)
        keeper = asyncio.create_task(worker.run(lifecycle, on=on, poll=0.2))
        try:
            served = await versions.current(pool)
            while not await lifecycle.caught_up_with_now(served):  # the served consumer joins its group first
                await asyncio.sleep(0.1)
            delays, lost = await deaths(lifecycle, events, database_url=database_url, schema=schema, on=on,
                                        rate=args.rate, seconds=args.seconds,
                                        drain=args.drain)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
    finally:
        await pool.close()
        await drop_schema(database_url, schema)

    n = len(events)
    total = marks["end"] - marks["start"]
    replay = marks["replayed"] - marks["start"]
    print(f"\n{households} households in {args.regencies.count(',') + 1} regency(ies), {n} registry events on "
          f"{args.partitions} partitions, consumer batches of {args.batch} (prepared in {prepared:.0f} s)\n")
    print(f"{'work':<44}{'seconds':>9}{'events/s':>11}{'raw consumer':>14}{'ratio':>8}")
    print(f"{'rebuild from zero, end to end':<44}{total:>9.1f}{n / total:>11,.0f}{n / raw:>14,.0f}{raw / total:>8.2f}")
    print(f"{'  raw consumer with its group join':<44}{raw_joined:>9.1f}{'':>11}{n / raw_joined:>14,.0f}"
          f"{raw_joined / total:>8.2f}")
    print(f"{'  faust agent doing nothing (from 1st batch)':<44}{bare_faust:>9.1f}{n / bare_faust:>11,.0f}{'':>14}"
          f"{raw / bare_faust:>8.2f}")
    print(f"{'  replay (keep each event)':<44}{replay:>9.1f}{n / replay:>11,.0f}{'':>14}{raw / replay:>8.2f}")
    print(f"{'  fold, rank, decide every household':<44}{marks['decided'] - marks['replayed']:>9.1f}")
    print(f"{'  catch up, switch (first slot grants)':<44}{marks['end'] - marks['decided']:>9.1f}")
    million = 1_000_000 / persons * n  # events for one million persons, as many per person as here
    print(f"\none million persons ({persons:,} here, {n / persons:.2f} events each) = {million:,.0f} events: rebuild"
          f" {million / (n / total) / 60:.1f} min at this rate, raw read {million / (n / raw) / 60:.1f} min")
    hundred = million * 100
    print(f"100 million persons = {hundred / 1e6:,.0f} M events: {hundred / (n / total) / 3600:.1f} h on one worker"
          f" like this one; with 32 partitions over 16 workers (2 partitions each), if each worker keeps this rate"
          f" and PostgreSQL keeps up with 16 of them: {hundred / (n / total) / 16 / 3600:.1f} h")
    print(f"\ndeaths offered at {args.rate:.0f}/s for {args.seconds:.1f} s ({int(args.rate * args.seconds)} deaths of PBI JK"
          f" beneficiaries): delay from publish to the person gone from the eligible list (read at each "
          "commit that appends eligibility events)")
    if delays:
        print(f"{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'left':>8}{'lost':>6}")
        print("".join(f"{percentile(delays, p):>8.3f}" for p in (50, 95, 99, 100)) + f"{len(delays):>8}{lost:>6}")
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--regencies", default="3571", help="comma-separated regency codes, households split evenly")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500, help="consumer batch size (the service's default)")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=7.5)
    parser.add_argument("--drain", type=float, default=60.0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="siks-bench-eligibility-"))
    with contextlib.ExitStack() as stack:
        database_url, bootstrap = embedded.database(stack, workdir), embedded.broker(stack)
        print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        await run(args, database_url, bootstrap, workdir)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
