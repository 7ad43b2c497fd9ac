"""Acceptance 4, in the domain: each quality flag fires on a planted case and on none of 30 normal visits."""

from __future__ import annotations

import random

import pytest
from siks_events.catalog.registry import Location
from siks_events.catalog.verification import Position, QualityFlag
from siks_verification.domain.quality import PeerVisit, VisitFacts, Yardstick, distance_m, quality_flags, robust_z

from ..builders import CENTRE, ENUMERATORS, around, nik

SEEDS = range(20)


def village(seed: int) -> list[tuple[VisitFacts, Location, str]]:
    """30 honest visits of three enumerators to 30 households of one village: (visit, house, NIK on the proposal)."""
    rng = random.Random(seed)
    visits = []
    for i in range(30):
        house = Location(**dict(zip(("lat", "lon"), around(rng, CENTRE, 800), strict=True)))
        lat, lon = around(rng, (house.lat, house.lon), 15)
        proposal_nik = nik(rng)
        facts = VisitFacts(
            enumerator=ENUMERATORS[i % 3], household_key=f"hh-{i}",
            duration_seconds=int(60 * 40 * 2.718281828 ** rng.gauss(0, 0.2)),
            position=Position(lat=lat, lon=lon, accuracy_m=rng.uniform(4, 15)), photo_hashes=(f"{i:064x}",),
            nik_entered=proposal_nik,
        )
        visits.append((facts, house, proposal_nik))
    return visits


def peers_of(visits: list[tuple[VisitFacts, Location, str]], but: int | None = None) -> tuple[PeerVisit, ...]:
    return tuple(PeerVisit(f"v-{i}", v.enumerator, v.household_key, v.duration_seconds, v.position.lat, v.position.lon)
                 for i, (v, _, _) in enumerate(visits) if i != but)


def photos_of(visits, but: int | None = None) -> dict[str, frozenset[str]]:
    return {h: frozenset({v.household_key}) for i, (v, _, _) in enumerate(visits) if i != but for h in v.photo_hashes}


def check(visits, index: int, facts: VisitFacts | None = None, house: Location | None = None,
          niks: tuple[str, ...] | None = None) -> tuple[QualityFlag, ...]:
    """The flags visit `index` (or a planted replacement of it) earns against the village's other visits."""
    original, original_house, original_nik = visits[index]
    return quality_flags(facts or original, Yardstick(
        household_location=house or original_house, proposal_niks=niks or (original_nik,),
        peers=peers_of(visits, but=index), photo_households=photos_of(visits, but=index)))


@pytest.mark.parametrize("seed", SEEDS)
def test_none_of_thirty_normal_visits_in_a_village_is_flagged(seed):
    visits = village(seed)
    assert [check(visits, i) for i in range(30)] == [()] * 30


@pytest.mark.parametrize("seed", SEEDS)
def test_a_visit_made_two_kilometres_from_the_house_but_inside_the_village_is_far_from_the_household(seed):
    visits = village(seed)
    facts, house, _ = visits[0]
    moved = Location(**dict(zip(("lat", "lon"), around(random.Random(seed), CENTRE, 200), strict=True)))
    away = distance_m(facts.position.lat, facts.position.lon, moved.lat, moved.lon)
    assert check(visits, 0, house=moved) == ((QualityFlag.FAR_FROM_HOUSEHOLD,) if away > 165 else ())
    planted = _replace(facts, position=Position(lat=house.lat + 0.002, lon=house.lon, accuracy_m=10))  # ~220 m
    assert check(visits, 0, facts=planted) == (QualityFlag.FAR_FROM_HOUSEHOLD,)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_visit_recorded_in_the_next_district_is_far_from_the_village_and_from_the_household(seed):
    visits = village(seed)
    facts, _, _ = visits[3]
    elsewhere = _replace(facts, position=Position(lat=CENTRE[0] + 0.1, lon=CENTRE[1], accuracy_m=8))  # ~11 km
    assert check(visits, 3, facts=elsewhere) == (QualityFlag.FAR_FROM_HOUSEHOLD, QualityFlag.FAR_FROM_VILLAGE)


def test_a_house_whose_recorded_pin_is_itself_far_off_raises_only_the_village_flag():
    visits = village(0)
    facts, _, _ = visits[3]
    elsewhere = _replace(facts, position=Position(lat=CENTRE[0] + 0.1, lon=CENTRE[1], accuracy_m=8))
    pin = Location(lat=CENTRE[0] + 0.1, lon=CENTRE[1])
    assert check(visits, 3, facts=elsewhere, house=pin) == (QualityFlag.FAR_FROM_VILLAGE,)


@pytest.mark.parametrize(("seed", "minutes"), [(s, m) for s in SEEDS for m in (4, 240)])
def test_an_interview_much_shorter_or_longer_than_colleagues_in_the_village_is_a_duration_outlier(seed, minutes):
    visits = village(seed)
    facts, _, _ = visits[5]
    assert check(visits, 5, facts=_replace(facts, duration_seconds=minutes * 60)) == (QualityFlag.DURATION_OUTLIER,)


def test_durations_are_compared_with_other_enumerators_only():
    visits = village(0)
    facts, _, _ = visits[5]
    alone = [(_replace(v, enumerator=facts.enumerator), h, n) for v, h, n in visits]
    assert check(alone, 5, facts=_replace(facts, duration_seconds=240)) == ()


def test_a_photo_already_stored_with_another_households_visit_is_reused():
    visits = village(0)
    facts, _, _ = visits[7]
    copied = _replace(facts, photo_hashes=visits[8][0].photo_hashes)
    assert check(visits, 7, facts=copied) == (QualityFlag.PHOTO_REUSED,)


def test_the_same_photo_in_a_second_visit_to_the_same_household_is_not_reuse():
    visits = village(0)
    facts, _, _ = visits[7]
    again = _replace(facts, household_key=visits[8][0].household_key, photo_hashes=visits[8][0].photo_hashes)
    assert QualityFlag.PHOTO_REUSED not in check(visits, 7, facts=again)


def test_a_nik_typed_from_the_id_card_that_is_none_of_the_proposals_is_a_mismatch():
    visits = village(0)
    facts, _, _ = visits[9]
    assert check(visits, 9, facts=_replace(facts, nik_entered="3571014101900002")) == (QualityFlag.NIK_MISMATCH,)


def test_statistical_checks_stay_silent_with_fewer_than_five_peers():
    visits = village(0)[:5]
    facts, _, _ = visits[0]
    odd = _replace(facts, duration_seconds=60, position=Position(lat=CENTRE[0] + 0.1, lon=CENTRE[1], accuracy_m=5))
    assert QualityFlag.FAR_FROM_VILLAGE not in check(visits, 0, facts=odd)
    assert QualityFlag.DURATION_OUTLIER not in check(visits, 0, facts=odd)


def test_robust_z_of_a_value_beside_identical_peers_is_infinite_unless_a_spread_is_given():
    assert robust_z(2.0, [1.0, 1.0, 1.0]) == float("inf")
    assert robust_z(1.0, [1.0, 1.0, 1.0]) == 0.0
    assert robust_z(2.0, [1.0, 1.0, 1.0], min_spread=0.5) == 2.0


def _replace(facts: VisitFacts, **changes) -> VisitFacts:
    from dataclasses import replace

    return replace(facts, **changes)
