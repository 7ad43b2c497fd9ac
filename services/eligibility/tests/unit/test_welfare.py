"""The proxy-means welfare score from versioned weights, and deciles per regency."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from siks_eligibility.domain.policy import NoVersionInForce
from siks_eligibility.domain.welfare import WeightBook, WelfareScore, rank_by_regency, score
from siks_events.catalog.registry import Assets, Education, HouseholdRegistered, Housing, MemberDeceased, Sex

from .builders import ON, WEIGHTS, Log, head, person, registered, years_before


def _household(**changes) -> HouseholdRegistered:
    return registered("h1", head(education=Education.SENIOR_SECONDARY, occupation="Petani "),
                      person(years_before(ON, 34), sex=Sex.FEMALE, occupation="pedagang", education=Education.PRIMARY),
                      person(years_before(ON, 10)), person(years_before(ON, 70))).model_copy(update=changes)


def test_the_score_adds_each_components_points_from_the_weights():
    housing = Housing(roof_material="Genteng", wall_material="bamboo", floor_material="cement", floor_area_m2=30,
                      toilet="shared", drinking_water="well", lighting="pln", electricity_va=900)
    assets = Assets(land_owned=True, house_ownership="owned", vehicles=("motorcycle", "bicycle"), livestock=("goat",),
                    appliances=("tv", "refrigerator"))
    log = Log()
    log.record(_household(housing=housing, assets=assets))
    welfare = score(log.state("h1"), ON, WEIGHTS)
    assert dict(welfare.points) == {
        "roof": 3, "walls": 0, "floor": 2, "toilet": 1, "drinking_water": 1, "lighting": 2, "electricity": 2,
        "floor_area": 7,  # 30 m2 // 4 persons
        "land": 3, "house_ownership": 3, "vehicles": 3, "livestock": 1, "appliances": 3,
        "size": -8, "dependants": -2,  # the 10-year-old and the 70-year-old
        "education": 4,  # the best among adults: senior secondary
        "occupation": 3,  # the best among those of working age: pedagang
    }
    assert welfare == WelfareScore(sum(p for _, p in welfare.points), welfare.points, "pmt-2025.1")


def test_unknown_and_missing_values_score_the_tables_other_entry():
    log = Log()
    log.record(_household(housing=Housing(roof_material="palm leaves"), assets=Assets(vehicles=("tractor",))))
    points = dict(score(log.state("h1"), ON, WEIGHTS).points)
    assert (points["roof"], points["walls"], points["vehicles"]) == (WEIGHTS.roof_material["_other"],
                                                                     WEIGHTS.wall_material["_other"], WEIGHTS.vehicle["_other"])


def test_only_members_active_on_the_day_count():
    log = Log()
    log.record(_household())
    before = score(log.state("h1"), ON, WEIGHTS)
    elderly = next(m for m in log.state("h1").members.values() if m.age_on(ON) == 70)
    log.record(MemberDeceased(household_id="h1", nik=elderly.nik, died_on=ON))
    after = score(log.state("h1"), ON, WEIGHTS)
    assert dict(after.points)["size"] - dict(before.points)["size"] == 2
    assert dict(after.points)["dependants"] - dict(before.points)["dependants"] == 1


def _ranks(*entries: tuple[str, str, int]):
    return rank_by_regency((hid, regency, WelfareScore(total, (), "w")) for hid, regency, total in entries)


def test_twenty_households_fall_two_by_two_into_deciles_poorest_first():
    ranks = _ranks(*((f"h{i:02d}", "3571", 100 - i) for i in range(20)))
    assert [ranks[f"h{i:02d}"].decile for i in reversed(range(20))] == [d for d in range(1, 11) for _ in range(2)]
    assert ranks["h19"].rank == 1 and ranks["h00"].rank == 20 and ranks["h00"].of == 20


def test_equal_scores_are_ranked_by_household_id():
    ranks = _ranks(("b", "3571", 5), ("a", "3571", 5), ("c", "3571", 4))
    assert [ranks[h].rank for h in ("c", "a", "b")] == [1, 2, 3]


def test_each_regency_is_ranked_on_its_own():
    ranks = _ranks(("a", "3571", 50), ("b", "3506", 90), ("c", "3506", 10))
    assert (ranks["a"].rank, ranks["a"].decile, ranks["b"].rank, ranks["b"].decile) == (1, 1, 2, 6)


def test_the_weights_in_force_are_the_latest_version_effective_on_or_before_the_day():
    newer = WEIGHTS.model_copy(update={"version": "pmt-2026.1", "effective_from": date(2026, 3, 1)})
    book = WeightBook(versions=(WEIGHTS, newer))
    assert book.in_force(date(2026, 2, 28)).version == "pmt-2025.1"
    assert book.in_force(date(2026, 3, 1)).version == "pmt-2026.1"
    with pytest.raises(NoVersionInForce):
        book.in_force(date(2024, 12, 31))


def test_weights_without_an_other_entry_or_with_unfolded_keys_are_refused():
    data = WEIGHTS.model_dump(mode="json")
    with pytest.raises(ValidationError, match="_other"):
        WeightBook.model_validate({"versions": [{**data, "toilet": {"private": 3}}]})
    with pytest.raises(ValidationError, match="lower case"):
        WeightBook.model_validate({"versions": [{**data, "toilet": {"Private": 3, "_other": 0}}]})
