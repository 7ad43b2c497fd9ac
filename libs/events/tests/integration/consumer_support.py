"""Helpers for the consumer tests: publish sample events, run things in the background, poll."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from siks_events.envelope import Envelope
from siks_events.testing import SampleRecorded

TOPIC = SampleRecorded.topic
STOP_TIMEOUT = 60.0  # a component that outlives this after a cancel hangs its service's shutdown


def sample(event_id: str, n: int, key: str = "s-1", note: str = "") -> Envelope:
    return Envelope(id=event_id, source="/test", type=SampleRecorded.type, subject=key, time=datetime.now(UTC),
                    data={"n": n, "note": note}, key=key)


async def publish(bootstrap: str, topic: str, envelopes: list[Envelope], raw: list[tuple[bytes, bytes]] = ()) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = []
        for envelope in envelopes:
            key, value, headers = envelope.to_kafka()
            futures.append(await producer.send(topic, value, key=key, headers=headers))
        for key, value in raw:
            futures.append(await producer.send(topic, value, key=key))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list:
    """Every record of `topic` until `expected` arrived; raises if they do not arrive in time."""
    client = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await client.start()
    records: list = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"only {len(records)} of {expected} records reached {topic}")
            for batch in (await client.getmany(timeout_ms=500)).values():
                records += batch
        return records
    finally:
        await client.stop()


async def wait_until(predicate, timeout: float, what: str) -> None:
    """Poll `predicate` (async) until true; raise AssertionError when time runs out."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def background(*coroutine_factories):
    tasks = [asyncio.create_task(f()) for f in coroutine_factories]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        done, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT)
        for task in done:
            if not task.cancelled():
                task.exception()  # retrieved: the test's own assertions judge the outcome
        if pending:
            for task in asyncio.all_tasks():
                task.print_stack()
            raise AssertionError(f"{len(pending)} background task(s) ignored cancellation for {STOP_TIMEOUT} s")


def effect_writer(table: str = "effects", on_event=None):
    """A handler writing one row per event; `on_event(event, envelope, uow)` may raise first."""

    async def handle(event, envelope, uow) -> None:
        if on_event is not None:
            await on_event(event, envelope, uow)

        async def write(u) -> None:
            await u.connection.execute(f"INSERT INTO {table} (event_id, n, note) VALUES ($1, $2, $3)",
                                       envelope.id, event.n, event.note)

        async with uow:
            uow.after_events(write)
            await uow.commit()

    return handle
