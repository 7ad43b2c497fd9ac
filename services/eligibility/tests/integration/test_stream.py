"""The projection is a faust-streaming app: a consumer group of faust's own protocol per version, whose agent
applies the registry's events; a record that is no event is dead-lettered with its reason and the stream goes on."""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from siks_eligibility import worker
from siks_eligibility.adapters.postgres import versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_events import kafka
from siks_events.catalog.registry import TOPIC
from siks_events.pytest_plugin import eventually

from ..unit.test_reference import ON
from .expected import domain_decisions, projected_decisions
from .registry import registry_log


async def _publish_raw(bootstrap_servers: str, topic: str, value: bytes) -> None:
    producer = kafka.new_producer(bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=b"not-a-household", value=value, partition=0)
    finally:
        await producer.stop()


async def _group_members(bootstrap_servers: str, group: str) -> list[str]:
    """The ids of the group's members as the broker describes them (a member id begins with its client id)."""
    admin = AIOKafkaAdminClient(**kafka.connection(bootstrap_servers))
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
        *_, members = response.groups[0][:6]
        return [member[0] for member in members]
    finally:
        await admin.close()


async def _dead_lettered_on_kafka(bootstrap_servers: str, topic: str) -> list[bytes]:
    client = AIOKafkaConsumer(topic, **kafka.connection(bootstrap_servers), group_id=None,
                              auto_offset_reset="earliest", enable_auto_commit=False)
    await client.start()
    try:
        return [r.value for records in (await client.getmany(timeout_ms=500)).values() for r in records]
    finally:
        await client.stop()


async def test_the_projection_runs_as_a_faust_group_and_dead_letters_a_record_that_is_no_event_applying_the_rest(
        lifecycle, publish, siks_bootstrap_servers, topic_prefix):
    log = registry_log(40)
    topic = topic_prefix + TOPIC
    await publish(log[:len(log) // 2])
    await _publish_raw(siks_bootstrap_servers, topic, b"{not a CloudEvent")
    await publish(log[len(log) // 2:])
    running = asyncio.create_task(worker.run(lifecycle, on=ON, poll=0.2))
    try:
        served = await eventually(lambda: versions.current(lifecycle.pool), until=lambda v: v is not None, timeout=20)
        await eventually(lambda: lifecycle.caught_up_with_now(served), timeout=30)
        consumer = VersionTables(served).consumer
        members = await _group_members(siks_bootstrap_servers, topic_prefix + consumer)
        assert len(members) == 1 and members[0].startswith("faust-"), members

        assert await projected_decisions(lifecycle.pool, served) == domain_decisions(log, ON)
        letters = await lifecycle.pool.fetch("SELECT consumer, topic, partition, reason FROM dead_letters")
        assert [(r["consumer"], r["topic"], r["partition"]) for r in letters] == [(consumer, topic, 0)]
        assert letters[0]["reason"]
        parked = await eventually(lambda: _dead_lettered_on_kafka(siks_bootstrap_servers, kafka.dlq_topic(topic)),
                                  until=lambda found: len(found) == 1, timeout=20)
        assert parked == [b"{not a CloudEvent"]
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
