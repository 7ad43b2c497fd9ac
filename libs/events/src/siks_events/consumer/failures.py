"""Which failures pass with time (retry, never dead-letter) and which will happen again (dead-letter)."""

from __future__ import annotations

import asyncpg

from siks_events.model import RuleViolated, StreamVersionConflict
from siks_events.uow import PoolExhausted

# Our own database is away, busy or restarting: no fault of the event.
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    PoolExhausted,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, crash shutdown
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
    asyncpg.exceptions.InternalClientError,  # a pooled connection left broken by a server that went away
)

# Another writer got there first or the database chose us as a deadlock victim: try again.
RACES: tuple[type[BaseException], ...] = (
    StreamVersionConflict,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
)


class UnexpectedEventType(RuleViolated):
    """An event of a type this consumer has no rule for arrived on its topic; it is dead-lettered, never dropped."""

    code = "unexpected-event-type"

    def __init__(self, event_type: str, topic: str) -> None:
        super().__init__(f"{event_type} is not an event this service expects on {topic}", field="type")
        self.event_type, self.topic = event_type, topic


class InboxRace(Exception):
    """A twin delivery of an event in this batch was applied by another member first."""


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same event later can succeed without anyone changing it."""
    if isinstance(exc, asyncpg.UniqueViolationError) and exc.table_name == "inbox":
        return True
    return isinstance(exc, DATABASE_UNAVAILABLE + RACES + (InboxRace,))
