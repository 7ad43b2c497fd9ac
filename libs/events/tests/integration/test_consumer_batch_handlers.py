"""A batch handler gets a whole batch's new events in one call (one multi-row statement), in per-key
order, with the same guarantees: a redelivery changes nothing, the event at fault is dead-lettered alone."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from siks_events import kafka
from siks_events.consumer import BatchHandler, IdempotentConsumer
from siks_events.consumer.batch import BatchApplier
from siks_events.envelope import Envelope
from siks_events.model import RuleViolated
from siks_events.pytest_plugin import SESSION_TIMEOUT_MS
from siks_events.uow import PostgresUnitOfWork

from .consumer_support import TOPIC, background, publish, sample, wait_until


class RowsPerBatch(BatchHandler):
    """Writes one effect row per event with a single executemany per call, and counts its calls."""

    def __init__(self, refuse: set[int] = frozenset()) -> None:
        self.calls: list[int] = []
        self.refuse = refuse

    async def apply(self, events, connection) -> None:
        self.calls.append(len(events))
        for event, _ in events:
            if event.n in self.refuse:
                raise RuleViolated(f"event {event.n} breaks a rule")
        await connection.executemany("INSERT INTO effects (event_id, n) VALUES ($1, $2)",
                                     [(envelope.id, event.n) for event, envelope in events])


@pytest.fixture
async def effects(store_pool, siks_bootstrap_servers, topic_prefix):
    await kafka.ensure_topics(siks_bootstrap_servers, [topic_prefix + TOPIC], partitions=3, with_dlq=True)
    await store_pool.execute("CREATE TABLE effects (id bigint GENERATED ALWAYS AS IDENTITY, event_id text NOT NULL,"
                             " n int NOT NULL)")
    return store_pool


def consumer(pool, bootstrap, prefix, handler, name="projection") -> IdempotentConsumer:
    return IdempotentConsumer(name=name, pool=pool, bootstrap_servers=bootstrap, topics=[TOPIC], handler=handler,
                              topic_prefix=prefix, partitions=3, check_interval=1.0, batch_size=200,
                              session_timeout_ms=SESSION_TIMEOUT_MS)


async def rows(pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM effects")


async def test_a_batch_handler_applies_each_event_once_in_key_order_with_far_fewer_calls_than_events(
        effects, siks_bootstrap_servers, topic_prefix):
    keys = [f"k-{i}" for i in range(9)]
    await publish(siks_bootstrap_servers, topic_prefix + TOPIC,
                  [sample(f"e-{i}", i, key=keys[i % len(keys)]) for i in range(1200)])
    handler = RowsPerBatch()
    first = consumer(effects, siks_bootstrap_servers, topic_prefix, handler)
    async with background(first.run):
        await wait_until(lambda: _is(rows(effects), 1200), 90, "every event applied")
    found = await effects.fetch("SELECT event_id, n FROM effects ORDER BY id")
    assert len({r["event_id"] for r in found}) == 1200 == len(found)
    by_key: dict[str, list[int]] = {}
    for r in found:
        by_key.setdefault(keys[r["n"] % len(keys)], []).append(r["n"])
    assert all(ns == sorted(ns) for ns in by_key.values())
    assert sum(handler.calls) == 1200 and len(handler.calls) <= 1200 / 20, handler.calls

    await effects.execute("DELETE FROM consumer_positions")  # as if every position were lost: all redelivered
    again = consumer(effects, siks_bootstrap_servers, topic_prefix, RowsPerBatch())
    async with background(again.run):
        await wait_until(lambda: _true(again.duplicates == 1200), 60, "the redelivery to be seen")
    assert await rows(effects) == 1200 and again.applied == 0


async def test_the_event_a_batch_handler_refuses_is_dead_lettered_alone_and_its_neighbours_apply(
        effects, siks_bootstrap_servers, topic_prefix):
    await publish(siks_bootstrap_servers, topic_prefix + TOPIC, [sample(f"e-{i}", i, key="one-key") for i in range(50)])
    handler = RowsPerBatch(refuse={17})
    projection = consumer(effects, siks_bootstrap_servers, topic_prefix, handler)
    async with background(projection.run):
        await wait_until(lambda: _is(rows(effects), 49), 60, "the other 49 applied")
        await wait_until(lambda: _true(projection.dead_lettered == 1), 30, "the refused one dead-lettered")
    letters = await effects.fetch("SELECT event_id, reason_code FROM dead_letters")
    assert [(r["event_id"], r["reason_code"]) for r in letters] == [("e-17", "rule-violated")]
    assert projection.split_batches >= 1
    assert sorted(await effects.fetchval("SELECT array_agg(n) FROM effects")) == [n for n in range(50) if n != 17]


async def _is(awaitable, expected: int) -> bool:
    return await awaitable == expected


async def _true(value: bool) -> bool:
    return value


def _records(per_partition: dict[int, list[Envelope]]) -> dict[TopicPartition, list[ConsumerRecord]]:
    """The envelopes as the records a fetch of each partition returns, at offsets 0, 1, ..."""
    topic = "t." + TOPIC
    batches = {}
    for partition, envelopes in per_partition.items():
        batches[TopicPartition(topic, partition)] = [
            ConsumerRecord(topic, partition, offset, 0, 0, key, value, None, len(key or b""), len(value), headers)
            for offset, (key, value, headers) in enumerate(e.to_kafka() for e in envelopes)]
    return batches


def _applier(pool, handler: BatchHandler) -> BatchApplier:
    return BatchApplier(consumer="across", pool=pool, handler=handler, topic_prefix="t.",
                        uow_factory=lambda cause: PostgresUnitOfWork(pool, cause))


async def test_several_partitions_batches_apply_in_one_handler_call_and_one_transaction_each_once(effects):
    batches = _records({p: [sample(f"p{p}-{i}", 10 * p + i, key=f"k{p}") for i in range(10)] for p in range(3)})
    handler = RowsPerBatch()
    outcomes = await _applier(effects, handler).apply_partitions(batches)

    assert handler.calls == [30]
    assert [r["n"] for r in await effects.fetch("SELECT n FROM effects ORDER BY id")] == list(range(30))
    assert {tp.partition: (o.applied, o.position.next_offset) for tp, o in outcomes.items()} == {
        0: (10, 10), 1: (10, 10), 2: (10, 10)}
    stored = await effects.fetch("SELECT partition, next_offset FROM consumer_positions WHERE consumer = 'across'")
    assert sorted((r["partition"], r["next_offset"]) for r in stored) == [(0, 10), (1, 10), (2, 10)]
    assert await effects.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'across'") == 30

    again = RowsPerBatch()
    redelivered = await _applier(effects, again).apply_partitions(batches)
    assert again.calls == [] and await rows(effects) == 30
    assert {tp.partition: (o.applied, o.duplicates) for tp, o in redelivered.items()} == {
        0: (0, 10), 1: (0, 10), 2: (0, 10)}


async def test_an_event_refused_in_a_batch_of_several_partitions_is_dead_lettered_alone_and_every_other_applies(effects):
    batches = _records({p: [sample(f"p{p}-{i}", 10 * p + i, key=f"k{p}") for i in range(10)] for p in range(3)})
    outcomes = await _applier(effects, RowsPerBatch(refuse={14})).apply_partitions(batches)

    assert sorted(await effects.fetchval("SELECT array_agg(n) FROM effects")) == [n for n in range(30) if n != 14]
    letters = await effects.fetch("SELECT event_id, partition, reason_code FROM dead_letters")
    assert [(r["event_id"], r["partition"], r["reason_code"]) for r in letters] == [("p1-4", 1, "rule-violated")]
    assert sum(o.applied for o in outcomes.values()) == 29
    assert all(o.position.next_offset == 10 for o in outcomes.values())
