"""The policies shipped with the service load, and name a version in force for every programme."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from siks_eligibility.domain.rules import PbiJkRule, PkhRule, RuleBook
from siks_eligibility.policies import shipped_rules, shipped_weights
from siks_events.catalog.registry import Program

FIRST_OF_MARCH = date(2026, 3, 1)


def test_every_programme_has_a_rule_version_in_force_and_pbi_jk_covers_the_bottom_forty_percent():
    rules = shipped_rules().rule_set(FIRST_OF_MARCH)
    assert rules.programs() == [Program.PKH, Program.SEMBAKO, Program.PBI_JK, Program.PIP]
    assert isinstance(rules[Program.PBI_JK], PbiJkRule) and rules[Program.PBI_JK].max_decile == 4
    pkh = rules[Program.PKH]
    assert isinstance(pkh, PkhRule) and (pkh.child_under, pkh.school_age_to, pkh.in_school_age_to, pkh.elderly_from) == (
        6, 18, 21, 60)


def test_the_welfare_weights_in_force_have_a_version_and_an_effective_date():
    weights = shipped_weights().in_force(FIRST_OF_MARCH)
    assert weights.version == "pmt-2025.1" and weights.effective_from <= FIRST_OF_MARCH


def test_a_rule_with_an_unknown_programme_or_field_is_refused():
    with pytest.raises(ValidationError):
        RuleBook.model_validate({"rules": [{"program": "BST", "version": "x", "effective_from": "2026-01-01",
                                            "max_decile": 4}]})
    with pytest.raises(ValidationError):
        RuleBook.model_validate({"rules": [{"program": "PKH", "version": "x", "effective_from": "2026-01-01",
                                            "max_decile": 4, "elderly_from_age": 65}]})
