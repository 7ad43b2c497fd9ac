"""Acceptance 3 and 4: restarts and broker loss lose nothing and apply nothing twice;
undecodable and unknown events go to the dead-letter topic and the partition moves on."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from siks_events.consumer import IdempotentConsumer
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import SESSION_TIMEOUT_MS
from siks_events.relay import OutboxRelay
from siks_events.uow import UnitOfWork

from .consumer_support import background, wait_until
from .relay_support import TOPIC, write_concurrently


def effect_handler():
    async def handle(event, envelope, uow: UnitOfWork) -> None:
        async def write(u) -> None:
            await u.connection.execute("INSERT INTO effects (event_id, n) VALUES ($1, $2)", envelope.id, event.n)

        async with uow:
            uow.after_events(write)
            await uow.commit()

    return handle


async def test_relay_and_broker_restarts_lose_nothing_and_effects_apply_exactly_once(store_pool, own_broker, topic_prefix):
    await store_pool.execute("CREATE TABLE effects (event_id text NOT NULL, n int NOT NULL)")
    bootstrap = own_broker.bootstrap_servers
    consumer = IdempotentConsumer(
        name="effects", pool=store_pool, bootstrap_servers=bootstrap, topics=[TOPIC],
        handler=effect_handler(), topic_prefix=topic_prefix, check_interval=1.0, partitions=3,
        session_timeout_ms=SESSION_TIMEOUT_MS,
    )

    def new_relay() -> OutboxRelay:
        return OutboxRelay(store_pool, bootstrap_servers=bootstrap, source="/siks-ng/test", topic_prefix=topic_prefix,
                           partitions=3, batch_size=100, check_interval=1.0, max_backoff=1.0)

    streams = [f"s-{i}" for i in range(20)]
    ids: list[str] = []

    async def applied() -> int:
        return await store_pool.fetchval("SELECT count(DISTINCT event_id) FROM effects")

    async def rewound() -> bool:
        return consumer.rewinds >= 1

    async with background(consumer.run):
        first = new_relay()
        async with background(first.run):
            ids += await write_concurrently(store_pool, writers=10, total=600, streams=streams, seed=1)
            await wait_until(lambda: _at_least(applied, 300), 60, "first events applied")
        # relay stopped mid-way: events written meanwhile wait in the store
        ids += await write_concurrently(store_pool, writers=10, total=600, streams=streams, seed=2)
        second = new_relay()
        async with background(second.run):
            await wait_until(lambda: _at_least(applied, 900), 60, "events after the relay restart")
            await asyncio.sleep(2.5)  # a few loss checks on a healthy broker: none may fire
            assert (first.republished, second.republished, consumer.rewinds) == (0, 0, 0)
        # The broker comes back empty while no relay runs: a relay republishing first could rebuild the very
        # records the consumer's positions point at (same order, same offsets), leaving it nothing to notice.
        own_broker.restart()
        await wait_until(rewound, 60, "the consumer to notice the broker lost its data")
        ids += await write_concurrently(store_pool, writers=10, total=600, streams=streams, seed=3)
        third = new_relay()
        async with background(third.run):
            try:
                await wait_until(lambda: _at_least(applied, len(ids)), 90, "every event applied after broker restart")
            except AssertionError:
                print("applied", await applied(), "positions", consumer.positions, "rewinds", consumer.rewinds,
                      "relay", third.state, "republished", third.republished, "backlog", await third.backlog())
                raise
            await asyncio.sleep(2)  # let any redelivery arrive: it must change nothing
        assert third.republished >= 1, "the relay did not notice the broker lost its data"

    total, distinct = await store_pool.fetchrow("SELECT count(*), count(DISTINCT event_id) FROM effects")
    assert distinct == len(set(ids)) == 1800
    assert total == distinct, f"{total - distinct} effects applied twice"


async def _at_least(counter, n: int) -> bool:
    return await counter() >= n


async def test_garbage_and_unknown_events_are_dead_lettered_and_the_partition_moves_on(
    store_pool, siks_bootstrap_servers, topic_prefix
):
    await store_pool.execute("CREATE TABLE effects (event_id text NOT NULL, n int NOT NULL)")
    topic = topic_prefix + TOPIC
    consumer = IdempotentConsumer(
        name="dlq-test", pool=store_pool, bootstrap_servers=siks_bootstrap_servers, topics=[TOPIC],
        handler=effect_handler(), topic_prefix=topic_prefix, session_timeout_ms=SESSION_TIMEOUT_MS,
    )

    def sample(event_id: str, type_: str = "siks.testing.sample-recorded.v1", data=None) -> Envelope:
        return Envelope(id=event_id, source="/test", type=type_, subject="s-1", time=datetime.now(UTC),
                        data=data if data is not None else {"n": 1}, key="s-1")

    producer = AIOKafkaProducer(bootstrap_servers=siks_bootstrap_servers)
    await producer.start()
    try:
        async with background(consumer.run):
            # one key, so all land on one partition in this order
            for envelope in (sample("before"),):
                key, value, headers = envelope.to_kafka()
                await producer.send_and_wait(topic, value, key=key, headers=headers)
            await producer.send_and_wait(topic, b"\x00\x01 not a cloudevent", key=b"s-1")
            key, value, headers = sample("unknown", type_="siks.nobody.never-declared.v1").to_kafka()
            await producer.send_and_wait(topic, value, key=key, headers=headers)
            key, value, headers = sample("invalid", data={"n": "not a number"}).to_kafka()
            await producer.send_and_wait(topic, value, key=key, headers=headers)
            key, value, headers = sample("after").to_kafka()
            await producer.send_and_wait(topic, value, key=key, headers=headers)

            async def both_applied() -> bool:
                rows = await store_pool.fetch("SELECT event_id FROM effects")
                return {r["event_id"] for r in rows} == {"before", "after"}

            await wait_until(both_applied, 60, "events around the bad ones to be applied")

            async def letters_sent() -> bool:
                # the dead letters are an outbox: sent by their own loop, which stops with the consumer
                return await store_pool.fetchval("SELECT count(*) FROM dead_letters WHERE sent_at IS NOT NULL") == 3

            await wait_until(letters_sent, 60, "the three dead letters to be sent to the dead-letter topic")
    finally:
        await producer.stop()

    dead = AIOKafkaConsumer(topic + ".dlq", bootstrap_servers=siks_bootstrap_servers, auto_offset_reset="earliest")
    await dead.start()
    try:
        letters = []
        deadline = asyncio.get_running_loop().time() + 90
        while len(letters) < 3 and asyncio.get_running_loop().time() < deadline:
            for records in (await dead.getmany(timeout_ms=500)).values():
                letters += records
    finally:
        await dead.stop()
    reasons = {dict(r.headers)["dlq_reason_code"].decode(): r for r in letters}
    assert set(reasons) == {"malformed", "unknown-type", "invalid-data"}
    assert reasons["malformed"].value == b"\x00\x01 not a cloudevent", "the original bytes are kept"
    assert b"siks.nobody.never-declared.v1" in dict(reasons["unknown-type"].headers)["dlq_reason"]
    assert json.loads(reasons["invalid-data"].value) == {"n": "not a number"}
    assert await store_pool.fetchval("SELECT count(*) FROM dead_letters") == 3


async def test_an_event_whose_handler_changes_nothing_is_still_remembered_once(store_pool, siks_bootstrap_servers,
                                                                                topic_prefix):
    async def ignore(event, envelope, uow) -> None:
        return None  # never enters the unit of work

    consumer = IdempotentConsumer(name="ignoring", pool=store_pool, bootstrap_servers=siks_bootstrap_servers,
                                  topics=[TOPIC], handler=ignore, topic_prefix=topic_prefix,
                                  session_timeout_ms=SESSION_TIMEOUT_MS)
    envelope = Envelope(id="e-1", source="/test", type="siks.testing.sample-recorded.v1", subject="s-1",
                        time=datetime.now(UTC), data={"n": 1}, key="s-1")
    producer = AIOKafkaProducer(bootstrap_servers=siks_bootstrap_servers)
    await producer.start()
    try:
        async with background(consumer.run):
            for _ in range(2):
                key, value, headers = envelope.to_kafka()
                await producer.send_and_wait(topic_prefix + TOPIC, value, key=key, headers=headers)

            async def both_seen() -> bool:
                return consumer.applied + consumer.duplicates == 2

            await wait_until(both_seen, 60, "both deliveries")
    finally:
        await producer.stop()
    assert (consumer.applied, consumer.duplicates) == (1, 1)
    assert await store_pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'ignoring'") == 1
