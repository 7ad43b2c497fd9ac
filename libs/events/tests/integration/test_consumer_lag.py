"""Consumer lag counts records, not record batches: the embedded broker reports a partition's end as one past
the first record of its last batch, so lag from end offsets alone misses all but one record of that batch."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition
from siks_events import kafka

from .consumer_support import TOPIC, publish, sample


async def test_the_last_offset_is_read_from_the_last_record_of_a_batch(siks_bootstrap_servers, topic_prefix):
    topic = topic_prefix + TOPIC
    await kafka.ensure_topics(siks_bootstrap_servers, [topic], partitions=2)
    # one producer batch of 10 records, then a batch of 1, then one of 5, all on partition 0 (one key)
    await publish(siks_bootstrap_servers, topic, [sample(f"a{i}", i) for i in range(10)])
    await publish(siks_bootstrap_servers, topic, [sample("b", 0)])
    await publish(siks_bootstrap_servers, topic, [sample(f"c{i}", i) for i in range(5)])

    client = AIOKafkaConsumer(bootstrap_servers=siks_bootstrap_servers, enable_auto_commit=False)
    await client.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(2)]
        ends = await kafka.last_offsets(client, partitions)
    finally:
        await client.stop()
    filled = next(tp for tp in partitions if ends[tp] > 0)
    assert ends[filled] == 16
    assert sorted(ends.values()) == [0, 16], "the empty partition ends at 0"
