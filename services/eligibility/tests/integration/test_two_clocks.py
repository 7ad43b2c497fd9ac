"""Acceptance 5: every answer names its rule version and log position; "eligible on 1 March as we knew it then, and as
we know it now" differ for a death recorded late, and the late death emits compensating events for the memberships."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from siks_eligibility.adapters.postgres import reads, slots
from siks_eligibility.application.queries import household_as_of
from siks_events.catalog.eligibility import EligibilityEnded, EndReason
from siks_events.catalog.registry import Program
from siks_events.pytest_plugin import eventually

from ..unit.test_reference import END_OF_DAY, ON
from .expected import domain_assessment
from .registry import logged_death, registry_log
from .service import running


def _pkh(answer):
    return next(d for d in answer.decisions if d.program is Program.PKH)


async def test_a_death_recorded_late_changes_the_answer_as_known_now_not_as_known_then_and_ends_its_memberships_back_then(
        lifecycle, publish):
    log = registry_log(300)
    before = domain_assessment(log, ON)
    # a PKH household whose one component member is alive, eligible for PBI JK too
    chosen = next(d for d in sorted(before.decisions(Program.PKH), key=lambda d: d.beneficiary)
                  if d.eligible and len(d.inputs["components"]) == 1)
    household_id, nik = chosen.beneficiary.household_id, next(iter(chosen.inputs["components"]))
    died = logged_death(log, household_id, nik, ON - timedelta(days=12))  # recorded now, months after 1 March
    await publish(log)

    async with running(lifecycle, on=ON) as (subscriber, served):
        then_before = await household_as_of(lifecycle.pool, household_id, on=ON, known_at=END_OF_DAY)
        assert _pkh(then_before).eligible
        # the memberships the death affects: PKH (its one component dies) and the person's own (PBI JK, maybe PIP)
        held = {(p, b.nik) for p in Program for b in await slots.holders(lifecycle.pool, p, chosen.regency)
                if b.household_id == household_id and (p is Program.PKH or b.nik == nik)}
        assert (Program.PKH, None) in held and (Program.PBI_JK, nik) in held
        heard_before = await subscriber.heard_everything(lifecycle.pool)

        await publish([died])
        await eventually(lambda: lifecycle.caught_up_with_now(served), timeout=30)

        then = await household_as_of(lifecycle.pool, household_id, on=ON, known_at=END_OF_DAY)
        now = await household_as_of(lifecycle.pool, household_id, on=ON, known_at=None)
        assert then.decisions == then_before.decisions  # what was known on 1 March does not change
        assert _pkh(then).eligible and not _pkh(now).eligible
        assert _pkh(now).end_reason is EndReason.DECEASED and _pkh(now).ended_on == died.event.died_on
        for answer in (then, now):  # each names its rule version and the log position it reflects
            assert all(d.rule_version and d.weights_version for d in answer.decisions)
            assert answer.projection_version == served and sum(answer.positions.values()) >= len(log)
        assert _pkh(then).basis.log_position == died.version - 1 and _pkh(now).basis.log_position == died.version
        assert _pkh(then).basis.known_at == END_OF_DAY and _pkh(now).basis.known_at is None
        served_rows = await reads.decisions_of(lifecycle.pool, household_id)
        assert {(r["program"], r["rule_version"], r["log_position"]) for r in served_rows if r["nik"] == ""} == {
            ("PKH", "pkh-2025.1", died.version), ("SEMBAKO", "sembako-2025.1", died.version)}

        # compensating events: each membership the death ends, ended on the day of death, before the grants
        def ended(events):
            return {(e.program, e.nik): e for e in events if isinstance(e, EligibilityEnded)
                    and e.household_id == household_id}

        found = await eventually(lambda: asyncio.sleep(0, ended(subscriber.events(heard_before))),
                                 until=lambda found: held <= set(found), timeout=30)
        for key in held:
            assert (found[key].reason, found[key].effective_on) == (EndReason.DECEASED, died.event.died_on), key
            assert found[key].effective_on < ON  # it ends a membership granted from 1 March: it compensates
        assert (Program.SEMBAKO, None) not in found  # the household stays in DTKS and within the decile limit
