"""When a consumer decides the broker lost its data (rewind) and when it must not: retention and
expired group offsets are not loss."""

from __future__ import annotations

from aiokafka import TopicPartition
from siks_events import kafka
from siks_events.consumer import IdempotentConsumer
from siks_events.consumer.positions import Position

TP = TopicPartition("siks.registry.events", 0)
AT_500 = Position(500, "ev-499")


def consumer_at(position: Position) -> IdempotentConsumer:
    async def handler(event, envelope, uow) -> None:
        return None

    consumer = IdempotentConsumer(name="c", pool=None, bootstrap_servers="unused:9092", topics=["t"],  # type: ignore[arg-type]
                                  handler=handler)
    consumer.positions[TP] = position
    return consumer


async def test_a_record_removed_by_retention_is_not_loss():
    assert await consumer_at(Position(500, "ev-499"))._lost(TP, AT_500, kafka.Probe.RETAINED) is False


async def test_the_record_still_there_is_no_loss_even_when_the_group_offsets_expired():
    # No Kafka client at all: asking for committed offsets would fail; they must not be consulted.
    assert await consumer_at(Position(500, "ev-499"))._lost(TP, AT_500, "ev-499") is False


async def test_another_record_at_our_offset_or_none_at_all_is_loss():
    assert await consumer_at(Position(500, "ev-499"))._lost(TP, AT_500, "ev-12") is True
    assert await consumer_at(Position(500, "ev-499"))._lost(TP, AT_500, kafka.Probe.GONE) is True


async def test_a_broker_that_does_not_answer_decides_nothing():
    assert await consumer_at(Position(500, "ev-499"))._lost(TP, AT_500, kafka.Probe.UNKNOWN) is None
