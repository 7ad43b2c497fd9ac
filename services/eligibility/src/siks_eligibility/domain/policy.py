"""Versioned policy data: every version of a policy has an effective date, and a date picks the one in force."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

from siks_events.model import NotFound


class NoVersionInForce(NotFound):
    """No version of this policy had taken effect on the date asked about."""

    code = "no-policy-version-in-force"


class Versioned(Protocol):
    version: str
    effective_from: date


V = TypeVar("V", bound=Versioned)


def in_force(versions: Iterable[V], on: date, *, what: str) -> V:
    """The version with the latest `effective_from` on or before `on`; raises NoVersionInForce."""
    candidates = [v for v in versions if v.effective_from <= on]
    if not candidates:
        raise NoVersionInForce(f"no version of {what} is in force on {on.isoformat()}")
    # two versions on the same day: the later version string wins, so the choice never depends on file order
    return max(candidates, key=lambda v: (v.effective_from, v.version))
