"""The watch on the registry's topic observes where the topic really ends, the last record of its last batch:
the embedded broker reports the start of that batch, and a copy that had read only that far is not caught up."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from siks_events import kafka
from siks_integration.adapters.dtks_horizon import RegistryHorizon
from siks_integration.settings import IntakeSettings

RECORDS = 12


async def test_the_observed_end_is_past_the_last_record_of_one_large_batch(pool, siks_bootstrap_servers, topic_prefix):
    topic = topic_prefix + "siks.registry.events"
    await kafka.ensure_topics(siks_bootstrap_servers, [topic], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=siks_bootstrap_servers, linger_ms=500)
    await producer.start()
    try:  # sent together, one produce request: one record batch of 12 on the broker
        sent = [await producer.send(topic, b"{}", key=b"household-1") for _ in range(RECORDS)]
        for future in sent:
            await future
    finally:
        await producer.stop()

    watcher = RegistryHorizon(pool, bootstrap_servers=siks_bootstrap_servers, topic=topic, settings=IntakeSettings())
    client = AIOKafkaConsumer(bootstrap_servers=siks_bootstrap_servers, enable_auto_commit=False)
    await client.start()
    try:
        await watcher.observe(client)
    finally:
        await client.stop()
    [(_, ends)] = list(watcher.observations)
    assert ends == {0: RECORDS}
    assert watcher.caught_up_to({0: RECORDS - 1}) is None  # one record short is not caught up
    assert watcher.caught_up_to({0: RECORDS}) is not None
