"""Acceptance 2: a death in a PKH household under a full quota frees its slot for the next household on the waiting
list, as events on the eligibility service's own topic that a subscriber receives."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer
from siks_eligibility import worker
from siks_eligibility.adapters.postgres import slots
from siks_eligibility.domain.decision import Beneficiary
from siks_eligibility.domain.quota import reallocate
from siks_events import kafka
from siks_events.catalog.eligibility import TOPIC, EligibilityEnded, EligibilityGranted, EndReason, QuotaSlotReallocated
from siks_events.catalog.registry import MemberDeceased, Program
from siks_events.envelope import Envelope
from siks_events.pytest_plugin import eventually
from siks_events.relay import OutboxRelay

from ..unit.test_reference import ON
from .conftest import PARTITIONS
from .expected import domain_assessment
from .registry import LoggedRegistryEvent, registry_log

PKH = Program.PKH


class Subscriber:
    """A plain Kafka consumer of the eligibility topic, as BPJS or any other subscriber would read it."""

    def __init__(self, bootstrap_servers: str, topic: str) -> None:
        self.client = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, group_id=None,
                                       auto_offset_reset="earliest", enable_auto_commit=False, metadata_max_age_ms=500)
        self.received: list[Envelope] = []

    async def run(self) -> None:
        await self.client.start()
        try:
            while True:
                for records in (await self.client.getmany(timeout_ms=200)).values():
                    self.received.extend(Envelope.from_kafka(r.key, r.value, r.headers) for r in records)
        finally:
            await self.client.stop()

    def events(self, since: int = 0) -> list:
        return [e.event() for e in self.received[since:]]


def _death_of_the_only_component(log, assessment, regency: str, holders: set[Beneficiary]):
    """A holder whose one PKH component member dies, chosen so that the death ends that holder's slot alone (and not
    also by moving the household past the decile limit):
    (household id, NIK, the reallocation the domain expects)."""
    for decision in sorted(assessment.decisions(PKH), key=lambda d: d.beneficiary):
        components = decision.inputs.get("components", {})
        if decision.beneficiary not in holders or len(components) != 1:
            continue
        household_id, nik = decision.beneficiary.household_id, next(iter(components))
        died = _logged_death(log, household_id, nik)
        after = domain_assessment([*log, died], ON)
        expected = reallocate(after, program=PKH, regency=regency, quota=len(holders), beneficiaries=holders)
        ended = [e for e in expected if isinstance(e, EligibilityEnded)]
        if [(e.household_id, e.reason) for e in ended] == [(household_id, EndReason.DECEASED)]:
            return died, expected
    raise AssertionError("no holder whose death ends its slot alone")


def _logged_death(log, household_id: str, nik: str) -> LoggedRegistryEvent:
    version = max(e.version for e in log if e.household_id == household_id) + 1
    return LoggedRegistryEvent(log[-1].position + 1, household_id, version,
                               MemberDeceased(household_id=household_id, nik=nik, died_on=ON - timedelta(days=12)),
                               datetime.now(UTC))


def _key(event) -> tuple:
    return type(event).__name__, *[(k, v) for k, v in sorted(event.model_dump(mode="json").items()) if k != "log_position"]


async def test_a_death_in_a_pkh_household_under_a_full_quota_gives_its_slot_to_the_next_ranked_household_on_the_waiting_list(
        lifecycle, publish, siks_bootstrap_servers, topic_prefix):
    log = registry_log(300)
    before = domain_assessment(log, ON)
    eligible = {}
    for decision in before.decisions(PKH):
        if decision.eligible:
            eligible.setdefault(decision.regency, []).append(decision)
    regency = max(eligible, key=lambda r: len(eligible[r]))
    quota = len(eligible[regency]) - 5  # five households wait
    await slots.set_quota(lifecycle.pool, PKH, regency, quota)
    await publish(log)

    topic = topic_prefix + TOPIC
    await kafka.ensure_topics(siks_bootstrap_servers, [topic], partitions=PARTITIONS)
    subscriber = Subscriber(siks_bootstrap_servers, topic)
    relay = OutboxRelay(lifecycle.pool, bootstrap_servers=siks_bootstrap_servers, source="/siks-ng/eligibility",
                        topic_prefix=topic_prefix, partitions=PARTITIONS, idle_interval=0.1)
    tasks = [asyncio.create_task(t) for t in (subscriber.run(), relay.run(), worker.run(lifecycle, on=ON, poll=0.2))]
    try:
        served = await eventually(lambda: lifecycle.pool.fetchval("SELECT version FROM eligibility_pointer"),
                                  until=lambda v: v is not None, timeout=20)
        await eventually(lambda: lifecycle.caught_up_with_now(served), timeout=40)
        holders = set(await slots.holders(lifecycle.pool, PKH, regency))
        assert len(holders) == quota, "the quota is full"
        assert holders <= {d.beneficiary for d in eligible[regency]}

        stored = await lifecycle.pool.fetchval("SELECT count(*) FROM events")
        await eventually(lambda: asyncio.sleep(0, len(subscriber.received)), until=lambda n: n == stored, timeout=30)
        died, expected = _death_of_the_only_component(log, before, regency, holders)
        waiting = [d for d in before.ranked_eligible(PKH, regency) if d.beneficiary not in holders]
        await publish([died])
        heard_before = len(subscriber.received)

        def reallocated(events):
            return [e for e in events if isinstance(e, QuotaSlotReallocated) and e.program is PKH and e.from_household_id == died.household_id]

        found = await eventually(lambda: asyncio.sleep(0, subscriber.events(heard_before)), until=reallocated, timeout=30)
        slot = reallocated(found)[0]
        assert (slot.reason, slot.program, slot.regency) == (EndReason.DECEASED, PKH, regency)
        assert slot.to_household_id == waiting[0].beneficiary.household_id  # the first on the waiting list
        ended = [e for e in found if isinstance(e, EligibilityEnded) and e.program is PKH and e.household_id == died.household_id]
        assert [(e.reason, e.effective_on) for e in ended] == [(EndReason.DECEASED, died.event.died_on)]
        granted = [e for e in found if isinstance(e, EligibilityGranted) and e.household_id == slot.to_household_id
                   and e.program is PKH]
        assert len(granted) == 1 and granted[0].rule_version == "pkh-2025.1"
        await eventually(lambda: asyncio.sleep(0, subscriber.events(heard_before)),
                         until=lambda events: {_key(e) for e in expected} <= {_key(e) for e in events}, timeout=10)

        # the slot moved in the service's own state too, and nothing was given twice
        assert set(await slots.holders(lifecycle.pool, PKH, regency)) == \
            holders - {Beneficiary(died.household_id)} | {Beneficiary(slot.to_household_id)}
        envelope = next(e for e in subscriber.received if e.type == QuotaSlotReallocated.type)
        assert envelope.source == "/siks-ng/eligibility" and envelope.subject and envelope.time
        assert envelope.key == slots.stream_of(PKH, regency)  # one stream per programme and regency: one partition
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
