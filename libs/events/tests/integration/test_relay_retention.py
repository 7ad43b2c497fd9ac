"""Point 2: records removed by retention are not lost records, and the relay does not republish for them.

The embedded broker (Tansu) closes the connection on DeleteRecords, so the probe is tested against a
small fake of the consumer calls it makes; the relay's reaction against the real store."""

from __future__ import annotations

from aiokafka import TopicPartition
from aiokafka.errors import OffsetOutOfRangeError
from siks_events import kafka
from siks_events.relay import OutboxRelay

TP = TopicPartition("t", 0)


class Record:
    def __init__(self, offset: int) -> None:
        self.offset, self.key, self.value = offset, b"k", b"{}"
        self.headers = [("ce_id", f"id-{offset}".encode())]


class Partition:
    """What `kafka.probe` asks of a consumer, for one partition holding offsets [start, end)."""

    def __init__(self, start: int, end: int) -> None:
        self.first, self.end, self.position = start, end, 0

    async def start(self) -> None: ...  # noqa: E704 - the fake's no-op lifecycle

    async def topics(self):
        return {TP.topic}

    def partitions_for_topic(self, topic):
        return {0}

    def assign(self, partitions) -> None: ...  # noqa: E704

    def seek(self, tp, offset) -> None:
        self.position = offset

    async def beginning_offsets(self, partitions):
        return {TP: self.first}

    async def end_offsets(self, partitions):
        return {TP: self.end}

    async def getmany(self, tp, timeout_ms, max_records):
        if not self.first <= self.position < self.end:
            raise OffsetOutOfRangeError({TP: self.position})
        return {TP: [Record(self.position)]}


async def probe(start: int, end: int, offset: int) -> str:
    return await kafka._read_at(Partition(start, end), TP, offset, timeout=0.1)


async def test_an_offset_below_the_log_start_was_retained_away_not_lost():
    assert await probe(start=100, end=150, offset=40) == kafka.Probe.RETAINED
    assert await probe(start=100, end=100, offset=99) == kafka.Probe.RETAINED  # everything retained away


async def test_an_offset_at_or_past_the_end_is_lost_and_a_held_one_is_read():
    assert await probe(start=100, end=150, offset=150) == kafka.Probe.GONE
    assert await probe(start=0, end=0, offset=7) == kafka.Probe.GONE  # a broker that came back empty
    assert await probe(start=100, end=150, offset=120) == "id-120"


async def test_the_relay_does_not_republish_for_retained_records(store_pool, monkeypatch):
    relay = OutboxRelay(store_pool, bootstrap_servers="unused:9092", source="/siks-ng/test")
    await relay.take_lead()
    relay.state.acked_offsets = {"t:0": {"offset": 40, "id": "id-40"}, "t:1": {"offset": 5, "id": "id-5"}}

    async def probe_many(bootstrap_servers, offsets):
        return dict.fromkeys(offsets, kafka.Probe.RETAINED)

    monkeypatch.setattr(kafka, "probe_many", probe_many)
    assert await relay.check_broker() is False
    assert relay.republished == 0

    async def lost(bootstrap_servers, offsets):
        return {tp: kafka.Probe.GONE if tp.partition == 1 else kafka.Probe.RETAINED for tp in offsets}

    monkeypatch.setattr(kafka, "probe_many", lost)
    assert await relay.check_broker() is True
    assert relay.republished == 1 and relay.state.watermark == 0
    await relay.step_down()
