"""Acceptance 4 through the handlers: 30 normal generated visits in a village earn no flag; each planted case does."""

from __future__ import annotations

import dataclasses
import random

from siks_events.blobs import FolderBlobStore
from siks_events.catalog.verification import Position, QualityFlag
from siks_events.model import Cause
from siks_events.testing import InMemoryEventStore
from siks_verification.application import handlers
from siks_verification.application.batches import upload_visits
from siks_verification.domain import commands

from ..builders import CENTRE, ENUMERATORS, PHOTO_BYTES, VILLAGE, normal_visit, submitted
from ..memory import InMemoryVerificationUnitOfWork

SUPERVISOR = Cause(actor="spv", role="supervisor", region=VILLAGE)


def as_enumerator(name: str) -> Cause:
    return Cause(actor=name, role="enumerator", region=VILLAGE)


async def village_with_thirty_visits(tmp_path):
    store, blobs = InMemoryEventStore(), FolderBlobStore(tmp_path / "blobs", max_bytes=10_000)
    proposals = [submitted(f"p-{i}", seed=i) for i in range(34)]
    for i, proposal in enumerate(proposals):
        await handlers.handle_proposal_submitted(proposal, InMemoryVerificationUnitOfWork(store))
        await handlers.handle_assign_entry(commands.AssignEntry(f"prelist-{proposal.proposal_id}", ENUMERATORS[i % 3]),
                                           InMemoryVerificationUnitOfWork(store, SUPERVISOR))
    rng = random.Random(7)
    normal = [normal_visit(p, rng) for p in proposals[:30]]
    receipts = []
    for i, visit in enumerate(normal):
        await blobs.put(PHOTO_BYTES[visit.photos[0].sha256], "image/jpeg")
        receipts += await upload_visits([visit], lambda i=i: InMemoryVerificationUnitOfWork(
            store, as_enumerator(ENUMERATORS[i % 3])), blobs=blobs)
    return store, blobs, proposals, normal, receipts


async def test_thirty_normal_visits_earn_no_flag_and_each_planted_visit_earns_its_own(tmp_path):
    store, blobs, proposals, normal, receipts = await village_with_thirty_visits(tmp_path)
    assert [r.receipt.flags for r in receipts] == [()] * 30

    rng = random.Random(8)
    base = [normal_visit(p, rng) for p in proposals[30:]]
    for visit in base:
        await blobs.put(PHOTO_BYTES[visit.photos[0].sha256], "image/jpeg")
    far = dataclasses.replace(base[0], position=Position(lat=CENTRE[0] + 0.1, lon=CENTRE[1], accuracy_m=8))
    short = dataclasses.replace(base[1], ended_at=base[1].started_at + (base[1].ended_at - base[1].started_at) / 10)
    reused = dataclasses.replace(base[2], photos=normal[0].photos)
    wrong_nik = dataclasses.replace(base[3], findings=base[3].findings.model_copy(
        update={"nik_entered": "3571014101900002"}))
    flags = []
    for i, visit in zip(range(30, 34), (far, short, reused, wrong_nik), strict=True):
        [outcome] = await upload_visits([visit], lambda i=i: InMemoryVerificationUnitOfWork(
            store, as_enumerator(ENUMERATORS[i % 3])), blobs=blobs)
        flags.append(outcome.receipt.flags)
    assert flags == [
        (QualityFlag.FAR_FROM_HOUSEHOLD, QualityFlag.FAR_FROM_VILLAGE),
        (QualityFlag.DURATION_OUTLIER,),
        (QualityFlag.PHOTO_REUSED,),
        (QualityFlag.NIK_MISMATCH,),
    ]
