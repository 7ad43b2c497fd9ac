"""The registry's own series at /metrics: deaths applied, persons deactivated and how long a death report took."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Counter, Histogram
from siks_events.catalog.registry import MemberDeceased, MemberMovedOut
from siks_events.envelope import Envelope
from siks_events.store import RecordedEvent
from siks_events.uow import UnitOfWork

deaths_applied = Counter("siks_deaths_applied", "Deaths reported by Dukcapil that deactivated a member of DTKS.")
persons_deactivated = Counter(
    "siks_persons_deactivated", "Members who stopped being active in DTKS, by why (deceased, moved_out).",
    ["reason"])
death_report_delay = Histogram(
    "siks_death_report_delay_seconds",
    "From the integration service's acceptance of a death report to the member's deactivation here.",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400))

_DEACTIVATIONS = {MemberDeceased.type: "deceased", MemberMovedOut.type: "moved_out"}
for _reason in _DEACTIVATIONS.values():
    persons_deactivated.labels(_reason)  # each series exists, at 0, before the first one


def count_deactivations(uow: UnitOfWork, recorded: list[RecordedEvent]) -> None:
    """Count the members `recorded` deactivates, once the change is durable."""
    reasons = [_DEACTIVATIONS[r.type] for r in recorded if r.type in _DEACTIVATIONS]
    if reasons:
        uow.on_committed(lambda: [persons_deactivated.labels(reason).inc() for reason in reasons])


def observe_death_applied(uow: UnitOfWork, report: Envelope) -> None:
    """A death report deactivated a member: count it and its delay since the report was accepted (the time of
    the integration service's deceased-reported event), once the change is durable."""
    if not any(r.type == MemberDeceased.type for r in uow.recorded):
        return  # a person outside DTKS, or already deceased

    def observe() -> None:
        deaths_applied.inc()
        death_report_delay.observe(max(0.0, (datetime.now(UTC) - report.time).total_seconds()))

    uow.on_committed(observe)
