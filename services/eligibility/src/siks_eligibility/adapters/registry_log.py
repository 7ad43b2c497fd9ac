"""The extent of the registry's topic: what a replay from zero has to read, per partition.

The end offset is read, not asked for: the embedded broker answers ListOffsets(latest) with the
base offset of the partition's last record batch plus one (30 records produced as one batch per
partition: end offset 1 each), so the records from the reported end minus one are fetched and the
last one's offset taken. On Kafka that fetch returns just the last record: the same answer.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from siks_events import kafka

_QUIET_MS = 300
"""A fetch round that brings nothing for this long ends the read."""


async def extent(bootstrap_servers: str, topic: str, *, partitions: int) -> dict[int, tuple[int, int]]:
    """Per partition, (first offset kept, end offset) now; the topic is created if it does not exist yet."""
    await kafka.ensure_topics(bootstrap_servers, [topic], partitions=partitions)
    client = AIOKafkaConsumer(**kafka.connection(bootstrap_servers), enable_auto_commit=False, group_id=None,
                              metadata_max_age_ms=1_000)
    await client.start()
    try:
        found: set[int] = set()
        for _ in range(50):  # a topic created a moment ago may not be in the metadata yet
            found = client.partitions_for_topic(topic) or set()
            if found:
                break
            await client.topics()
            await asyncio.sleep(0.1)
        if not found:
            raise LookupError(f"the broker does not know topic {topic}")
        tps = [TopicPartition(topic, p) for p in sorted(found)]
        begins = await client.beginning_offsets(tps)
        reported = await client.end_offsets(tps)
        ends = await _ends(client, {tp: (begins[tp], reported[tp]) for tp in tps})
        return {tp.partition: (begins[tp], ends[tp]) for tp in tps}
    finally:
        await client.stop()


async def _ends(client: AIOKafkaConsumer, reported: dict[TopicPartition, tuple[int, int]]) -> dict[TopicPartition, int]:
    """The offset after each partition's last record, read from its reported end minus one on."""
    ends = {tp: end for tp, (_, end) in reported.items()}
    to_read = [tp for tp, (begin, end) in reported.items() if end > begin]
    if not to_read:
        return ends
    client.assign(to_read)
    for tp in to_read:
        client.seek(tp, ends[tp] - 1)
    while batches := await client.getmany(*to_read, timeout_ms=_QUIET_MS):
        for tp, records in batches.items():
            if records:
                ends[tp] = max(ends[tp], records[-1].offset + 1)
    return ends
