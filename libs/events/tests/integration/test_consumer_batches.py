"""The batched consumer: one transaction per batch, per-key order, redeliveries change nothing,
transient failures wait and never dead-letter, permanent ones are dead-lettered once with a reason."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest
from siks_events import kafka
from siks_events.consumer import IdempotentConsumer
from siks_events.consumer.inbox import prune
from siks_events.model import Conflict, RuleViolated
from siks_events.pytest_plugin import SESSION_TIMEOUT_MS

from .consumer_support import TOPIC, background, effect_writer, publish, read_all, sample, wait_until


@pytest.fixture
async def effects(store_pool, siks_bootstrap_servers, topic_prefix):
    # Three partitions before anything is published (a broker may auto-create a topic with one).
    await kafka.ensure_topics(siks_bootstrap_servers, [topic_prefix + TOPIC], partitions=3, with_dlq=True)
    await store_pool.execute(
        "CREATE TABLE effects (id bigint GENERATED ALWAYS AS IDENTITY, event_id text NOT NULL, n int NOT NULL,"
        " note text NOT NULL DEFAULT '')")
    return store_pool


def new_consumer(pool, bootstrap, prefix, handler, name="batched", **options) -> IdempotentConsumer:
    return IdempotentConsumer(name=name, pool=pool, bootstrap_servers=bootstrap, topics=[TOPIC], handler=handler,
                              topic_prefix=prefix, partitions=3, check_interval=1.0,
                              session_timeout_ms=SESSION_TIMEOUT_MS, **options)


async def count(pool, sql: str = "SELECT count(*) FROM effects") -> int:
    return await pool.fetchval(sql)


async def test_events_apply_in_batches_in_per_key_order_and_each_exactly_once(effects, siks_bootstrap_servers,
                                                                               topic_prefix):
    keys = [f"k-{i}" for i in range(12)]
    envelopes = [sample(f"e-{i}", i, key=keys[i % len(keys)]) for i in range(3000)]
    await publish(siks_bootstrap_servers, topic_prefix + TOPIC, envelopes)
    consumer = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer(), batch_size=200)
    async with background(consumer.run):
        await wait_until(lambda: _eq(count(effects), 3000), 90, "all events applied")
    rows = await effects.fetch("SELECT event_id, n FROM effects ORDER BY id")
    assert len({r["event_id"] for r in rows}) == 3000 == len(rows)
    by_key: dict[str, list[int]] = {}
    for r in rows:
        by_key.setdefault(keys[r["n"] % len(keys)], []).append(r["n"])
    assert all(ns == sorted(ns) for ns in by_key.values()), "a key's events were applied out of order"
    assert consumer.applied == 3000 and consumer.duplicates == 0 and consumer.dead_lettered == 0
    # Batches, not one transaction per event: far fewer position writes than events.
    assert consumer.split_batches == 0


async def test_the_consumer_waits_at_the_broker_for_records_only_briefly(effects, siks_bootstrap_servers, topic_prefix):
    # the embedded broker holds a fetch for about half its wait whether records arrive or not: a delivery delay
    consumer = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer())
    async with background(consumer.run):
        await wait_until(lambda: _true(consumer._consumer is not None and consumer._consumer._fetcher is not None),
                         30, "the consumer to start")
        assert consumer._consumer._fetcher._fetch_max_wait_ms == kafka.FETCH_MAX_WAIT_MS == 100


async def test_a_redelivered_batch_changes_nothing(effects, siks_bootstrap_servers, topic_prefix):
    await publish(siks_bootstrap_servers, topic_prefix + TOPIC, [sample(f"e-{i}", i, key=f"k-{i % 5}") for i in range(400)])
    first = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer())
    async with background(first.run):
        await wait_until(lambda: _eq(count(effects), 400), 60, "first delivery applied")
    # A crash after the batch committed but before anything else knew: positions are forgotten.
    await effects.execute("DELETE FROM consumer_positions")
    second = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer())
    async with background(second.run):
        async def all_seen() -> bool:
            return second.duplicates == 400

        await wait_until(all_seen, 60, "the redelivered batch to be seen")
    assert await count(effects) == 400
    assert second.applied == 0


async def test_a_restarted_consumer_resumes_from_its_stored_positions(effects, siks_bootstrap_servers, topic_prefix):
    topic = topic_prefix + TOPIC
    await publish(siks_bootstrap_servers, topic, [sample(f"a-{i}", i, key=f"k-{i % 7}") for i in range(500)])
    first = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer())
    async with background(first.run):
        await wait_until(lambda: _eq(count(effects), 500), 60, "first half applied")
    await publish(siks_bootstrap_servers, topic, [sample(f"b-{i}", i, key=f"k-{i % 7}") for i in range(500)])
    second = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer())
    async with background(second.run):
        await wait_until(lambda: _eq(count(effects), 1000), 60, "second half applied")
    # It started where the first stopped: nothing read again, nothing applied twice.
    assert (second.applied, second.duplicates) == (500, 0)
    assert await count(effects, "SELECT count(DISTINCT event_id) FROM effects") == 1000


async def test_a_consumer_killed_mid_batch_loses_and_doubles_nothing(effects, siks_bootstrap_servers, topic_prefix):
    started = asyncio.Event()

    async def slow(event, envelope, uow) -> None:
        started.set()
        await asyncio.sleep(0.002)

    await publish(siks_bootstrap_servers, topic_prefix + TOPIC, [sample(f"e-{i}", i, key=f"k-{i % 3}") for i in range(900)])
    first = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer(on_event=slow))
    async with background(first.run):
        await asyncio.wait_for(started.wait(), 60)
        await asyncio.sleep(0.3)  # cancelled in the middle of some batch
    partly = await count(effects)
    assert partly < 900
    second = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer())
    async with background(second.run):
        await wait_until(lambda: _eq(count(effects), 900), 60, "the rest applied")
    assert await count(effects, "SELECT count(DISTINCT event_id) FROM effects") == 900
    assert second.applied == 900 - partly


async def test_dead_letter_reasons_name_the_rule_the_conflict_and_the_handler_that_kept_failing(
    effects, siks_bootstrap_servers, topic_prefix
):
    class NoSuchVillage(RuleViolated):
        code = "unknown-region"

    class AlreadyDone(Conflict):
        code = "already-done"

    calls: dict[str, int] = {}

    async def judge(event, envelope, uow) -> None:
        calls[envelope.id] = calls.get(envelope.id, 0) + 1
        if event.note == "rule":
            raise NoSuchVillage("village 9999999999 does not exist")
        if event.note == "conflict":
            raise AlreadyDone("already done by someone else")
        if event.note == "bug":
            raise RuntimeError("the handler has a bug")

    topic = topic_prefix + TOPIC
    envelopes = [sample("ok-1", 1), sample("rule", 2, note="rule"), sample("ok-2", 3),
                 sample("conflict", 4, note="conflict"), sample("bug", 5, note="bug"), sample("ok-3", 6),
                 sample("other-key", 7, key="k-elsewhere")]
    await publish(siks_bootstrap_servers, topic, envelopes)
    consumer = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer(on_event=judge),
                            max_attempts=3, retry_delay=0.01)
    async with background(consumer.run):
        await wait_until(lambda: _eq(count(effects), 4), 60, "the healthy events applied")
        await wait_until(lambda: _eq(count(effects, "SELECT count(*) FROM dead_letters WHERE sent_at IS NOT NULL"), 3),
                         60, "the dead letters sent")
    rows = await effects.fetch("SELECT event_id, reason_code, reason FROM dead_letters ORDER BY id")
    by_id = {r["event_id"]: r for r in rows}
    assert set(by_id) == {"rule", "conflict", "bug"}
    assert by_id["rule"]["reason_code"] == "unknown-region" and by_id["rule"]["reason"].startswith("rule: ")
    assert by_id["conflict"]["reason_code"] == "already-done" and by_id["conflict"]["reason"].startswith("conflict: ")
    assert by_id["bug"]["reason_code"] == "handler-failed"
    assert "after 3 attempts" in by_id["bug"]["reason"]
    # A domain error is not retried: at most once on the fast path and once isolated; a bug gets every attempt.
    assert calls["rule"] <= 2 and calls["conflict"] <= 2 and calls["bug"] >= 3
    letters = await read_all(siks_bootstrap_servers, topic + ".dlq", 3)
    assert sorted(dict(r.headers)["dlq_reason_code"].decode() for r in letters) == [
        "already-done", "handler-failed", "unknown-region"]
    assert {r["event_id"] for r in await effects.fetch("SELECT event_id FROM effects")} == {
        "ok-1", "ok-2", "ok-3", "other-key"}


async def test_a_database_outage_is_waited_out_and_never_dead_lettered(effects, siks_bootstrap_servers, topic_prefix):
    cuts = {"left": 4}
    apply = effect_writer()

    async def cut_own_connection(event, envelope, uow) -> None:
        # The database drops this very connection mid-batch, several times in a row.
        if event.note == "cut" and cuts["left"] > 0:
            cuts["left"] -= 1
            async with uow:
                await uow.connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        await apply(event, envelope, uow)

    topic = topic_prefix + TOPIC
    await publish(siks_bootstrap_servers, topic, [sample("before", 1), sample("cut", 2, note="cut"), sample("after", 3)])
    consumer = new_consumer(effects, siks_bootstrap_servers, topic_prefix, cut_own_connection,
                            max_attempts=1, retry_delay=0.01, max_backoff=0.5)
    async with background(consumer.run):
        await wait_until(lambda: _eq(count(effects), 3), 60, "all applied after the outage")
    assert cuts["left"] == 0
    assert consumer.retries >= 4
    assert await count(effects, "SELECT count(*) FROM dead_letters") == 0
    assert consumer.dead_lettered == 0


async def test_a_transient_failure_pauses_only_its_own_partition(effects, siks_bootstrap_servers, topic_prefix):
    blocked = {"until": None}

    async def stuck(event, envelope, uow) -> None:
        if envelope.key == "stuck" and blocked["until"] is None:
            raise asyncpg.CannotConnectNowError("the database system is starting up")

    topic = topic_prefix + TOPIC
    consumer = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer(on_event=stuck),
                            max_backoff=0.3)
    # Two keys known to land on different partitions of three.
    stuck_key, free_keys = "stuck", [f"free-{i}" for i in range(30)]
    await publish(siks_bootstrap_servers, topic, [sample("s-1", 1, key=stuck_key)] +
                  [sample(f"f-{i}", i, key=k) for i, k in enumerate(free_keys)])
    async with background(consumer.run):
        await wait_until(lambda: _eq(count(effects), 30 - _same_partition(stuck_key, free_keys)), 60,
                         "events of the other partitions applied while one waits")
        await asyncio.sleep(1.0)
        assert consumer.retries >= 2 and consumer.dead_lettered == 0
        blocked["until"] = "now"
        await wait_until(lambda: _eq(count(effects), 31), 60, "the waiting partition applied once the fault passes")
    assert await count(effects, "SELECT count(*) FROM dead_letters") == 0


async def test_a_dead_letter_is_recorded_once_and_an_unreachable_dlq_topic_stops_no_partition(
    effects, siks_bootstrap_servers, topic_prefix
):
    topic = topic_prefix + TOPIC
    await publish(siks_bootstrap_servers, topic, [sample("ok-1", 1)], raw=[(b"s-1", b"garbage")])
    await publish(siks_bootstrap_servers, topic, [sample("ok-2", 2)])
    first = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer())
    first.dead_letter_sender.bootstrap_servers = "127.0.0.1:9"  # nothing listens: the DLQ topic is unreachable
    async with background(first.run):
        await wait_until(lambda: _eq(count(effects), 2), 60, "healthy events applied despite the DLQ outage")
    assert await count(effects, "SELECT count(*) FROM dead_letters WHERE sent_at IS NULL") == 1
    # Redelivered from the start: the dead letter is not recorded a second time, and it is sent now.
    await effects.execute("DELETE FROM consumer_positions")
    second = new_consumer(effects, siks_bootstrap_servers, topic_prefix, effect_writer())
    async with background(second.run):
        await wait_until(lambda: _eq(count(effects, "SELECT count(*) FROM dead_letters WHERE sent_at IS NOT NULL"), 1),
                         60, "the dead letter sent once the topic is reachable")
        await wait_until(lambda: _value(lambda: second.duplicates == 2), 30, "redeliveries seen")
    assert await count(effects, "SELECT count(*) FROM dead_letters") == 1
    letters = await read_all(siks_bootstrap_servers, topic + ".dlq", 1)
    assert [r.value for r in letters] == [b"garbage"]
    assert await count(effects) == 2


async def test_inbox_rows_older_than_the_retention_are_pruned(store_pool):
    await store_pool.execute(
        "INSERT INTO inbox (consumer, event_id, applied_at) SELECT 'c', 'old-' || i, now() - interval '40 days'"
        " FROM generate_series(1, 7) AS i")
    await store_pool.execute(
        "INSERT INTO inbox (consumer, event_id, applied_at) SELECT 'c', 'new-' || i, now() - interval '1 day'"
        " FROM generate_series(1, 3) AS i")
    await store_pool.execute("INSERT INTO inbox (consumer, event_id, applied_at) VALUES ('d', 'x', now() - interval '90 days')")
    assert await prune(store_pool, "c", timedelta(days=30), chunk=2) == 7
    rows = await store_pool.fetch("SELECT consumer, event_id FROM inbox ORDER BY 1, 2")
    assert [(r["consumer"], r["event_id"]) for r in rows] == [("c", "new-1"), ("c", "new-2"), ("c", "new-3"), ("d", "x")]


def _same_partition(stuck: str, keys: list[str]) -> int:
    """How many of `keys` share the stuck key's partition (the default partitioner, 3 partitions)."""
    from aiokafka.partitioner import DefaultPartitioner

    partition = DefaultPartitioner()
    target = partition(stuck.encode(), [0, 1, 2], [0, 1, 2])
    return sum(partition(k.encode(), [0, 1, 2], [0, 1, 2]) == target for k in keys)


async def _eq(awaitable, expected) -> bool:
    return await awaitable == expected


async def _value(check) -> bool:
    return check()


async def _true(value: bool) -> bool:
    return value
