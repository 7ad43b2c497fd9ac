"""Backtest: the rules over the last twelve month ends, each as the registry knew it then, against the reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from siks_eligibility.application.backtest import backtest, month_ends
from siks_events.catalog.registry import Program

from ..unit.test_reference import ON, generate, reference
from .registry import registry_log
from .service import running

REGISTERED = date(2026, 1, 5)  # every generated household's registration


def test_the_month_ends_are_the_last_twelve_on_or_before_the_day():
    assert month_ends(date(2026, 3, 1), 12)[0] == date(2025, 3, 31)
    assert month_ends(date(2026, 3, 1), 12)[-1] == date(2026, 2, 28)
    assert month_ends(date(2024, 2, 29), 2) == [date(2024, 1, 31), date(2024, 2, 29)]


async def test_a_backtest_reports_each_month_end_as_known_then_as_the_reference_computes_it(lifecycle, publish):
    households = 300
    await publish(registry_log(households))
    async with running(lifecycle, on=ON) as (_, served):
        report = await backtest(lifecycle.pool, months=12, limits={Program.PKH: 3})
    assert report.projection_version == served and report.rule_versions[Program.PKH] == "pkh-2025.1+max-decile-3"
    plain = generate(households)
    previous: dict[str, set] = {p.value: set() for p in Program}
    for month_end in month_ends(ON, 12):
        rows = {m.program.value: m for m in report.months if m.month_end == month_end}
        if month_end < REGISTERED:  # nobody was registered yet (the reference knows no registration date)
            assert all(m.eligible == m.entered == m.left == 0 for m in rows.values()), month_end
            continue
        _, expected, _ = reference(plain, month_end, datetime.combine(month_end, time.max, tzinfo=UTC),
                                   overrides={"PKH": {"max_decile": 3}})
        for program, found in expected.items():
            month = rows[program]
            assert (month.eligible, month.households) == (len(found), len({h for h, _ in found})), (month_end, program)
            assert (month.entered, month.left) == (len(found - previous[program]), len(previous[program] - found))
        previous = expected
    assert any(m.left for m in report.months)  # deaths and moves recorded by the end of February show
