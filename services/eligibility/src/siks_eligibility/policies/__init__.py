"""The policies shipped with the service: programme rules and welfare weights as versioned data files.

Each file lists every version with its effective date; a new version is a new entry, never an edit
of one already in force, so a past decision can be recomputed under the version it named.
"""

from __future__ import annotations

from importlib.resources import files

from siks_eligibility.domain.rules import RuleBook
from siks_eligibility.domain.welfare import WeightBook


def shipped_rules() -> RuleBook:
    """Every version of the programme rules in `rules.json`."""
    return RuleBook.model_validate_json(files(__package__).joinpath("rules.json").read_text())


def shipped_weights() -> WeightBook:
    """Every version of the proxy-means weights in `weights.json`."""
    return WeightBook.model_validate_json(files(__package__).joinpath("weights.json").read_text())
