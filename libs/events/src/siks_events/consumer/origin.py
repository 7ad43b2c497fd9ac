"""Events are trusted only from their owner: the topic, the CloudEvents `source` and the recorded role must fit the type.

A registry type is accepted only from `siks.registry.events` with source `/siks-ng/registry`; Dukcapil's types
come from their own topic with whatever source Dukcapil names; an event recorded as caused by a role that may
change nothing (an auditor, the public) or by no known role is forged. Anything else is dead-lettered unapplied.
"""

from __future__ import annotations

from siks_events.auth import Role
from siks_events.catalog import EventRejected
from siks_events.model import Event
from siks_events.permissions import EMITTING_ROLES

PARTNERS = frozenset({"dukcapil"})
"""Catalogue modules of systems outside SIKS-NG: their types are owned by their topic alone."""


class NotFromOwner(EventRejected):
    """A known event type that came from a topic, source or role that may not emit it."""

    reason_code = "not-from-owner"


def owner_source(cls: type[Event]) -> str | None:
    """The `source` that owns a type (`/siks-ng/<service>` of its catalogue module), or None when any may send it."""
    package, _, service = cls.__module__.rpartition(".")
    if package != "siks_events.catalog" or service in PARTNERS:
        return None
    return f"/siks-ng/{service}"


def check_origin(event: Event, *, topic: str, source: str, role: str | None, topic_prefix: str = "") -> None:
    """Raise NotFromOwner unless `event` came from its type's topic and owner, recorded by a role that may cause it."""
    cls = type(event)
    if topic != topic_prefix + cls.topic:
        raise NotFromOwner(f"{cls.type} belongs on {topic_prefix + cls.topic}, not on {topic}")
    owner = owner_source(cls)
    if owner is not None and source != owner:
        raise NotFromOwner(f"{cls.type} is published only by {owner}, not by {source!r}")
    if role is not None and (role not in Role._value2member_map_ or Role(role) not in EMITTING_ROLES):
        raise NotFromOwner(f"{cls.type} cannot have been caused by role {role!r}")
