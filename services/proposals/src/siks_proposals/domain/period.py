"""Monthly periods of the DTKS update: a proposal belongs to the month it was submitted in, per regency."""

from __future__ import annotations

from datetime import date

from siks_events.catalog.proposals import PeriodClosed
from siks_events.model import Aggregate, Event

from siks_proposals.domain.errors import PeriodNotStarted


def period_of(day: date) -> str:
    """The period (YYYY-MM) a day falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def next_period(period: str) -> str:
    """The month after `period`."""
    year, month = (int(part) for part in period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def regency_of(region_code: str) -> str:
    """The regency/city (kabupaten/kota) code of a village or sub-district code."""
    return region_code[:4]


class Period(Aggregate):
    """A regency's monthly period (periode pemutakhiran); the office closes it, later submissions go to the next."""

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.closed_on: date | None = None

    @staticmethod
    def stream_id(regency_code: str, period: str) -> str:
        return f"period-{regency_code}-{period}"

    @classmethod
    def of(cls, regency_code: str, period: str) -> Period:
        """A period nobody has closed yet."""
        return cls(cls.stream_id(regency_code, period))

    @property
    def closed(self) -> bool:
        return self.closed_on is not None

    def close(self, regency_code: str, period: str, today: date) -> None:
        """Close the period from `today`; a period not yet begun is refused, a repeat changes nothing."""
        if period > period_of(today):
            raise PeriodNotStarted(f"period {period} has not begun (today is in {period_of(today)})")
        if self.closed:
            return
        self._record(PeriodClosed(regency_code=regency_code, period=period, closed_on=today))

    def _apply(self, event: Event) -> None:
        match event:
            case PeriodClosed(closed_on=closed_on):
                self.closed_on = closed_on
