"""A rebuild's replay: each household event kept once, a refused record dead-lettered, positions at the target."""

from __future__ import annotations

from siks_eligibility.adapters.postgres.versions import VersionState
from siks_events import kafka
from siks_events.catalog.registry import TOPIC

from ..unit.test_reference import ON
from .registry import registry_log


async def test_a_replay_keeps_each_household_event_once_dead_letters_a_refused_record_and_stops_at_the_target(
        lifecycle, publish, siks_bootstrap_servers, topic_prefix):
    log = registry_log(40)
    await publish(log)
    producer = kafka.new_producer(siks_bootstrap_servers)
    await producer.start()
    try:  # not a CloudEvent: the consumer would dead-letter it, so must the replay
        await producer.send_and_wait(topic_prefix + TOPIC, b"not an event", key=b"x", partition=0)
    finally:
        await producer.stop()
    await publish(log[:25])  # the relay publishing some events again: each is kept once
    version = await lifecycle.start(ON, state=VersionState.BUILDING)
    await publish(log[25:30])  # after the version began: for its consumer, not the replay

    read = await lifecycle.replay(version)

    assert read == version.events_total == len(log) + 1 + 25
    pool, tables = lifecycle.pool, version.tables
    assert await pool.fetchval(f"SELECT count(*) FROM {tables.events}") == len(log)
    letters = await pool.fetch("SELECT partition, reason_code FROM dead_letters WHERE consumer = $1", tables.consumer)
    assert [(r["partition"], r["reason_code"]) for r in letters] == [(0, "malformed")]
    assert await pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", tables.consumer) == 0
    progress = await lifecycle.progress(version.version)
    assert progress.done == progress.total == version.events_total
    stored = dict(await pool.fetch("SELECT partition, next_offset FROM consumer_positions WHERE consumer = $1",
                                   tables.consumer))
    assert stored == {p: end for p, (_, end) in version.target_offsets.items()}
    assert await lifecycle.replay(version) == 0  # from the stored positions: nothing left to read
