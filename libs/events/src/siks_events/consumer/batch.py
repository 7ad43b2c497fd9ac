"""Apply a batch of one partition's records in one transaction: effects, inbox rows, dead letters
and the partition's position commit together, so a redelivered batch changes nothing.

The fast path runs every handler on the batch's connection with no savepoint (a `BatchHandler` is
called once with all the batch's new events, so a projection can write them with one statement). If any event fails,
the whole transaction is undone and the batch is applied again event by event, each in a transaction
of its own, so one bad event is dead-lettered without its neighbours and a lost race or a lock wait
holds up only that event (long batch transactions of several partitions touching the same households
would otherwise deadlock one another again and again). Transient failures that outlast that (the
database away, a race lost again and again) propagate: the caller retries from the stored position.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from siks_events import telemetry
from siks_events.catalog import EventRejected
from siks_events.consumer import dead_letters, inbox, positions
from siks_events.consumer.dead_letters import DeadLetter
from siks_events.consumer.failures import DATABASE_UNAVAILABLE, RACES, InboxRace, is_transient
from siks_events.consumer.origin import check_origin
from siks_events.consumer.positions import Position
from siks_events.envelope import Envelope
from siks_events.model import Cause, Conflict, DomainError, Event
from siks_events.uow import PostgresUnitOfWork, UnitOfWork, acquire

log = logging.getLogger("siks.consumer")

Handler = Callable[[Event, Envelope, UnitOfWork], Awaitable[None]]
"""Applies one event: enters the unit of work it is given (only that one), changes aggregates, commits."""

UnitOfWorkFactory = Callable[[Cause], PostgresUnitOfWork]

T = TypeVar("T")


async def until_done(apply: Callable[[], Awaitable[T]], *, consumer: str, max_backoff: float = 10.0,
                     on_retry: Callable[[], None] = lambda: None, **context: object) -> T:
    """`apply()` again and again until it succeeds: nothing may skip a record, so a failure (the database away, a
    bug) is logged and waited out, the wait doubling up to `max_backoff`."""
    backoff = 0.2
    while True:
        try:
            return await apply()
        except Exception as exc:  # noqa: BLE001 - a bug is retried and logged, never skipped
            on_retry()
            if is_transient(exc):
                log.warning("transient failure; retrying the batch", extra={
                    "consumer": consumer, **context, "error": repr(exc), "backoff": backoff})
            else:
                log.exception("batch failed unexpectedly; retrying", extra={"consumer": consumer, **context})
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)


class BatchHandler(abc.ABC):
    """Applies many events at once on the consumer's connection, inside its transaction, in the order given.

    For effects that are rows rather than aggregates (projections, copies of another service's data):
    one multi-row statement per batch instead of one per event. The inbox, the position and the dead
    letters stay the consumer's job; if the call fails, the events are offered again one at a time so
    the one at fault is dead-lettered alone.
    """

    @abc.abstractmethod
    async def apply(self, events: Sequence[tuple[Event, Envelope]], connection: asyncpg.Connection) -> None: ...


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

    def dead_letter(self) -> DeadLetter:
        """The dead letter of a refused record, naming its event where the envelope could be read."""
        assert self.rejected is not None
        return DeadLetter(self.record, self.rejected.reason_code, self.rejected.reason,
                          self.envelope.id if self.envelope else None)


@dataclass
class Outcome:
    """What a batch did: events applied, redeliveries ignored, records dead-lettered."""

    applied: int = 0
    duplicates: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)
    position: Position = field(default_factory=Position)
    split: bool = False
    changes: list[UnitOfWork | None] = field(default_factory=list)
    """The handlers' units of work, whose on-committed callbacks run once the batch has committed."""

    def committed(self) -> None:
        for change in self.changes:
            if change is not None:
                change.run_committed()
        self.changes = []


def decode(record: ConsumerRecord, topic_prefix: str = "") -> Item:
    """The record as an event, or why it is refused: not a CloudEvent, an unknown type, or not from its owner."""
    try:
        envelope = Envelope.from_kafka(record.key, record.value, record.headers)
    except EventRejected as rejected:
        return Item(record, rejected=rejected)
    try:
        event = envelope.event()
        check_origin(event, topic=record.topic, source=envelope.source, role=envelope.extensions.get("actorrole"),
                     topic_prefix=topic_prefix)
    except EventRejected as rejected:
        return Item(record, envelope, rejected=rejected)  # the envelope names the event in the dead letter
    return Item(record, envelope, event)


class BatchApplier:
    """Applies batches of one consumer's records (see the module docstring)."""

    def __init__(
        self,
        *,
        consumer: str,
        pool: asyncpg.Pool,
        handler: Handler | BatchHandler,
        uow_factory: UnitOfWorkFactory,
        max_attempts: int = 3,
        retry_delay: float = 0.2,
        max_races: int = 20,
        acquire_timeout: float = 30.0,
        topic_prefix: str = "",
    ) -> None:
        self.consumer = consumer
        self.topic_prefix = topic_prefix
        self.pool = pool
        self.handler = handler
        self.uow_factory = uow_factory
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.max_races = max_races
        self.acquire_timeout = acquire_timeout

    async def apply(self, tp: TopicPartition, records: list[ConsumerRecord]) -> Outcome:
        """Apply `records` (in offset order); raise only transient failures, having changed nothing."""
        return await self._apply_items(tp, [decode(r, self.topic_prefix) for r in records])

    async def _apply_items(self, tp: TopicPartition, items: list[Item], *, together: bool = True) -> Outcome:
        """`apply` of decoded records: all in one transaction (unless `together` is False: that was just tried),
        then, if that fails, one by one."""
        connection = await acquire(self.pool, self.acquire_timeout)
        try:
            if together:
                try:
                    async with connection.transaction():
                        outcome = (await self._apply_together(connection, {tp: items}))[tp]
                    outcome.committed()
                    return outcome
                except DATABASE_UNAVAILABLE:
                    raise
                except Exception as exc:  # noqa: BLE001 - isolate the event at fault (or retry the race) one by one
                    log.debug("batch split", extra={"consumer": self.consumer, "error": repr(exc)})
            return await self._apply_one_by_one(connection, tp, items)
        finally:
            await self.pool.release(connection)

    async def apply_partitions(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> dict[TopicPartition, Outcome]:
        """Apply several partitions' records (each in offset order) in one transaction, a `BatchHandler` called once
        for all of them: a projection that aggregates across partitions (ranking a region, say) does it once per
        batch instead of once per partition, and its partitions never queue on each other's locks. If that fails,
        each partition is applied as `apply` does. Raises only transient failures."""
        decoded = {tp: [decode(r, self.topic_prefix) for r in records] for tp, records in batches.items() if records}
        if not decoded:
            return {}
        connection = await acquire(self.pool, self.acquire_timeout)
        try:
            async with connection.transaction():
                outcomes = await self._apply_together(connection, decoded)
            for outcome in outcomes.values():
                outcome.committed()
            return outcomes
        except DATABASE_UNAVAILABLE:
            raise
        except Exception as exc:  # noqa: BLE001 - isolate the partition, then the event, at fault
            log.debug("batch of partitions split", extra={"consumer": self.consumer, "error": repr(exc)})
        finally:
            await self.pool.release(connection)
        # each partition alone (a lone partition's batch was just tried whole: straight to one by one); decoded once
        return {tp: await self._apply_items(tp, items, together=len(decoded) > 1) for tp, items in decoded.items()}

    async def _apply_together(self, connection: asyncpg.Connection,
                              batches: dict[TopicPartition, list[Item]]) -> dict[TopicPartition, Outcome]:
        """The fast path: every event of the partitions' batches in the caller's one transaction, no savepoints."""
        outcomes = {tp: Outcome(position=Position.after(items[-1].record)) for tp, items in batches.items()}
        done = await inbox.already_applied(
            connection, self.consumer, [i.key for items in batches.values() for i in items if i.envelope])
        applied: list[str] = []
        fresh: list[tuple[Outcome, Item]] = []
        for tp, items in batches.items():
            outcome = outcomes[tp]
            for item in items:
                if item.rejected is not None:
                    outcome.dead_letters.append(item.dead_letter())
                elif item.key in done:
                    outcome.duplicates += 1
                else:
                    done.add(item.key)
                    fresh.append((outcome, item))
                    applied.append(item.key)
                    outcome.applied += 1
        if isinstance(self.handler, BatchHandler):
            if fresh:
                with telemetry.batch_span([i.envelope for _, i in fresh], self.consumer):
                    await self.handler.apply([(i.event, i.envelope) for _, i in fresh], connection)  # type: ignore[misc]
        else:
            for outcome, item in fresh:
                outcome.changes.append(await self._run_handler(connection, item, savepoint=False))
        try:
            await inbox.remember(connection, self.consumer, applied)
        except asyncpg.UniqueViolationError:
            raise InboxRace("a twin delivery was applied first") from None
        for tp, outcome in outcomes.items():
            await dead_letters.record(connection, self.consumer, outcome.dead_letters)
            await positions.store(connection, self.consumer, tp, outcome.position)
        return outcomes

    async def _apply_one_by_one(self, connection: asyncpg.Connection, tp: TopicPartition,
                                items: list[Item]) -> Outcome:
        """The slow path: each event in a transaction of its own with its inbox row and position, so a
        lost race or a lock wait on one event holds nothing of its neighbours, and a bad one is
        dead-lettered alone."""
        outcome = Outcome(position=Position.after(items[-1].record), split=True)
        for item in items:
            position = Position.after(item.record)
            if item.rejected is not None:
                letter: DeadLetter | None = item.dead_letter()
            else:
                letter = await self._apply_alone(connection, tp, item, position, outcome)
                if letter is None:
                    continue
            async with connection.transaction():
                await dead_letters.record(connection, self.consumer, [letter])
                await positions.store(connection, self.consumer, tp, position)
            outcome.dead_letters.append(letter)
        return outcome

    async def _apply_alone(self, connection: asyncpg.Connection, tp: TopicPartition, item: Item, position: Position,
                           outcome: Outcome) -> DeadLetter | None:
        """Apply one event with its inbox row and position; its own permanent failure becomes its dead letter."""
        assert item.envelope is not None
        attempt = races = 0
        while True:
            attempt += 1
            try:
                change = None
                async with connection.transaction():
                    if await inbox.already_applied(connection, self.consumer, [item.key]):
                        outcome.duplicates += 1
                    else:
                        change = await self._run_handler(connection, item, savepoint=True)
                        await inbox.remember(connection, self.consumer, [item.key])
                        outcome.applied += 1
                    await positions.store(connection, self.consumer, tp, position)
                if change is not None:
                    change.run_committed()
                return None
            except DATABASE_UNAVAILABLE:
                raise
            except (*RACES, asyncpg.UniqueViolationError) as exc:
                # Another writer moved the stream on (or applied this very event): look again.
                if isinstance(exc, asyncpg.UniqueViolationError) and exc.table_name != "inbox":
                    letter = self._failed(item, exc, attempt)
                    if letter is not None:
                        return letter
                    continue
                races += 1
                if races > self.max_races:
                    raise
                attempt -= 1
                await asyncio.sleep(0.01 * races)
            except DomainError as exc:
                # A rule the event breaks will break again: no retry.
                kind = "conflict" if isinstance(exc, Conflict) else "rule"
                return DeadLetter(item.record, exc.code, f"{kind}: {exc.detail}", item.envelope.id)
            except Exception as exc:  # noqa: BLE001 - an unknown fault must not stop the partition forever
                if is_transient(exc):
                    raise
                letter = self._failed(item, exc, attempt)
                if letter is not None:
                    return letter
                await asyncio.sleep(self.retry_delay * attempt)

    def _failed(self, item: Item, exc: Exception, attempt: int) -> DeadLetter | None:
        """The dead letter of a handler that failed its last attempt, or None to try again."""
        assert item.envelope is not None
        log.error("handler failed", exc_info=exc, extra={"consumer": self.consumer, "attempt": attempt})
        if attempt < self.max_attempts:
            return None
        return DeadLetter(item.record, "handler-failed", f"handler failed after {attempt} attempts: {exc!r}",
                          item.envelope.id)

    async def _run_handler(self, connection: asyncpg.Connection, item: Item, *, savepoint: bool) -> UnitOfWork | None:
        """Apply one event; returns the unit of work it changed, if any."""
        assert item.envelope is not None and item.event is not None
        if isinstance(self.handler, BatchHandler):
            # the slow path already runs this event in a transaction of its own
            with telemetry.batch_span([item.envelope], self.consumer):
                await self.handler.apply([(item.event, item.envelope)], connection)
            return None
        with telemetry.consumer_span(item.envelope, self.consumer):  # first: the effects' cause names this span
            uow = self.uow_factory(cause_of(item.envelope, self.consumer)).bind(connection, savepoint=savepoint)
            await self.handler(item.event, item.envelope, uow)
        return uow


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
