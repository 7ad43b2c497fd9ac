"""Command and event handlers: load, decide, commit."""

from __future__ import annotations

from dataclasses import dataclass

from siks_events.blobs import BlobStore
from siks_events.catalog.proposals import ProposalSubmitted
from siks_events.catalog.verification import Photo, PrelistEntryAdded, QualityFlag

from siks_verification.application.uow import VerificationUnitOfWork
from siks_verification.domain import commands
from siks_verification.domain.errors import PhotoNotStored
from siks_verification.domain.prelist import PrelistEntry, entry_id_for
from siks_verification.domain.quality import VisitFacts, quality_flags
from siks_verification.domain.visit import Visit, visit_id_for


@dataclass(frozen=True)
class VisitReceipt:
    """What a phone is told about one uploaded visit: its id, whether this upload created it, its flags."""

    visit_id: str
    created: bool
    flags: tuple[QualityFlag, ...]


async def handle_proposal_submitted(event: ProposalSubmitted, uow: VerificationUnitOfWork) -> None:
    """A proposal that needs a visit puts its household on the village's prelist (again, if re-submitted)."""
    entry_id = entry_id_for(event.proposal_id)
    added = PrelistEntryAdded(
        entry_id=entry_id, proposal_id=event.proposal_id, region_code=event.region_code, period=event.period,
        household_id=event.household_id, kk_number=event.kk_number, address=event.address, niks=event.niks,
        names=event.names, location=event.location,
    )
    async with uow:
        if event.needs_visit:
            entry = await uow.find_entry(entry_id)
            if entry is None:
                uow.add(PrelistEntry.add(entry_id, added))
            else:
                entry.add_again(added)
        await uow.commit()


async def handle_proposal_ended(proposal_id: str, reason: str, uow: VerificationUnitOfWork) -> None:
    """A proposal cancelled, rejected, returned or closed takes its entry off the prelist if no visit was accepted."""
    async with uow:
        entry = await uow.find_entry(entry_id_for(proposal_id))
        if entry is not None:  # most proposals never needed a visit
            entry.drop(reason)
        await uow.commit()


async def handle_assign_entry(cmd: commands.AssignEntry, uow: VerificationUnitOfWork) -> None:
    async with uow:
        entry = await uow.accessible_entry(cmd.entry_id)
        entry.assign(cmd.enumerator, supervisor=uow.cause.actor)
        await uow.commit()


async def ensure_photos_stored(photos: tuple[Photo, ...], blobs: BlobStore) -> None:
    """Every photo a visit names was uploaded first, with the type and size the visit claims."""
    for index, photo in enumerate(photos):
        stored = await blobs.info(photo.sha256)
        if stored is None:
            raise PhotoNotStored(f"photo {photo.sha256} was not uploaded first", field=f"photos/{index}/sha256")
        if (stored.content_type, stored.size) != (photo.content_type, photo.size):
            raise PhotoNotStored(f"photo {photo.sha256} is stored as {stored.content_type} of {stored.size} bytes",
                                 field=f"photos/{index}")


async def handle_record_visit(cmd: commands.RecordVisit, uow: VerificationUnitOfWork, *, blobs: BlobStore) -> VisitReceipt:
    """Record one uploaded visit with its quality flags; a visit already recorded is answered as it stands."""
    enumerator = uow.cause.actor
    async with uow:
        existing = await uow.load(Visit, visit_id_for(enumerator, cmd.client_visit_id))
        if existing is not None:
            assert existing.recorded is not None
            return VisitReceipt(existing.id, created=False, flags=existing.recorded.flags)
        entry = await uow.accessible_entry(cmd.entry_id)
        await ensure_photos_stored(cmd.photos, blobs)
        facts = VisitFacts(
            enumerator=enumerator, household_key=entry.household_key,
            duration_seconds=int((cmd.ended_at - cmd.started_at).total_seconds()), position=cmd.position,
            photo_hashes=tuple(p.sha256 for p in cmd.photos), nik_entered=cmd.findings.nik_entered,
        )
        yardstick = await uow.yardstick(entry, facts.photo_hashes)
        visit = Visit.record(
            entry, client_visit_id=cmd.client_visit_id, enumerator=enumerator, started_at=cmd.started_at,
            ended_at=cmd.ended_at, position=cmd.position, photos=cmd.photos, findings=cmd.findings,
            flags=quality_flags(facts, yardstick),
        )
        uow.add(visit)
        await uow.commit()
    assert visit.recorded is not None
    return VisitReceipt(visit.id, created=True, flags=visit.recorded.flags)


async def handle_accept_visit(cmd: commands.AcceptVisit, uow: VerificationUnitOfWork) -> None:
    """**verified**: the supervisor accepts the visit."""
    async with uow:
        visit, entry = await uow.accessible_visit(cmd.visit_id)
        visit.accept(entry, uow.cause.actor, identity_confirmed=cmd.identity_confirmed)
        await uow.commit()


async def handle_reject_visit(cmd: commands.RejectVisit, uow: VerificationUnitOfWork) -> None:
    async with uow:
        visit, entry = await uow.accessible_visit(cmd.visit_id)
        visit.reject(entry, uow.cause.actor, cmd.reason)
        await uow.commit()
