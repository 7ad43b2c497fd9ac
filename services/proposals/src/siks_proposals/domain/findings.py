"""The field's word over the village's: a proposal's change with a verified visit's findings merged in."""

from __future__ import annotations

from siks_events.catalog.proposals import AddHousehold, Change, UpdateHousehold
from siks_events.catalog.registry import Person
from siks_events.catalog.verification import Findings


def _as_found(people: tuple[Person, ...], found: dict[str, Person]) -> tuple[Person, ...]:
    return tuple(found.get(p.nik, p) for p in people)


def merged(change: Change, findings: Findings) -> Change:
    """The change the registry is to run: the data as found replaces the proposed where the visit recorded it."""
    found_data = {name: value for name in ("housing", "assets", "location")
                  if (value := getattr(findings, name)) is not None}
    match change:
        case AddHousehold():
            members = findings.members or change.members
            return change.model_copy(update={**found_data, "members": tuple(members)})
        case UpdateHousehold():
            # Only the people the proposal names: the visit may list the whole household.
            found = {p.nik: p for p in findings.members}
            return change.model_copy(update={
                **found_data,
                "members_added": _as_found(change.members_added, found),
                "members_updated": _as_found(change.members_updated, found),
            })
    return change  # a removal or a programme change has no field data to take over
