"""Acceptance 1 in miniature: a generated registry of 2,000 households, folded through the domain, against a reference.

The reference below computes welfare scores, deciles and every programme's eligibility directly
from the generated plain data (dicts), reading the shipped policy files as JSON. It shares no code
with the domain: what this file imports from siks_eligibility is used only on the domain's side
(`fold_registry`, `domain` and the simulation), never by the functions under "the reference".
Both clocks are compared: as known at the end of the day asked about, and as known now.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

# the domain under test: used on the domain's side only, never by the reference
from siks_eligibility.domain.assessment import assess
from siks_eligibility.domain.household import HouseholdHistory, HouseholdState
from siks_eligibility.domain.simulation import simulate
from siks_eligibility.policies import shipped_rules, shipped_weights
from siks_events.catalog.registry import (
    Assets,
    HouseholdGraduated,
    HouseholdMoved,
    HouseholdRegistered,
    Housing,
    MemberAdded,
    MemberDeceased,
    MemberMovedOut,
    MemberRemoved,
    MemberUpdated,
    Person,
    Program,
    ProgramEnrolled,
    SocioEconomicDataUpdated,
)

ON = date(2026, 3, 1)
END_OF_DAY = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
HOUSEHOLDS = 2_000
POLICIES = Path(__file__).parents[2] / "src" / "siks_eligibility" / "policies"

# --- the generated registry: plain data -------------------------------------------------------------------

REGENCIES = ("3571", "3506", "3507")
ROOFS = ("concrete", "Genteng", "tile", " seng", "asbestos", "wood", "bamboo", "thatch", "palm leaves", None)
WALLS = ("brick", "tembok", "wood", "plywood", "bamboo", "mud", None)
FLOORS = ("ceramic", "tile", "cement", "wood", "bamboo", "EARTH", "tanah", None)
TOILETS = ("private", "shared", "public", "none", "river", None)
WATER = ("bottled", "piped", "well", "spring", "river", "rain", "tanker", None)
LIGHTING = ("pln", "non_pln", "kerosene", "none", "solar", None)
VA = (None, 450, 900, 1300, 2200, 3500)
OWNERSHIP = ("owned", "rented", "family", "rent_free", "dinas", None)
VEHICLES = ("car", "motorcycle", "Sepeda Motor", "bicycle", "boat", "tractor")
LIVESTOCK = ("cattle", "goat", "chicken", "duck")
APPLIANCES = ("tv", "refrigerator", "air_conditioner", "gas_stove", "smartphone", "computer", "radio")
OCCUPATIONS = ("petani", "Buruh Tani", "pedagang", "wiraswasta", "karyawan swasta", "sopir", "nelayan", "pns",
               "buruh harian lepas", "pengemudi ojek", "mengurus rumah tangga", "pelajar/mahasiswa", "")
EDUCATION = ("none", "primary", "junior_secondary", "senior_secondary", "diploma", "bachelor", "postgraduate")
DISABILITIES = ("disabilitas fisik", "disabilitas netra", "disabilitas berat")
# ages whose birthday on ON or on the day after decides a limit (young child, school age, in school, elderly)
LIMIT_AGES = (6, 18, 19, 21, 22, 60)
LEAP_BIRTHS = (date(2020, 2, 29), date(2008, 2, 29), date(2004, 2, 29), date(1964, 2, 29))


@dataclass
class PlainHousehold:
    """A generated household as plain data: what was registered and each later change with its recorded moment."""

    id: str
    region: str
    housing: dict
    assets: dict
    members: list[dict]
    changes: list[dict] = field(default_factory=list)


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0

    def birth_date(self, age: int) -> date:
        rng = self.rng
        if rng.random() < 0.03:
            return rng.choice(LEAP_BIRTHS)
        if rng.random() < 0.2:
            limit = rng.choice(LIMIT_AGES)
            return date(ON.year - limit, ON.month, ON.day) + timedelta(days=rng.choice((0, 1)))
        return ON - timedelta(days=int(age * 365.25) + rng.randint(0, 364))

    def person(self, region: str, relationship: str, age: int, sex: str | None = None) -> dict:
        rng = self.rng
        sex = sex or rng.choice(("male", "female"))
        born = self.birth_date(age)
        self.serial = self.serial % 9_999 + 1
        day = born.day + (40 if sex == "female" else 0)
        years = (ON - born).days // 365
        return {
            "nik": f"{region[:6]}{day:02d}{born.month:02d}{born.year % 100:02d}{self.serial:04d}",
            "full_name": "Warga Contoh", "sex": sex, "birth_date": born, "relationship": relationship,
            "education": rng.choice(EDUCATION[:2] if years < 7 else EDUCATION),
            "attending_school": 4 <= years <= 25 and rng.random() < 0.7,
            "occupation": rng.choice(OCCUPATIONS),
            "disability": rng.choice(DISABILITIES) if rng.random() < 0.04 else None,
            "pregnant": sex == "female" and 17 <= years <= 45 and rng.random() < 0.08,
        }

    def housing(self) -> dict:
        rng = self.rng
        return {"roof_material": rng.choice(ROOFS), "wall_material": rng.choice(WALLS), "floor_material": rng.choice(FLOORS),
                "floor_area_m2": float(rng.randint(9, 120)) if rng.random() < 0.9 else None,
                "toilet": rng.choice(TOILETS), "drinking_water": rng.choice(WATER), "lighting": rng.choice(LIGHTING),
                "electricity_va": rng.choice(VA)}

    def assets(self) -> dict:
        rng = self.rng
        return {"land_owned": rng.choice((True, False, None)), "house_ownership": rng.choice(OWNERSHIP),
                "vehicles": tuple(rng.choices(VEHICLES, k=rng.choice((0, 0, 1, 1, 2)))),
                "livestock": tuple(rng.choices(LIVESTOCK, k=rng.choice((0, 0, 0, 1, 2)))),
                "appliances": tuple(rng.choices(APPLIANCES, k=rng.randint(0, 4)))}

    def household(self, index: int) -> PlainHousehold:
        rng = self.rng
        regency = rng.choice(REGENCIES)
        region = f"{regency}{rng.randint(1, 3):02d}{1000 + rng.randint(1, 5)}"
        head_age = rng.randint(19, 85)
        members = [self.person(region, "head", head_age)]
        if rng.random() < 0.75:
            members.append(self.person(region, "spouse", max(17, head_age + rng.randint(-8, 3)), "female"))
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 5))):
            members.append(self.person(region, "child", rng.randint(0, min(30, max(0, head_age - 17)))))
        if rng.random() < 0.15:
            members.append(self.person(region, "parent", rng.randint(55, 95)))
        household = PlainHousehold(f"h{index:05d}", region, self.housing(), self.assets(), members)
        self.life(household)
        return household

    def moment(self) -> datetime:
        """When a change was recorded: between 10 January and 20 March, so some come after ON."""
        return datetime(2026, 1, 10, tzinfo=UTC) + timedelta(minutes=self.rng.randint(0, 69 * 24 * 60))

    def effective(self) -> date:
        return ON + timedelta(days=self.rng.randint(-50, 20))

    def life(self, household: PlainHousehold) -> None:
        """Later changes: each member is touched by at most one of them, so the registry would accept each."""
        rng = self.rng
        untouched = [m["nik"] for m in household.members]
        rng.shuffle(untouched)
        add = household.changes.append
        for kind, chance in (("death", 0.10), ("move_out", 0.05), ("update", 0.08), ("remove", 0.02), ("enrol", 0.1)):
            if untouched and rng.random() < chance:
                nik = untouched.pop()
                change = {"kind": kind, "nik": nik, "at": self.moment(), "on": self.effective()}
                if kind == "update":
                    old = next(m for m in household.members if m["nik"] == nik)
                    change["person"] = {**old, "pregnant": not old["pregnant"] and old["sex"] == "female",
                                        "attending_school": not old["attending_school"], "education": rng.choice(EDUCATION)}
                add(change)
        if rng.random() < 0.04:
            add({"kind": "add", "at": self.moment(), "person": self.person(household.region, "grandchild", 0)})
        if rng.random() < 0.08:
            add({"kind": "socio", "at": self.moment(), "housing": self.housing(), "assets": self.assets()})
        if rng.random() < 0.03:
            other = rng.choice(REGENCIES)
            add({"kind": "household_move", "at": self.moment(), "on": self.effective(), "to": f"{other}041001"})
        if rng.random() < 0.03:
            add({"kind": "graduation", "at": self.moment(), "on": self.effective()})
        household.changes.sort(key=lambda c: c["at"])


def generate(count: int, seed: int = 16) -> list[PlainHousehold]:
    generator = Generator(seed)
    return [generator.household(i) for i in range(count)]


# --- plain data to registry events: the log the domain reads ----------------------------------------------


def _person(data: dict) -> Person:
    return Person(**data)


def to_events(household: PlainHousehold) -> list[tuple[object, datetime]]:
    """The household's events with the moment each was recorded; registration on 5 January."""
    hid, region = household.id, household.region
    events = [(HouseholdRegistered(household_id=hid, kk_number="3571010101090001", region_code=region, address="Jl. Kenanga",
                                   housing=Housing(**household.housing), assets=Assets(**household.assets),
                                   members=tuple(_person(m) for m in household.members)),
               datetime(2026, 1, 5, tzinfo=UTC))]
    for change in household.changes:
        match change["kind"]:
            case "death":
                event = MemberDeceased(household_id=hid, nik=change["nik"], died_on=change["on"])
            case "move_out":
                event = MemberMovedOut(household_id=hid, nik=change["nik"], from_region=region, to_region="3578011001",
                                       moved_on=change["on"])
            case "update":
                event = MemberUpdated(household_id=hid, nik=change["nik"], person=_person(change["person"]))
            case "remove":
                event = MemberRemoved(household_id=hid, nik=change["nik"], reason="married")
            case "enrol":
                event = ProgramEnrolled(household_id=hid, nik=change["nik"], program="PKH", start_date=change["on"])
            case "add":
                event = MemberAdded(household_id=hid, nik=change["person"]["nik"], person=_person(change["person"]))
            case "socio":
                event = SocioEconomicDataUpdated(household_id=hid, housing=Housing(**change["housing"]),
                                                 assets=Assets(**change["assets"]), welfare_decile=1)
            case "household_move":
                event = HouseholdMoved(household_id=hid, from_region=region, to_region=change["to"], moved_on=change["on"])
            case "graduation":
                event = HouseholdGraduated(household_id=hid, graduated_on=change["on"], reason="mampu")
        events.append((event, change["at"]))
    return events


# --- the reference: the rules computed directly from the plain data ---------------------------------------


def _completed_years(born: date, day: date) -> int:
    try:
        birthday = born.replace(year=day.year)
    except ValueError:  # 29 February in a common year: the birthday is 1 March
        birthday = date(day.year, 3, 1)
    return day.year - born.year - (1 if day < birthday else 0)


def _view(household: PlainHousehold, known_at: datetime | None) -> dict:
    """The household after the changes recorded by `known_at`, as plain dicts; statuses as (since, status) lists."""
    members = {m["nik"]: {**m, "statuses": []} for m in household.members}
    view = {"id": household.id, "region": household.region, "moves": [], "graduated_on": None,
            "housing": household.housing, "assets": household.assets, "members": members}
    for change in household.changes:
        if known_at is not None and change["at"] > known_at:
            continue
        kind = change["kind"]
        if kind in ("death", "move_out"):
            members[change["nik"]]["statuses"].append((change["on"], kind))
        elif kind == "update":
            members[change["nik"]] = {**change["person"], "statuses": members[change["nik"]]["statuses"]}
        elif kind == "remove":
            del members[change["nik"]]
        elif kind == "add":
            members[change["person"]["nik"]] = {**change["person"], "statuses": []}
        elif kind == "socio":
            view["housing"], view["assets"] = change["housing"], change["assets"]
        elif kind == "household_move":
            view["moves"].append((change["on"], change["to"]))
        elif kind == "graduation":
            view["graduated_on"] = change["on"]
            for member in members.values():
                if _status(member, change["on"]) == "active":
                    member["statuses"].append((change["on"], "graduated"))
    return view


def _status(member: dict, day: date) -> str:
    status, since = "active", None
    for when, what in member["statuses"]:
        if when <= day and (since is None or when >= since):
            status, since = what, when
    return status


def _points(table: dict, value: str | None) -> int:
    return table["_other"] if value is None else table.get(value.strip().lower(), table["_other"])


def _score(view: dict, active: list[dict], day: date, w: dict) -> int:
    housing, assets = view["housing"], view["assets"]
    ages = [_completed_years(m["birth_date"], day) for m in active]
    total = sum(_points(w[key], housing[key]) for key in
                ("roof_material", "wall_material", "floor_material", "toilet", "drinking_water", "lighting"))
    if housing["electricity_va"] is not None:
        total += max([b["points"] for b in w["electricity_va"] if b["at_least"] <= housing["electricity_va"]] or [0])
    if housing["floor_area_m2"] is not None:
        total += min(w["floor_m2_per_person_cap"], int(housing["floor_area_m2"]) // len(active)) * w["floor_m2_per_person_points"]
    total += w["land_owned"] if assets["land_owned"] else 0
    total += _points(w["house_ownership"], assets["house_ownership"])
    total += sum(_points(w["vehicle"], v) for v in assets["vehicles"])
    total += sum(_points(w["livestock"], v) for v in assets["livestock"])
    total += sum(_points(w["appliance"], v) for v in assets["appliances"])
    total += w["per_member"] * len(active)
    total += w["per_dependant"] * len([a for a in ages if a < w["dependant_under"] or a >= w["dependant_from"]])
    adult_levels = [w["education"][m["education"]] for m, a in zip(active, ages, strict=True) if a >= w["adult_from"]]
    total += max(adult_levels) if adult_levels else w["education"]["none"]
    jobs = [_points(w["occupation"], m["occupation"]) for m, a in zip(active, ages, strict=True) if a >= w["working_from"]]
    total += max(jobs) if jobs else w["occupation"]["_other"]
    return total


def _latest(versions: list[dict], day: date) -> dict:
    in_force = [v for v in versions if date.fromisoformat(v["effective_from"]) <= day]
    return max(in_force, key=lambda v: (v["effective_from"], v["version"]))


def reference(
    households: list[PlainHousehold], day: date, known_at: datetime | None, overrides: dict | None = None
) -> tuple[dict, dict, dict]:
    """(decile, regency) per household id and eligible beneficiaries per programme, straight from the plain data.

    `overrides` replaces rule parameters per programme: {"PKH": {"max_decile": 3}}.
    """
    weights = _latest(json.loads((POLICIES / "weights.json").read_text())["versions"], day)
    rules = json.loads((POLICIES / "rules.json").read_text())["rules"]
    rule = {name: {**_latest([r for r in rules if r["program"] == name], day), **(overrides or {}).get(name, {})}
            for name in ("PKH", "SEMBAKO", "PBI_JK", "PIP")}
    regencies = {}
    scored = defaultdict(list)
    views = {}
    for household in households:
        view = _view(household, known_at)
        active = [m for _, m in sorted(view["members"].items()) if _status(m, day) == "active"]
        graduated = view["graduated_on"] is not None and view["graduated_on"] <= day
        if graduated or not active:
            continue
        region = household.region
        for moved_on, to in sorted(view["moves"]):
            if moved_on <= day:
                region = to
        views[household.id] = (view, active)
        regencies[household.id] = region[:4]
        scored[region[:4]].append((_score(view, active, day, weights), household.id))
    deciles = {}
    for entries in scored.values():
        entries.sort()
        for poorer, (_, hid) in enumerate(entries):
            deciles[hid] = 1 + 10 * poorer // len(entries)
    eligible = {name: set() for name in rule}
    for hid, (_, active) in views.items():
        decile = deciles[hid]
        pkh = rule["PKH"]
        if decile <= pkh["max_decile"] and any(_is_component(m, day, pkh) for m in active):
            eligible["PKH"].add((hid, None))
        if decile <= rule["SEMBAKO"]["max_decile"]:
            eligible["SEMBAKO"].add((hid, None))
        for m in active:
            if decile <= rule["PBI_JK"]["max_decile"]:
                eligible["PBI_JK"].add((hid, m["nik"]))
            pip, age = rule["PIP"], _completed_years(m["birth_date"], day)
            if (decile <= pip["max_decile"] and m["attending_school"] and pip["age_from"] <= age <= pip["age_to"]
                    and m["education"] in pip["school_levels"]):
                eligible["PIP"].add((hid, m["nik"]))
    return deciles, eligible, regencies


def _is_component(member: dict, day: date, pkh: dict) -> bool:
    age = _completed_years(member["birth_date"], day)
    severe = pkh["severe_disabilities"]
    return (member["pregnant"]
            or age < pkh["child_under"]
            or pkh["school_age_from"] <= age <= pkh["school_age_to"]
            or (member["attending_school"] and pkh["school_age_from"] <= age <= pkh["in_school_age_to"])
            or age >= pkh["elderly_from"]
            or (member["disability"] is not None and (severe is None or member["disability"].lower() in severe)))


# --- the domain ---------------------------------------------------------------------------------------------


def fold_registry(households: list[PlainHousehold], known_at: datetime | None) -> tuple[list[HouseholdState], int]:
    """Every household folded from its events as known at `known_at`, and the log position that reflects."""
    logged = sorted(((at, i, event) for household in households for i, (event, at) in enumerate(to_events(household))),
                    key=lambda entry: (entry[0], entry[2].household_id, entry[1]))
    histories: dict[str, HouseholdHistory] = {}
    for position, (at, _, event) in enumerate(logged, start=1):
        histories.setdefault(event.household_id, HouseholdHistory(event.household_id)).record(
            event, position=position, recorded_at=at)
    states = [h.as_known_at(known_at) for h in histories.values()]
    return states, max(s.last_position for s in states)


def domain(states: list[HouseholdState], reached: int, day: date, known_at: datetime | None) -> tuple[dict, dict, int]:
    """(decile per household id, eligible beneficiaries per programme, log position) from the folded events."""
    assessment = assess(states, on=day, rules=shipped_rules().rule_set(day), weights=shipped_weights().in_force(day),
                        log_position=reached, known_at=known_at)
    eligible = {p.value: {(b.household_id, b.nik) for b in assessment.eligible(p)} for p in assessment.rules.programs()}
    return {hid: rank.decile for hid, rank in assessment.ranks.items()}, eligible, reached


# --- the comparison -----------------------------------------------------------------------------------------

REGISTRY = generate(HOUSEHOLDS)


@cache
def _folded(known_at: datetime | None) -> tuple[list[HouseholdState], int]:
    return fold_registry(REGISTRY, known_at)


@cache
def _domain_on_the_day(known_at: datetime | None) -> tuple[dict, dict, int]:
    return domain(*_folded(known_at), ON, known_at)


def _mismatches(expected: dict, actual: dict) -> dict[str, int]:
    return {p: len(expected[p] ^ actual[p]) for p in expected}


def test_the_domain_agrees_with_the_reference_on_every_programme_as_known_now():
    expected_deciles, expected, _ = reference(REGISTRY, ON, None)
    deciles, eligible, _ = _domain_on_the_day(None)
    assert deciles == expected_deciles
    assert _mismatches(expected, eligible) == {"PKH": 0, "SEMBAKO": 0, "PBI_JK": 0, "PIP": 0}
    # the sample is worth comparing: every programme has hundreds of beneficiaries and many are refused
    assert all(len(expected[p]) > 200 for p in expected) and len(expected["SEMBAKO"]) < 0.5 * len(expected_deciles)


def test_the_domain_agrees_with_the_reference_as_known_at_the_end_of_the_day():
    expected_deciles, expected, _ = reference(REGISTRY, ON, END_OF_DAY)
    deciles, eligible, position = _domain_on_the_day(END_OF_DAY)
    assert deciles == expected_deciles
    assert _mismatches(expected, eligible) == {"PKH": 0, "SEMBAKO": 0, "PBI_JK": 0, "PIP": 0}
    _, now, now_position = _domain_on_the_day(None)
    assert position < now_position and now["PKH"] != eligible["PKH"]  # late records changed the answer as known now


def test_simulating_lower_decile_limits_counts_exactly_the_losses_the_reference_counts():
    _, before, regencies = reference(REGISTRY, ON, None)
    _, after, _ = reference(REGISTRY, ON, None, overrides={"PKH": {"max_decile": 3}, "SEMBAKO": {"max_decile": 2}})
    expected = defaultdict(int)
    for program in ("PKH", "SEMBAKO"):
        for household_id, _ in before[program] - after[program]:
            expected[(regencies[household_id], program)] += 1

    states, position = _folded(None)
    current = shipped_rules().rule_set(ON)
    proposed = current.replacing(current[Program.PKH].model_copy(update={"version": "pkh-sim", "max_decile": 3})).replacing(
        current[Program.SEMBAKO].model_copy(update={"version": "sembako-sim", "max_decile": 2}))
    shifts = simulate(states, on=ON, current=current, proposed=proposed, weights=shipped_weights().in_force(ON),
                      log_position=position)
    assert {(s.regency, s.program.value): s.households_losing for s in shifts if s.lost} == dict(expected)
    assert not any(s.gained for s in shifts) and sum(expected.values()) > 300


def test_the_generated_registry_reaches_the_edges_the_rules_care_about():
    members = [m for h in REGISTRY for m in h.members]
    ages = {_completed_years(m["birth_date"], ON) for m in members if m["birth_date"].replace(year=2000) in
            (date(2000, 3, 1), date(2000, 3, 2))}
    assert {5, 6, 17, 18, 19, 20, 21, 22, 59, 60} <= ages
    assert any(m["birth_date"].month == 2 and m["birth_date"].day == 29 for m in members)
    late = [c for h in REGISTRY for c in h.changes if c["kind"] == "death" and c["on"] <= ON < c["at"].date()]
    assert len(late) > 20 and len(REGISTRY) >= 2_000
