"""Monthly periods: which month a day falls in, the next one, and closing one."""

from __future__ import annotations

from datetime import date

import pytest
from siks_events.catalog.proposals import PeriodClosed
from siks_proposals.domain.errors import PeriodNotStarted
from siks_proposals.domain.period import Period, next_period, period_of

from ..builders import REGENCY


def test_a_day_belongs_to_its_month():
    assert period_of(date(2026, 11, 30)) == "2026-11"


def test_after_december_comes_january_of_the_next_year():
    assert [next_period("2026-11"), next_period("2026-12")] == ["2026-12", "2027-01"]


def test_closing_a_period_records_the_day_and_a_second_close_records_nothing():
    period = Period.of(REGENCY, "2026-11")
    period.close(REGENCY, "2026-11", date(2026, 11, 28))
    period.close(REGENCY, "2026-11", date(2026, 11, 29))
    assert period.collect_events() == [PeriodClosed(regency_code=REGENCY, period="2026-11", closed_on=date(2026, 11, 28))]
    assert period.closed and period.id == "period-3571-2026-11"


def test_a_period_that_has_not_begun_cannot_be_closed():
    period = Period.of(REGENCY, "2026-12")
    with pytest.raises(PeriodNotStarted):
        period.close(REGENCY, "2026-12", date(2026, 11, 28))
    assert period.pending_events == [] and not period.closed
