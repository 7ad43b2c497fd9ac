"""What DTKS says about a person, as the integration service's copy holds it: one membership per
household the person was ever in, and the rule that picks the person's current one.

Registry events about one person come from several households (streams) and reach us in any
order (each household has its own partition), so the rule looks only at what the events say
(status, the registry's time) and never at when a row arrived or was last written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    MOVED_OUT = "moved_out"  # left this household for another village (about the membership)
    REMOVED = "removed"  # left this household for another reason (about the membership)
    GRADUATED = "graduated"  # the whole household left DTKS, no longer poor (about the membership)
    DECEASED = "deceased"  # died (about the person, whichever household reported it)


@dataclass(frozen=True)
class Membership:
    """A person (ART) in one household (rumah tangga), as that household's stream last told us."""

    nik: str
    household_id: str
    status: MembershipStatus
    since: datetime | None = None
    """When the registry recorded the change that gave this status (its clock, not ours); None if unknown."""
    status_since: date | None = None
    """The date the change took effect for people (died on, moved on)."""
    kk_number: str | None = None
    region_code: str | None = None
    full_name: str | None = None
    birth_date: date | None = None


_LONG_AGO = datetime.min.replace(tzinfo=UTC)


def current_membership(memberships: Iterable[Membership]) -> Membership | None:
    """The membership that speaks for the person now: a death anywhere, else an active membership,
    else the last one that ended; among equals the one the registry recorded last, then the
    greatest household id (so the answer never depends on arrival order)."""
    return max(
        memberships,
        key=lambda m: (m.status is MembershipStatus.DECEASED, m.status is MembershipStatus.ACTIVE,
                       m.since or _LONG_AGO, m.household_id),
        default=None,
    )
