"""PPKS verification (Stage IV): a regency/city office checks each listed PPKS record once, recording what it
found (confirmed, corrected with the new record, or not found) and the instrument it used."""

from __future__ import annotations

from siks_events.catalog.lks import (
    Instrument,
    PpksEntryListed,
    PpksEntryVerified,
    PpksOutcome,
    PpksRecord,
)
from siks_events.model import Aggregate, Event

from siks_lks.domain.errors import AlreadyDecided, CorrectionRequired


class PpksEntry(Aggregate):
    """One PPKS record on a prelist, and its verification once it is done."""

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.region_code = ""
        self.record: PpksRecord | None = None
        self.outcome: PpksOutcome | None = None
        self.instrument: Instrument | None = None

    @classmethod
    def list(cls, entry_id: str, region_code: str, record: PpksRecord) -> PpksEntry:
        entry = cls(entry_id)
        entry._record(PpksEntryListed(entry_id=entry_id, region_code=region_code, record=record))
        return entry

    def verify(self, outcome: PpksOutcome, instrument: Instrument, corrected: PpksRecord | None = None) -> None:
        """Record the check once; a correction names the record as found, the other outcomes none."""
        if self.outcome is not None:
            raise AlreadyDecided(f"this entry was already verified: {self.outcome.value}")
        if (outcome is PpksOutcome.CORRECTED) != (corrected is not None):
            raise CorrectionRequired("a corrected entry carries the record as found, and only a corrected one")
        self._record(PpksEntryVerified(entry_id=self.id, outcome=outcome, instrument=instrument, corrected=corrected))

    def _apply(self, event: Event) -> None:
        match event:
            case PpksEntryListed(region_code=region_code, record=record):
                self.region_code, self.record = region_code, record
            case PpksEntryVerified(outcome=outcome, instrument=instrument, corrected=corrected):
                self.outcome, self.instrument = outcome, instrument
                self.record = corrected or self.record
