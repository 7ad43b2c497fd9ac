"""A PPKS entry is verified once; a correction carries the record as found, the other outcomes none."""

from __future__ import annotations

import pytest
from siks_events.catalog.lks import Instrument, PpksOutcome, PpksRecord
from siks_lks.domain.errors import AlreadyDecided, CorrectionRequired
from siks_lks.domain.ppks import PpksEntry

LISTED = PpksRecord(name="Sutrisno", category="neglected elderly", address="Jl. Mayor Bismo 3")


def test_a_correction_replaces_the_record_and_a_second_check_is_refused():
    entry = PpksEntry.list("e-1", "3571011001", LISTED)
    entry.verify(PpksOutcome.CORRECTED, Instrument.CAPI, LISTED.model_copy(update={"name": "Sutrisno Adi"}))
    assert (entry.outcome, entry.instrument, entry.record.name) == (PpksOutcome.CORRECTED, Instrument.CAPI,
                                                                     "Sutrisno Adi")
    with pytest.raises(AlreadyDecided):
        entry.verify(PpksOutcome.CONFIRMED, Instrument.PAPER)


@pytest.mark.parametrize(("outcome", "corrected"), [(PpksOutcome.CORRECTED, None),
                                                     (PpksOutcome.CONFIRMED, LISTED), (PpksOutcome.NOT_FOUND, LISTED)])
def test_only_a_corrected_entry_carries_a_record(outcome, corrected):
    entry = PpksEntry.list("e-1", "3571011001", LISTED)
    with pytest.raises(CorrectionRequired):
        entry.verify(outcome, Instrument.PAPI, corrected)
    assert entry.pending_events[1:] == []
