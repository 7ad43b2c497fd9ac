"""Simulation: proposed rules or weights over the same households, who gains and who loses, per regency and programme."""

from __future__ import annotations

from datetime import date

from siks_eligibility.domain.decision import Beneficiary
from siks_eligibility.domain.rules import PkhRule, SembakoRule
from siks_eligibility.domain.simulation import simulate
from siks_events.catalog.registry import Program

from .builders import ON, OTHER_REGENCY_VILLAGE, RULES, WEIGHTS, Log, head, person, ranked_at, years_before


def _two_regencies() -> Log:
    log = Log()
    ranked_at(log, "k", head(), person(years_before(ON, 3)), decile=4)
    ranked_at(log, "m", head(), person(years_before(ON, 3)), decile=3, region=OTHER_REGENCY_VILLAGE)
    return log


def _shifts(log: Log, proposed, **more):
    return {(s.regency, s.program): s for s in simulate(log.states(), on=ON, current=RULES, proposed=proposed,
                                                        weights=WEIGHTS, log_position=log.position, **more)}


def test_a_lower_decile_limit_reports_exactly_the_households_losing_eligibility():
    log = _two_regencies()
    shifts = _shifts(log, RULES.replacing(SembakoRule(version="sembako-v2", effective_from=ON, max_decile=3)))
    kediri, malang = shifts[("3571", Program.SEMBAKO)], shifts[("3506", Program.SEMBAKO)]
    assert (kediri.gained, kediri.lost) == ((), (Beneficiary("k"),))  # k is Kediri's decile-4 household
    assert malang.lost == (Beneficiary("m-neighbour-3"),) and malang.households_losing == 1


def test_a_lower_pkh_limit_drops_only_households_with_components_above_it():
    log = _two_regencies()
    shifts = _shifts(log, RULES.replacing(PkhRule(version="pkh-v2", effective_from=ON, max_decile=3)))
    assert shifts[("3571", Program.PKH)].lost == (Beneficiary("k"),)
    assert shifts[("3506", Program.PKH)].lost == () and shifts[("3506", Program.PKH)].gained == ()


def test_a_higher_limit_reports_gains_and_the_same_rules_report_no_change():
    log = _two_regencies()
    wider = _shifts(log, RULES.replacing(SembakoRule(version="sembako-v2", effective_from=ON, max_decile=5)))
    assert wider[("3571", Program.SEMBAKO)].gained == (Beneficiary("k-neighbour-4"),)
    unchanged = _shifts(log, RULES)
    assert all(not s.gained and not s.lost for s in unchanged.values())
    assert list(unchanged) == [(r, p) for r in ("3506", "3571")
                               for p in (Program.PKH, Program.SEMBAKO, Program.PBI_JK, Program.PIP)]


def test_proposed_weights_are_simulated_like_proposed_rules():
    log = _two_regencies()
    # a car that makes a household poorer turns Kediri's ranking upside down
    upside_down = WEIGHTS.model_copy(update={"version": "pmt-upside-down", "effective_from": date(2026, 3, 1),
                                             "vehicle": {"car": -10, "_other": 0}})
    kediri = _shifts(log, RULES, proposed_weights=upside_down)[("3571", Program.SEMBAKO)]
    assert kediri.gained == tuple(Beneficiary(f"k-neighbour-{w}") for w in (6, 7, 8, 9))
    assert kediri.lost == (Beneficiary("k"), *(Beneficiary(f"k-neighbour-{w}") for w in (0, 1, 2)))
