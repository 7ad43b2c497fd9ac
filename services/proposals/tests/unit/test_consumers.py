"""Which consumed events the proposals service acts on, ignores as not its concern, or refuses as misrouted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from siks_events.catalog.dukcapil import DukcapilDeathRecorded
from siks_events.catalog.registry import HeadChanged, MemberDeceased
from siks_events.catalog.verification import PrelistEntryAdded, VisitRejected
from siks_events.consumer import UnexpectedEventType
from siks_events.envelope import Envelope
from siks_events.testing import InMemoryEventStore
from siks_proposals.adapters.consumers import apply_registry_event, apply_verification_event
from siks_proposals.adapters.memory import InMemoryProposalsUnitOfWork
from siks_proposals.domain.errors import MissingStreamPosition

from ..builders import ANI, HOUSEHOLD, VILLAGE, dtks_household


def _envelope(event, **extensions) -> Envelope:
    return Envelope(id="e-1", source="/elsewhere", type=event.type, subject="s", time=datetime.now(UTC),
                    data=event.model_dump(mode="json"), extensions=extensions)


@pytest.fixture
def uow() -> InMemoryProposalsUnitOfWork:
    return InMemoryProposalsUnitOfWork(InMemoryEventStore(), households={HOUSEHOLD: dtks_household()})


async def test_an_event_of_another_service_on_either_topic_is_refused_as_misrouted(uow):
    death = DukcapilDeathRecorded(nik=ANI.nik, name="Ani", died_on=date(2026, 10, 2), certificate_number="KM-1")
    for apply in (apply_registry_event, apply_verification_event):
        with pytest.raises(UnexpectedEventType):
            await apply(death, _envelope(death), uow)
    assert uow.commits == 0


async def test_events_that_do_not_concern_proposals_are_acknowledged_without_opening_the_unit_of_work(uow):
    head = HeadChanged(household_id=HOUSEHOLD, nik=ANI.nik)
    await apply_registry_event(head, _envelope(head, streamversion="2"), uow)
    entry = PrelistEntryAdded(entry_id="e-1", proposal_id="p-1", region_code=VILLAGE, period="2026-11")
    rejected = VisitRejected(visit_id="v-1", entry_id="e-1", proposal_id="p-1", supervisor="sup-1",
                             reason="photos blurred")
    for event in (entry, rejected):
        await apply_verification_event(event, _envelope(event), uow)
    assert (uow.commits, uow.events.events) == (0, [])


async def test_a_registry_fact_without_its_stream_version_cannot_be_ordered_and_is_refused(uow):
    death = MemberDeceased(household_id=HOUSEHOLD, nik=ANI.nik, died_on=date(2026, 10, 2))
    with pytest.raises(MissingStreamPosition):
        await apply_registry_event(death, _envelope(death), uow)
    assert uow.dtks[HOUSEHOLD].member(ANI.nik).active
