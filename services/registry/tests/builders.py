"""Test data: valid people and households in Kota Kediri (35.71), built by hand so each test reads clearly."""

from __future__ import annotations

from datetime import date

VILLAGE = "3571011001"  # Bandar Lor, Mojoroto, Kota Kediri
OTHER_VILLAGE = "3571021001"  # in Kecamatan Kota, Kota Kediri
KK = "3571010101090001"


def nik(birth: date, sex: str, serial: int, district: str = "357101") -> str:
    day = birth.day + (40 if sex == "female" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def person(name: str, birth: date, sex: str, relationship: str, serial: int = 1, **extra) -> dict:
    return {"nik": nik(birth, sex, serial), "full_name": name, "sex": sex, "birth_place": "Kediri",
            "birth_date": birth.isoformat(), "relationship": relationship, **extra}


BUDI = person("Budi Santoso", date(1980, 5, 17), "male", "head")
SITI = person("Siti Aminah", date(1984, 2, 3), "female", "spouse", marital_status="married")
ANI = person("Ani Lestari", date(2012, 9, 21), "female", "child", attending_school=True)


def household(*members: dict, kk: str = KK, region: str = VILLAGE, programs: list | None = None) -> dict:
    return {"kk_number": kk, "region_code": region, "address": "Jl. Mayor Bismo 12, RT 02 RW 03",
            "members": list(members or (BUDI, SITI, ANI)), "programs": programs or [],
            "housing": {"roof_material": "tile", "floor_material": "cement", "floor_area_m2": 36}}
