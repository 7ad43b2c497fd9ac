"""Handlers against the in-memory unit of work: prelist from proposals, idempotent batches, review, access."""

from __future__ import annotations

import dataclasses
import random
from types import SimpleNamespace

import pytest
from siks_events.blobs import FolderBlobStore
from siks_events.catalog.verification import PrelistEntryAdded, PrelistEntryDropped, QualityFlag, VisitRecorded
from siks_events.model import Cause
from siks_events.permissions import NotAccessible
from siks_events.testing import InMemoryEventStore
from siks_verification.application import handlers
from siks_verification.application.batches import upload_visits
from siks_verification.domain import commands
from siks_verification.domain.errors import PhotoNotStored

from ..builders import OTHER_VILLAGE, PHOTO_BYTES, VILLAGE, normal_visit, submitted
from ..memory import InMemoryVerificationUnitOfWork

SUPERVISOR = Cause(actor="spv-mojoroto", role="supervisor", region="357101")
ENUMERATOR = Cause(actor="enum-ani", role="enumerator", region=VILLAGE)
SYSTEM = Cause(actor="/siks-ng/proposals", role="system")


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore()


@pytest.fixture
async def blobs(tmp_path):
    return FolderBlobStore(tmp_path / "blobs", max_bytes=10_000)


def uow(store, cause=SYSTEM) -> InMemoryVerificationUnitOfWork:
    return InMemoryVerificationUnitOfWork(store, cause)


def of_type(store, cls) -> list:
    return [r.event() for r in store.events if r.type == cls.type]


async def assigned_entries(store, count: int, region: str = VILLAGE) -> list:
    proposals = [submitted(f"p-{i}", seed=i, region=region) for i in range(count)]
    for proposal in proposals:
        await handlers.handle_proposal_submitted(proposal, uow(store))
        await handlers.handle_assign_entry(commands.AssignEntry(f"prelist-{proposal.proposal_id}", "enum-ani"),
                                           uow(store, SUPERVISOR))
    return proposals


async def stored_photos(blobs, visits) -> None:
    for visit in visits:
        for photo in visit.photos:
            await blobs.put(PHOTO_BYTES[photo.sha256], photo.content_type)


async def test_a_redelivered_submission_puts_the_household_on_the_prelist_once(store):
    proposal = submitted("p-1")
    await handlers.handle_proposal_submitted(proposal, uow(store))
    await handlers.handle_proposal_submitted(proposal, uow(store))
    [added] = of_type(store, PrelistEntryAdded)
    assert added.entry_id == "prelist-p-1" and added.niks == proposal.niks and added.location == proposal.location


async def test_a_proposal_without_a_visit_adds_nothing(store):
    await handlers.handle_proposal_submitted(submitted("p-1", needs_visit=False), uow(store))
    assert store.events == []


async def test_a_cancelled_proposal_drops_its_entry_and_a_resubmitted_one_puts_it_back(store):
    await handlers.handle_proposal_submitted(submitted("p-1"), uow(store))
    await handlers.handle_proposal_ended("p-1", "returned: address incomplete", uow(store))
    await handlers.handle_proposal_ended("p-1", "returned: address incomplete", uow(store))
    await handlers.handle_proposal_submitted(submitted("p-1"), uow(store))
    assert [r.type for r in store.events] == [PrelistEntryAdded.type, PrelistEntryDropped.type, PrelistEntryAdded.type]


async def test_an_ended_proposal_that_never_needed_a_visit_changes_nothing(store):
    await handlers.handle_proposal_ended("p-9", "rejected", uow(store))
    assert store.events == []


async def test_a_batch_uploaded_twice_creates_each_visit_once(store, blobs):
    proposals = await assigned_entries(store, 4)
    batch = [normal_visit(p, random.Random(i)) for i, p in enumerate(proposals)]
    await stored_photos(blobs, batch)
    first = await upload_visits(batch, lambda: uow(store, ENUMERATOR), blobs=blobs)
    second = await upload_visits(batch, lambda: uow(store, ENUMERATOR), blobs=blobs)
    assert [o.receipt.created for o in first] == [True] * 4 and [o.receipt.created for o in second] == [False] * 4
    assert [o.receipt.visit_id for o in first] == [o.receipt.visit_id for o in second]
    assert len(of_type(store, VisitRecorded)) == len(batch)


async def test_half_a_batch_then_the_whole_batch_creates_each_visit_once(store, blobs):
    proposals = await assigned_entries(store, 6)
    batch = [normal_visit(p, random.Random(i)) for i, p in enumerate(proposals)]
    await stored_photos(blobs, batch)
    await upload_visits(batch[:3], lambda: uow(store, ENUMERATOR), blobs=blobs)
    resent = await upload_visits(batch, lambda: uow(store, ENUMERATOR), blobs=blobs)
    assert [o.receipt.created for o in resent] == [False] * 3 + [True] * 3
    assert len(of_type(store, VisitRecorded)) == len(batch)


async def test_a_visit_naming_a_photo_never_uploaded_is_refused_and_the_rest_of_the_batch_goes_on(store, blobs):
    proposals = await assigned_entries(store, 2)
    batch = [normal_visit(p, random.Random(i)) for i, p in enumerate(proposals)]
    await stored_photos(blobs, batch[1:])
    outcomes = await upload_visits(batch, lambda: uow(store, ENUMERATOR), blobs=blobs)
    assert isinstance(outcomes[0].error, PhotoNotStored) and outcomes[0].error.field == "photos/0/sha256"
    assert outcomes[1].receipt.created and len(of_type(store, VisitRecorded)) == 1


async def test_a_nik_typed_differently_from_the_proposal_is_flagged_on_arrival(store, blobs):
    [proposal] = await assigned_entries(store, 1)
    visit = normal_visit(proposal, random.Random(1))
    visit = dataclasses.replace(visit, findings=visit.findings.model_copy(update={"nik_entered": "3571014101900002"}))
    await stored_photos(blobs, [visit])
    [outcome] = await upload_visits([visit], lambda: uow(store, ENUMERATOR), blobs=blobs)
    assert outcome.receipt.flags == (QualityFlag.NIK_MISMATCH,)


async def test_an_entry_in_another_region_and_a_missing_entry_are_refused_alike(store):
    await handlers.handle_proposal_submitted(submitted("p-0", region=OTHER_VILLAGE), uow(store))
    errors = []
    for entry_id in ("prelist-p-0", "prelist-nowhere"):
        with pytest.raises(NotAccessible) as refused:
            await handlers.handle_assign_entry(commands.AssignEntry(entry_id, "enum-ani"), uow(store, SUPERVISOR))
        errors.append((refused.value.code, refused.value.detail.replace(entry_id, "<id>")))
    assert errors[0] == errors[1]


async def test_a_rejected_visit_puts_the_entry_back_and_a_second_visit_can_be_accepted(store, blobs):
    [proposal] = await assigned_entries(store, 1)
    first, second = (normal_visit(proposal, random.Random(i), client_visit_id=f"c-{i}") for i in (1, 2))
    await stored_photos(blobs, [first, second])
    [one] = await upload_visits([first], lambda: uow(store, ENUMERATOR), blobs=blobs)
    await handlers.handle_reject_visit(commands.RejectVisit(one.receipt.visit_id, "no KK photo"), uow(store, SUPERVISOR))
    [two] = await upload_visits([second], lambda: uow(store, ENUMERATOR), blobs=blobs)
    await handlers.handle_accept_visit(commands.AcceptVisit(two.receipt.visit_id, identity_confirmed=True),
                                       uow(store, SUPERVISOR))
    assert [r.type.split(".")[2] for r in store.events[-4:]] == [
        "visit-recorded", "visit-rejected", "visit-recorded", "visit-accepted"]


async def test_a_photo_claimed_with_another_size_or_type_than_stored_is_refused(store, blobs):
    [proposal] = await assigned_entries(store, 1)
    visit = normal_visit(proposal, random.Random(1))
    await stored_photos(blobs, [visit])
    claimed = visit.photos[0].model_copy(update={"content_type": "image/png"})
    [outcome] = await upload_visits([dataclasses.replace(visit, photos=(claimed,))],
                                    lambda: uow(store, ENUMERATOR), blobs=blobs)
    assert isinstance(outcome.error, PhotoNotStored) and outcome.error.field == "photos/0"


async def test_a_visit_in_another_region_and_a_missing_visit_are_refused_alike_on_review(store, blobs):
    [proposal] = await assigned_entries(store, 1)
    visit = normal_visit(proposal, random.Random(1))
    await stored_photos(blobs, [visit])
    [outcome] = await upload_visits([visit], lambda: uow(store, ENUMERATOR), blobs=blobs)
    elsewhere = Cause(actor="spv-other", role="supervisor", region="350601")
    errors = []
    for visit_id, cause in ((outcome.receipt.visit_id, elsewhere), ("visit-nowhere", SUPERVISOR)):
        with pytest.raises(NotAccessible) as refused:
            await handlers.handle_accept_visit(commands.AcceptVisit(visit_id, identity_confirmed=True), uow(store, cause))
        errors.append((refused.value.code, refused.value.detail.replace(visit_id, "<id>")))
    assert errors[0] == errors[1]


async def test_an_event_of_another_catalogue_on_the_proposals_topic_is_refused_for_the_dead_letter_topic(store):
    from siks_events.catalog.verification import VisitAssigned
    from siks_events.consumer import UnexpectedEventType
    from siks_verification.adapters.consumers import apply_proposal_event

    misrouted = VisitAssigned(entry_id="e", proposal_id="p", enumerator="x", supervisor="y")
    with pytest.raises(UnexpectedEventType):
        await apply_proposal_event(misrouted, SimpleNamespace(type=misrouted.type), uow(store))
