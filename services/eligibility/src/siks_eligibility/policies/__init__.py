"""The policies shipped with the service: programme rules and welfare weights as versioned data files.

Each file lists every version with its effective date; a new version is a new entry, never an edit
of one already in force, so a past decision can be recomputed under the version it named.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files

from siks_eligibility.domain.rules import RuleBook, RuleSet
from siks_eligibility.domain.welfare import WeightBook, WelfareWeights


def shipped_rules() -> RuleBook:
    """Every version of the programme rules in `rules.json`."""
    return RuleBook.model_validate_json(files(__package__).joinpath("rules.json").read_text())


def shipped_weights() -> WeightBook:
    """Every version of the proxy-means weights in `weights.json`."""
    return WeightBook.model_validate_json(files(__package__).joinpath("weights.json").read_text())


def in_force(on: date) -> tuple[RuleSet, WelfareWeights]:
    """The shipped rule versions and welfare weights in force on `on`: what a projection version assessing that day applies."""
    return shipped_rules().rule_set(on), shipped_weights().in_force(on)
