"""The catalogue of event types: type string -> pydantic model, and decoding with reasons.

Each producing service has its own module here; importing this package registers them all.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from siks_events.model import Event


class EventRejected(Exception):
    """An incoming event that cannot be accepted; `reason` says why, for the dead-letter record."""

    reason_code = "rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalformedEvent(EventRejected):
    """The bytes are not a CloudEvent (missing attributes, not JSON, ...)."""

    reason_code = "malformed"


class UnknownEventType(EventRejected):
    """A well-formed CloudEvent whose type no catalogue module declares."""

    reason_code = "unknown-type"


class InvalidEventData(EventRejected):
    """A known type whose data does not match its schema."""

    reason_code = "invalid-data"


E = TypeVar("E", bound=type[Event])

_types: dict[str, type[Event]] = {}


def register(cls: E) -> E:
    """Class decorator: add an event type to the catalogue (its type string must be new)."""
    existing = _types.get(cls.type)
    if existing is not None and existing is not cls:
        raise ValueError(f"event type {cls.type!r} is already registered by {existing.__qualname__}")
    _types[cls.type] = cls
    return cls


def event_types() -> dict[str, type[Event]]:
    """Every registered type string with its model."""
    return dict(_types)


def published_types() -> dict[str, type[Event]]:
    """The types other systems may hear of: every registered one but the library's own test samples
    (`siks.testing.*`, registered when `siks_events.testing` is imported), so no document depends on that."""
    return {type_: cls for type_, cls in _types.items() if not type_.startswith("siks.testing.")}


def event_class(type_: str) -> type[Event]:
    """The model for a type string; raises UnknownEventType."""
    try:
        return _types[type_]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_!r}") from None


def decode(type_: str, data: Any) -> Event:
    """Validate event data against its type's model; raises UnknownEventType or InvalidEventData."""
    cls = event_class(type_)
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidEventData(f"{type_}: {problems}") from None


from siks_events.catalog import dukcapil as dukcapil  # noqa: E402
from siks_events.catalog import eligibility as eligibility  # noqa: E402
from siks_events.catalog import integration as integration  # noqa: E402  (registers its types)
from siks_events.catalog import lks as lks  # noqa: E402
from siks_events.catalog import proposals as proposals  # noqa: E402
from siks_events.catalog import registry as registry  # noqa: E402
from siks_events.catalog import verification as verification  # noqa: E402
