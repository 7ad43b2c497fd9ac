"""Apply a batch of one partition's records in one transaction: effects, inbox rows, dead letters
and the partition's position commit together, so a redelivered batch changes nothing.

The fast path runs every handler on the batch's connection with no savepoint. If any event fails,
the whole transaction is undone and the batch is applied again event by event, each in a savepoint,
so one bad event is dead-lettered without its neighbours and a lost race is retried for that event
alone. Transient failures that outlast that (the database away, a race lost again and again) leave the
batch untouched and propagate: the caller retries it later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from siks_events import telemetry
from siks_events.catalog import EventRejected
from siks_events.consumer import dead_letters, inbox, positions
from siks_events.consumer.dead_letters import DeadLetter
from siks_events.consumer.failures import DATABASE_UNAVAILABLE, RACES, InboxRace, is_transient
from siks_events.consumer.positions import Position
from siks_events.envelope import Envelope
from siks_events.model import Cause, Conflict, DomainError, Event
from siks_events.uow import PostgresUnitOfWork, UnitOfWork, acquire

log = logging.getLogger("siks.consumer")

Handler = Callable[[Event, Envelope, UnitOfWork], Awaitable[None]]
"""Applies one event: enters the unit of work it is given (only that one), changes aggregates, commits."""

UnitOfWorkFactory = Callable[[Cause], PostgresUnitOfWork]


@dataclass
class Item:
    """One record of the batch, decoded once."""

    record: ConsumerRecord
    envelope: Envelope | None = None
    event: Event | None = None
    rejected: EventRejected | None = None

    @property
    def key(self) -> str:
        assert self.envelope is not None
        return inbox.inbox_key(self.envelope)


@dataclass
class Outcome:
    """What a batch did: events applied, redeliveries ignored, records dead-lettered."""

    applied: int = 0
    duplicates: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)
    position: Position = field(default_factory=Position)
    split: bool = False


def decode(record: ConsumerRecord) -> Item:
    try:
        envelope = Envelope.from_kafka(record.key, record.value, record.headers)
        return Item(record, envelope, envelope.event())
    except EventRejected as rejected:
        return Item(record, rejected=rejected)


class BatchApplier:
    """Applies batches of one consumer's records (see the module docstring)."""

    def __init__(
        self,
        *,
        consumer: str,
        pool: asyncpg.Pool,
        handler: Handler,
        uow_factory: UnitOfWorkFactory,
        max_attempts: int = 3,
        retry_delay: float = 0.2,
        max_races: int = 20,
        acquire_timeout: float = 30.0,
    ) -> None:
        self.consumer = consumer
        self.pool = pool
        self.handler = handler
        self.uow_factory = uow_factory
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.max_races = max_races
        self.acquire_timeout = acquire_timeout

    async def apply(self, tp: TopicPartition, records: list[ConsumerRecord]) -> Outcome:
        """Apply `records` (in offset order) all or nothing; raise only transient failures."""
        items = [decode(r) for r in records]
        connection = await acquire(self.pool, self.acquire_timeout)
        try:
            try:
                async with connection.transaction():
                    return await self._apply(connection, tp, items, isolated=False)
            except DATABASE_UNAVAILABLE:
                raise
            except Exception:  # noqa: BLE001, S110 - isolate the event at fault (or retry the race) one by one
                pass
            async with connection.transaction():
                outcome = await self._apply(connection, tp, items, isolated=True)
                outcome.split = True
                return outcome
        finally:
            await self.pool.release(connection)

    async def _apply(self, connection: asyncpg.Connection, tp: TopicPartition, items: list[Item],
                     *, isolated: bool) -> Outcome:
        outcome = Outcome(position=Position.after(items[-1].record))
        done = await inbox.already_applied(connection, self.consumer, [i.key for i in items if i.envelope])
        applied: list[str] = []
        for item in items:
            if item.rejected is not None:
                rejected = item.rejected
                outcome.dead_letters.append(DeadLetter(item.record, rejected.reason_code, rejected.reason))
                continue
            if item.key in done:
                outcome.duplicates += 1
                continue
            done.add(item.key)
            assert item.envelope is not None and item.event is not None
            with telemetry.consumer_span(item.envelope, self.consumer):
                if isolated:
                    letter = await self._apply_isolated(connection, item)
                else:
                    await self._run_handler(connection, item, savepoint=False)
                    letter = None
            if letter is None:
                applied.append(item.key)
            else:
                outcome.dead_letters.append(letter)
        try:
            await inbox.remember(connection, self.consumer, applied)
        except asyncpg.UniqueViolationError:
            raise InboxRace("a twin delivery was applied first") from None
        await dead_letters.record(connection, self.consumer, outcome.dead_letters)
        await positions.store(connection, self.consumer, tp, outcome.position)
        outcome.applied = len(applied)
        return outcome

    async def _run_handler(self, connection: asyncpg.Connection, item: Item, *, savepoint: bool) -> None:
        assert item.envelope is not None and item.event is not None
        uow = self.uow_factory(cause_of(item.envelope, self.consumer)).bind(connection, savepoint=savepoint)
        await self.handler(item.event, item.envelope, uow)

    async def _apply_isolated(self, connection: asyncpg.Connection, item: Item) -> DeadLetter | None:
        """Apply one event in a savepoint; its own permanent failure becomes its dead letter."""
        assert item.envelope is not None
        attempt = races = 0
        while True:
            attempt += 1
            try:
                async with connection.transaction():  # a savepoint: the handler's writes and nothing else
                    await self._run_handler(connection, item, savepoint=True)
                return None
            except RACES:
                # Another writer moved the stream on: reload and try again, in this transaction while it lasts.
                races += 1
                if races > self.max_races:
                    raise
                attempt -= 1
                await asyncio.sleep(0.01 * races)
            except DomainError as exc:
                if is_transient(exc):
                    raise
                # A rule the event breaks will break again: no retry.
                kind = "conflict" if isinstance(exc, Conflict) else "rule"
                return DeadLetter(item.record, exc.code, f"{kind}: {exc.detail}", item.envelope.id)
            except Exception as exc:  # noqa: BLE001 - an unknown fault must not stop the partition forever
                if is_transient(exc):
                    raise
                log.exception("handler failed", extra={"consumer": self.consumer, "attempt": attempt})
                if attempt >= self.max_attempts:
                    return DeadLetter(item.record, "handler-failed",
                                      f"handler failed after {attempt} attempts: {exc!r}", item.envelope.id)
                await asyncio.sleep(self.retry_delay * attempt)


def cause_of(envelope: Envelope, consumer: str) -> Cause:
    """Who caused the effects of applying an event: its actor, and the event as the cause."""
    ext = envelope.extensions
    return Cause(
        actor=ext.get("actor") or envelope.source,
        role=ext.get("actorrole") or "system",
        region=ext.get("actorregion") or "",
        command=f"{consumer}:{envelope.type}",
        request_id=ext.get("requestid"),
        causation_id=envelope.id,
        traceparent=telemetry.current_traceparent() or envelope.traceparent,
    )
