"""Acceptance 2: a death in a PKH household under a full quota frees its slot for the next household on the waiting
list, as events on the eligibility service's own topic that a subscriber receives."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from siks_eligibility.adapters.postgres import slots
from siks_eligibility.application import queries
from siks_eligibility.domain.decision import Beneficiary
from siks_eligibility.domain.quota import reallocate
from siks_events.catalog.eligibility import EligibilityEnded, EligibilityGranted, EndReason, QuotaSlotReallocated
from siks_events.catalog.registry import Program
from siks_events.pytest_plugin import eventually

from ..unit.test_reference import ON
from .expected import domain_assessment
from .registry import logged_death, registry_log
from .service import running

PKH = Program.PKH


def _death_of_the_only_component(log, assessment, regency: str, holders: set[Beneficiary]):
    """A holder whose one PKH component member dies, chosen so that the death ends that holder's slot alone (and not
    also by moving the household past the decile limit):
    (household id, NIK, the reallocation the domain expects)."""
    for decision in sorted(assessment.decisions(PKH), key=lambda d: d.beneficiary):
        components = decision.inputs.get("components", {})
        if decision.beneficiary not in holders or len(components) != 1:
            continue
        household_id, nik = decision.beneficiary.household_id, next(iter(components))
        died = logged_death(log, household_id, nik, ON - timedelta(days=12))
        after = domain_assessment([*log, died], ON)
        expected = reallocate(after, program=PKH, regency=regency, quota=len(holders), beneficiaries=holders)
        ended = [e for e in expected if isinstance(e, EligibilityEnded)]
        if [(e.household_id, e.reason) for e in ended] == [(household_id, EndReason.DECEASED)]:
            return died, expected
    raise AssertionError("no holder whose death ends its slot alone")


def _key(event) -> tuple:
    return type(event).__name__, *[(k, v) for k, v in sorted(event.model_dump(mode="json").items()) if k != "log_position"]


async def test_a_death_in_a_pkh_household_under_a_full_quota_gives_its_slot_to_the_next_ranked_household_on_the_waiting_list(
        lifecycle, publish):
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

    async with running(lifecycle, on=ON) as (subscriber, served):
        holders = set(await slots.holders(lifecycle.pool, PKH, regency))
        assert len(holders) == quota, "the quota is full"
        assert holders <= {d.beneficiary for d in eligible[regency]}

        heard_before = await subscriber.heard_everything(lifecycle.pool)
        died, expected = _death_of_the_only_component(log, before, regency, holders)
        waiting = [d for d in before.ranked_eligible(PKH, regency) if d.beneficiary not in holders]
        await publish([died])

        def reallocated(events):
            return [e for e in events if isinstance(e, QuotaSlotReallocated) and e.program is PKH
                    and e.from_household_id == died.household_id]

        found = await eventually(lambda: asyncio.sleep(0, subscriber.events(heard_before)), until=reallocated, timeout=30)
        slot = reallocated(found)[0]
        assert (slot.reason, slot.program, slot.regency) == (EndReason.DECEASED, PKH, regency)
        assert slot.to_household_id == waiting[0].beneficiary.household_id  # the first on the waiting list
        ended = [e for e in found
                 if isinstance(e, EligibilityEnded) and e.program is PKH and e.household_id == died.household_id]
        assert [(e.reason, e.effective_on) for e in ended] == [(EndReason.DECEASED, died.event.died_on)]
        granted = [e for e in found if isinstance(e, EligibilityGranted) and e.household_id == slot.to_household_id
                   and e.program is PKH]
        assert len(granted) == 1 and granted[0].rule_version == "pkh-2025.1"
        await eventually(lambda: asyncio.sleep(0, subscriber.events(heard_before)),
                         until=lambda events: {_key(e) for e in expected} <= {_key(e) for e in events}, timeout=10)

        # the slot moved in the service's own state too, and nothing was given twice
        assert set(await slots.holders(lifecycle.pool, PKH, regency)) == \
            holders - {Beneficiary(died.household_id)} | {Beneficiary(slot.to_household_id)}
        envelope = next(e for e in subscriber.received[heard_before:] if e.type == QuotaSlotReallocated.type)
        assert envelope.source == "/siks-ng/eligibility" and envelope.subject and envelope.time
        assert envelope.key == slots.stream_of(PKH, regency)  # one stream per programme and regency: one partition

        # a raised quota gives the new slot to the first household now waiting
        first_waiting = (await queries.waiting_list(lifecycle.pool, PKH, regency)).waiting[0].beneficiary
        await slots.set_quota(lifecycle.pool, PKH, regency, quota + 1)
        await lifecycle.reallocate(served, [regency])
        assert set(await slots.holders(lifecycle.pool, PKH, regency)) == \
            holders - {Beneficiary(died.household_id)} | {Beneficiary(slot.to_household_id), first_waiting}
