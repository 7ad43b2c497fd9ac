"""Unit of work: load aggregates from their streams, then commit their new events atomically.

Commit order matters for the relay (see relay.py): events are appended first, so the
transaction takes its id at that write; the inbox row, consumer position and any other
write come after.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Self, TypeVar

import asyncpg

from siks_events import metrics
from siks_events.model import Aggregate, Cause, PendingEvent
from siks_events.store import EventStore, PostgresEventStore, RecordedEvent

A = TypeVar("A", bound=Aggregate)
log = logging.getLogger("siks.uow")
AfterEvents = Callable[["UnitOfWork"], Awaitable[None]]


class UnitOfWork(abc.ABC):
    """One atomic change: the aggregates it loaded, their new events and the writes after them."""

    events: EventStore

    def __init__(self, cause: Cause | None = None) -> None:
        self.cause = cause or Cause()
        self.recorded: list[RecordedEvent] = []
        self.changed: list[Aggregate] = []
        self._seen: dict[str, Aggregate] = {}
        self._after_events: list[AfterEvents] = []
        self._committed = False
        self._on_committed: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        # after-events writes registered before entering (the consumer's inbox row) stay
        self._seen, self.recorded, self.changed, self._committed = {}, [], [], False
        await self._begin()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if not self._committed:
                await self._rollback()
        finally:
            self._after_events = []
            await self._close()

    @property
    def committed(self) -> bool:
        """Whether the last `async with` of this unit of work ended in a commit."""
        return self._committed

    async def load(self, cls: type[A], stream_id: str) -> A | None:
        """The aggregate folded from its stream, tracked for commit; None when the stream is empty."""
        if stream_id in self._seen:
            return self._seen[stream_id]  # type: ignore[return-value]
        history = await self.events.read_stream(stream_id)
        if not history:
            return None
        aggregate = cls.rehydrate(stream_id, (r.event() for r in history))
        self._seen[stream_id] = aggregate
        return aggregate

    def add(self, aggregate: Aggregate) -> None:
        """Track a new aggregate so its events are appended on commit."""
        self._seen[aggregate.id] = aggregate

    def discard(self) -> None:
        """Forget every aggregate loaded or added so far: their undecided events will not be appended."""
        self._seen = {}

    def after_events(self, write: AfterEvents) -> None:
        """Run `write` in this transaction once the events are appended (once, however often it is given)."""
        if write not in self._after_events:
            self._after_events.append(write)

    def on_committed(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this change is durable: at commit, or, bound into a consumer's batch, when the
        batch's transaction commits (`run_committed`); never if it is undone."""
        self._on_committed.append(callback)

    def run_committed(self) -> None:
        """Call the callbacks of a change that is now durable, once."""
        callbacks, self._on_committed = self._on_committed, []
        for callback in callbacks:
            callback()

    @property
    def durable_on_commit(self) -> bool:
        """Whether `commit` makes the change durable by itself (not when bound into someone else's transaction)."""
        return True

    async def commit(self) -> list[RecordedEvent]:
        """Append every tracked aggregate's new events, then the other writes; all or nothing."""
        appended: list[RecordedEvent] = []
        for aggregate in self._seen.values():
            pending = [PendingEvent(event=e) for e in aggregate.collect_events()]
            if pending:
                appended += await self.events.append(aggregate.id, aggregate.version, pending, self.cause)
                aggregate.version += len(pending)
                self.changed.append(aggregate)
        self.recorded += appended
        for write in self._after_events:
            await write(self)
        await self._commit()
        self._committed = True
        if appended:
            self.on_committed(lambda: metrics.count_appended(r.type for r in appended))
        if self.durable_on_commit:
            self.run_committed()
        return self.recorded

    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def _commit(self) -> None: ...

    @abc.abstractmethod
    async def _rollback(self) -> None: ...

    async def _close(self) -> None:
        return None


class PostgresUnitOfWork(UnitOfWork):
    """A unit of work in one PostgreSQL transaction on a pooled connection.

    Bound to a connection (`bind`), it runs inside the caller's transaction instead: the consumer
    applies a whole batch of events in one transaction, each event's unit of work in a savepoint
    (or, on the fast path, with no savepoint at all: any failure then undoes the whole batch).
    """

    connection: asyncpg.Connection
    acquire_timeout: float | None = 10.0
    """Seconds to wait for a pooled connection; past it `PoolExhausted` (an HTTP 503)."""

    def __init__(self, pool: asyncpg.Pool, cause: Cause | None = None) -> None:
        super().__init__(cause)
        self.pool = pool
        self._bound: asyncpg.Connection | None = None
        self._savepoint = True

    @property
    def durable_on_commit(self) -> bool:
        return self._bound is None

    def bind(self, connection: asyncpg.Connection, *, savepoint: bool = True) -> Self:
        """Run inside `connection`'s open transaction; never take a connection of its own."""
        self._bound, self._savepoint = connection, savepoint
        return self

    async def _begin(self) -> None:
        if self._bound is not None:
            self.connection = self._bound
            self._transaction = self.connection.transaction() if self._savepoint else None
            if self._transaction is not None:
                await self._transaction.start()  # nested: a savepoint
        else:
            self.connection = await acquire(self.pool, self.acquire_timeout)
            try:
                self._transaction = self.connection.transaction()
                await self._transaction.start()
            except BaseException:
                # __aexit__ does not run when __aenter__ fails (a cancellation, say): give the connection back
                with contextlib.suppress(Exception):  # a broken one is terminated by the pool all the same
                    await self.pool.release(self.connection)
                raise
        self.events = PostgresEventStore(self.connection)

    async def _commit(self) -> None:
        if self._transaction is not None:
            await self._transaction.commit()

    async def _rollback(self) -> None:
        if self._transaction is not None:
            await self._transaction.rollback()
        elif sys.exc_info()[1] is None:
            # Without a savepoint nothing of this unit of work can be undone alone: undo the batch.
            # (When an exception is on its way out, it undoes the batch by itself.)
            raise BatchMustBeSplit("a unit of work without a savepoint ended without committing")

    async def _close(self) -> None:
        if self._bound is None:
            try:
                await self.pool.release(self.connection)
            except Exception:  # noqa: BLE001 - the pool has terminated it; the error on its way out is the news
                # A connection that broke mid-operation (the server went away) cannot be reset for reuse:
                # asyncpg terminates it and says so here, which must not hide why the unit of work failed.
                log.info("a broken database connection was dropped", exc_info=True)


class BatchMustBeSplit(Exception):
    """The fast path of a batch cannot isolate one event's failure; apply the batch again, event by event."""


class PoolExhausted(Exception):
    """No database connection became free in time (answered 503, retried by consumers)."""


async def acquire(pool: asyncpg.Pool, timeout: float | None) -> asyncpg.Connection:
    """A pooled connection, or `PoolExhausted` after `timeout` seconds."""
    try:
        return await pool.acquire(timeout=timeout)
    except TimeoutError:
        raise PoolExhausted(f"no database connection free within {timeout} s") from None
