"""Synthetic NIK and KK numbers laid out the way Dukcapil issues them, for generated test data."""

from __future__ import annotations

from datetime import date

from siks_events.identity import Sex

_LAST_SERIAL = 9999


class SerialsExhausted(ValueError):
    """All 9,999 serials for one sub-district and date are taken."""


class NikIssuer:
    """Hands out NIKs and family card (KK) numbers that follow the rules and never repeat.

    A NIK is the sub-district (6 digits), the birth date as DDMMYY with 40 added to the day for
    women, and a serial 0001-9999; a KK number is the sub-district, the issue date DDMMYY and a
    serial. Serials count up per (sub-district, date), so two people never share a number.
    """

    def __init__(self) -> None:
        self._nik_serials: dict[tuple[str, date], int] = {}
        self._kk_serials: dict[tuple[str, date], int] = {}

    def nik(self, subdistrict: str, birth_date: date, sex: Sex) -> str:
        """The next unused NIK (Nomor Induk Kependudukan) for a person born on `birth_date`."""
        day = birth_date.day + (40 if sex == "female" else 0)
        serial = self._next(self._nik_serials, (subdistrict, birth_date))
        return f"{subdistrict}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"

    def kk(self, subdistrict: str, issued_on: date) -> str:
        """The next unused family card (Kartu Keluarga) number issued on `issued_on`."""
        serial = self._next(self._kk_serials, (subdistrict, issued_on))
        return f"{subdistrict}{issued_on.day:02d}{issued_on.month:02d}{issued_on.year % 100:02d}{serial:04d}"

    @staticmethod
    def _next(serials: dict[tuple[str, date], int], key: tuple[str, date]) -> int:
        serial = serials.get(key, 0) + 1
        if serial > _LAST_SERIAL:
            raise SerialsExhausted(f"no serial left for sub-district {key[0]} on {key[1].isoformat()}")
        serials[key] = serial
        return serial
