"""Acceptance 4: simulating lower decile limits as a shadow of the served version counts exactly the households that
would lose eligibility per regency and programme (as the independent reference counts them) and changes nothing live."""

from __future__ import annotations

from collections import defaultdict

from siks_eligibility.application.simulation import simulate_decile_limits
from siks_events.catalog.registry import Program

from ..unit.test_reference import ON, generate, reference
from .expected import all_rows
from .registry import registry_log
from .service import running


async def _live(pool, served: int) -> dict:
    return {**await all_rows(pool, served),
            "slots": [dict(r) for r in await pool.fetch("SELECT * FROM eligibility_slots ORDER BY 1, 2, 3, 4")],
            "events": await pool.fetchval("SELECT count(*) FROM events"),
            "positions": [dict(r) for r in await pool.fetch("SELECT * FROM consumer_positions ORDER BY 1, 2, 3")]}


async def test_simulating_lower_decile_limits_counts_exactly_the_households_losing_and_leaves_the_live_projection_untouched(
        lifecycle, publish):
    households = 300
    await publish(registry_log(households))
    async with running(lifecycle, on=ON) as (_, served):
        live = await _live(lifecycle.pool, served)
        simulation = await simulate_decile_limits(lifecycle.pool, {Program.PKH: 3, Program.SEMBAKO: 2})
        assert await _live(lifecycle.pool, served) == live

    plain = generate(households)
    _, before, regencies = reference(plain, ON, None)
    _, after, _ = reference(plain, ON, None, overrides={"PKH": {"max_decile": 3}, "SEMBAKO": {"max_decile": 2}})
    expected = defaultdict(int)
    for program in ("PKH", "SEMBAKO"):
        for household_id, _ in before[program] - after[program]:
            expected[(regencies[household_id], program)] += 1
    assert simulation.projection_version == served and simulation.on == ON
    assert {(s.regency, s.program.value): s.households_losing for s in simulation.shifts if s.lost} == dict(expected)
    assert sum(expected.values()) > 30 and not any(s.gained for s in simulation.shifts)
    # every regency is reported, those where nobody would lose included
    assert {(s.regency, s.program) for s in simulation.shifts} >= {
        (r, p) for r in set(regencies.values()) for p in (Program.PKH, Program.SEMBAKO)}
