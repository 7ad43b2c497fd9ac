"""A statement-letter code carries its own HMAC tag: the check refuses a tampered or forged code by
itself, before any letter is looked up."""

from __future__ import annotations

import pytest
from siks_registry.adapters.letters import LetterCodes

KEY = bytes(range(32))


def changed(character: str) -> str:
    return "A" if character != "A" else "B"


def test_an_issued_code_is_genuine_in_any_case_and_with_surrounding_spaces():
    codes = LetterCodes(KEY)
    code = codes.issue()
    assert codes.is_genuine(code)
    assert codes.is_genuine(f"  {code.lower()} ")


@pytest.mark.parametrize("position", [0, 4, 6, 10, 12, 17])
def test_changing_any_one_character_of_a_code_fails_its_check(position):
    codes = LetterCodes(KEY)
    code = codes.issue()
    assert code[position] != "-"
    tampered = code[:position] + changed(code[position]) + code[position + 1:]
    assert not codes.is_genuine(tampered)


def test_a_code_issued_under_another_key_fails_the_check():
    theirs = LetterCodes(b"another registry's key, not ours").issue()
    assert not LetterCodes(KEY).is_genuine(theirs)


def test_a_tag_guessed_without_the_key_fails_the_check():
    codes = LetterCodes(KEY)
    genuine_tag = codes._tag("ABCDEFGHIJ")
    guesses = {"AAAAAA", "ZZZZZZ", "234567", "ABCDEF"} - {genuine_tag}
    assert codes.is_genuine(f"ABCDE-FGHIJ-{genuine_tag}")
    assert not any(codes.is_genuine(f"ABCDE-FGHIJ-{guess}") for guess in guesses)


@pytest.mark.parametrize("code", ["", "ABCDE", "ABCDE-FGHIJ", "ABCDEF-GHIJ-KLMNOP", "ABCDE-FGHIJ-KLMNOP-Q",
                                  "ABCDE_FGHIJ_KLMNOP", "ÄBCDE-FGHIJ-KLMNOP"])
def test_a_code_of_the_wrong_shape_fails_the_check_without_error(code):
    assert LetterCodes(KEY).is_genuine(code) is False
