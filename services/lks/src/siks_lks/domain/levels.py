"""The three offices a decision climbs (regency/city, province, directorate general) and who sits at each."""

from __future__ import annotations

from siks_events.auth import Role
from siks_events.catalog.lks import Level, Scope

ORDER = (Level.REGENCY, Level.PROVINCE, Level.DIRECTORATE)

_OF_ROLE = {Role.DISTRICT_OFFICE: Level.REGENCY, Role.PROVINCE_OFFICE: Level.PROVINCE,
            Role.DIRECTORATE_LKS: Level.DIRECTORATE}

APPROVER = {Scope.REGENCY: Level.REGENCY, Scope.PROVINCE: Level.PROVINCE, Scope.NATIONAL: Level.DIRECTORATE}
"""Which office approves an institution's registration, by the institution's scope."""


def level_of(role: Role) -> Level | None:
    """The office level a role acts at; None for roles that are no office."""
    return _OF_ROLE.get(role)


def above(level: Level) -> Level | None:
    """The next office up, None at the top."""
    index = ORDER.index(level)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def rank(level: Level) -> int:
    return ORDER.index(level)
