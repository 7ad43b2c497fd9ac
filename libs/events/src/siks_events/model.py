"""The vocabulary every service's domain speaks: events, aggregates, errors, identifiers.

Pure Python: nothing here touches a database, a broker or HTTP.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

# --- errors -------------------------------------------------------------------------


class DomainError(Exception):
    """Base of the errors a domain raises on purpose; `code` is stable, `field` optional."""

    code: ClassVar[str] = "domain-error"
    field: ClassVar[str | None] = None

    def __init__(self, detail: str = "", *, field: str | None = None) -> None:
        super().__init__(detail or self.__doc__ or self.code)
        self.detail = detail or (self.__doc__ or self.code).strip()
        if field is not None:
            self.field = field

    def field_errors(self) -> list[tuple[str, str]]:
        """(field, message) for each input at fault; empty when no single input is."""
        return [(self.field, self.detail)] if self.field else []


class NotFound(DomainError):
    """The thing asked for does not exist."""

    code = "not-found"


class Conflict(DomainError):
    """The change collides with the current state (for example a concurrent writer)."""

    code = "conflict"


class RuleViolated(DomainError):
    """The change breaks a business rule."""

    code = "rule-violated"


class Forbidden(DomainError):
    """The actor may not do this."""

    code = "forbidden"


class RateLimited(DomainError):
    """The caller asked too often; try again later."""

    code = "too-many-requests"

    def __init__(self, detail: str = "", *, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        """Whole seconds until the caller may ask again (the Retry-After header)."""


class StreamVersionConflict(Conflict):
    """Another writer appended to the stream first; reload and try again."""

    code = "stream-version-conflict"

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is no longer at version {expected_version}: "
            "another writer appended first"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version


# --- identifiers --------------------------------------------------------------------

# ASCII digits, whole string: Python's \d also takes other scripts' digits and its $ a trailing newline.
NIK_PATTERN = r"^[0-9]{16}$"
REGION_PATTERN = r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10})$"
_NIK = re.compile(NIK_PATTERN)
_REGION = re.compile(REGION_PATTERN)


def _nik(value: str) -> str:
    if not _NIK.fullmatch(value):
        raise ValueError("a NIK is exactly 16 digits")
    return value


def _region(value: str) -> str:
    if not _REGION.fullmatch(value):
        raise ValueError("a region code has 2, 4, 6 or 10 digits, written without dots")
    return value


# The JSON schema states the same shape, so clients and fuzzers send what the validator accepts.
Nik = Annotated[str, AfterValidator(_nik), WithJsonSchema({"type": "string", "pattern": NIK_PATTERN})]
"""A 16-digit national identity number (Nomor Induk Kependudukan); its shape only."""

RegionCode = Annotated[str, AfterValidator(_region), WithJsonSchema({"type": "string", "pattern": REGION_PATTERN})]
"""A Kemendagri region code without dots: province 2, regency 4, sub-district 6, village 10 digits."""


def mask_nik(nik: str) -> str:
    """Show only the first 6 (district) and last 2 digits of a NIK."""
    return nik[:6] + "*" * 8 + nik[-2:] if len(nik) == 16 else nik


# --- events -------------------------------------------------------------------------


class Event(BaseModel):
    """A fact that happened, named in the past tense; its type string carries its version.

    Subclasses set `type` (e.g. ``siks.registry.member-deceased.v1``) and `topic`. The
    optional `subject_field` names the field that says what the event is about; by default
    the subject is the id of the stream that recorded it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    topic: ClassVar[str]
    subject_field: ClassVar[str | None] = None

    def subject(self) -> str | None:
        """What the event is about, when that is not the recording stream itself."""
        return str(getattr(self, self.subject_field)) if self.subject_field else None


class Aggregate:
    """A consistency boundary whose state is the fold of its events.

    Public methods decide and call `_record`; `_apply` changes state and runs again on
    every replay, so it neither checks nor raises.
    """

    def __init__(self, id: str) -> None:
        self.id = id
        self.version = 0
        self.pending_events: list[Event] = []

    @classmethod
    def rehydrate(cls, id: str, events: Iterable[Event]) -> Self:
        """Rebuild an aggregate from its past events."""
        aggregate = cls(id)
        for event in events:
            aggregate._apply(event)
            aggregate.version += 1
        return aggregate

    def _record(self, event: Event) -> None:
        self._apply(event)
        self.pending_events.append(event)

    def collect_events(self) -> list[Event]:
        """Hand over the events recorded since the last collection."""
        events, self.pending_events = self.pending_events, []
        return events

    def _apply(self, event: Event) -> None:  # pragma: no cover - every aggregate overrides
        raise NotImplementedError


class Cause(BaseModel):
    """Who caused an event and why: recorded with every event the store accepts."""

    model_config = ConfigDict(frozen=True)

    actor: str = "system"
    role: str = "system"
    region: str = ""
    command: str | None = None
    request_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None

    def as_metadata(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


def new_event_id() -> str:
    return str(uuid.uuid4())


class PendingEvent(BaseModel):
    """An event on its way into the store, with its id fixed before the append."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    event: Event
    id: str = Field(default_factory=new_event_id)
