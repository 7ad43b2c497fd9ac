"""NIK, KK and region codes are ASCII digits: other scripts' digits are a format error, not an unknown region."""

from __future__ import annotations

import pytest
from siks_events.identity import kk_problems, nik_problems, region_name, village_problems

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NIK = "3571011705800001"


def test_a_valid_nik_in_ascii_digits_has_no_problems():
    assert nik_problems(NIK) == []


@pytest.mark.parametrize("written", [NIK.translate(ARABIC_INDIC), NIK[:-1] + "²", NIK[:-1] + "\uff11"])
def test_a_nik_in_other_digits_is_a_format_problem(written):
    assert written.isdigit()  # what str.isdigit alone would have let through
    assert [p.code for p in nik_problems(written)] == ["nik-format"]


def test_kk_and_village_codes_in_other_digits_are_format_problems():
    assert [p.code for p in kk_problems("3571010101090001".translate(ARABIC_INDIC))] == ["kk-format"]
    assert [p.code for p in village_problems("3571011001".translate(ARABIC_INDIC))] == ["region-format"]
    assert region_name("35".translate(ARABIC_INDIC)) is None and region_name("35") is not None
