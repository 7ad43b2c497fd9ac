"""The eligibility projection: registry events folded into one version's rows, in the consumer's batch transaction.

Per batch: keep the households' events; then, unless the version is still building, refold the
households touched, write their regency and score, rank each affected regency again and decide
every household touched or whose decile moved. Deciding needs a household's state, so those
whose decile moved are refolded from their kept events too.

Cost of the ranking: per batch, one statement that ranks every ranked household of each affected regency
in PostgreSQL (O(households of the regency) there) and returns and writes only the deciles that moved.
A building version skips all but the events: when the replay has caught up, `build` folds each
household once and every regency is ranked and decided once.

Concurrency: a worker applies each batch of its partitions in one transaction (adapters/stream.py), so
its partitions never wait on each other; batches of different workers run side by side. A batch takes
an advisory lock per affected regency (in sorted order) before writing, so two batches never rank one
regency from two snapshots; households live on one partition each, so only deciles are written across
batches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from datetime import date

import asyncpg
from siks_events.consumer import BatchHandler
from siks_events.envelope import Envelope
from siks_events.model import Event, RuleViolated

from siks_eligibility.adapters.postgres import rows, versions
from siks_eligibility.adapters.postgres.rows import HouseholdRow, StoredEvent
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.adapters.postgres.versions import VersionState
from siks_eligibility.adapters.reallocation import reallocate_decided, reallocate_regencies
from siks_eligibility.domain.decision import Basis, Decision, decide_household, decide_persons
from siks_eligibility.domain.household import HouseholdState
from siks_eligibility.domain.rules import HOUSEHOLD_PROGRAMS, RuleSet
from siks_eligibility.domain.welfare import WelfareRank, WelfareScore, WelfareWeights, places_by_regency, score


class NotAHouseholdStream(RuleViolated):
    """A household event without the stream version of its household's stream: it cannot be ordered."""

    code = "no-household-stream-version"


class EligibilityProjection(BatchHandler):
    """Keeps one projection version of eligibility current with the registry's events."""

    def __init__(self, version: int, *, assessed_on: date, rules: RuleSet, weights: WelfareWeights) -> None:
        self.tables = VersionTables(version)
        self.version = version
        self.on = assessed_on
        self.rules = rules
        self.weights = weights

    async def apply(self, events: Sequence[tuple[Event, Envelope]], connection: asyncpg.Connection) -> None:
        """Fold the batch's household events into the version's rows (a retired version changes nothing)."""
        state = await versions.state_for_batch(connection, self.version)
        if state is VersionState.RETIRED:
            return
        kept = [stored for event, envelope in events if (stored := household_event(event, envelope)) is not None]
        if not kept:
            return
        await rows.insert_events(connection, self.tables, kept)
        if state is VersionState.BUILDING:
            return  # a replay only keeps the events: `build` folds every household once it has caught up
        touched = sorted({e.household_id for e in kept})
        states = await self._fold(connection, touched)
        written = [self._household_row(s) for s in states.values()]
        regencies = sorted({h.regency for h in written} | await rows.regencies_of(connection, self.tables, touched))
        served = await versions.served_for_batch(connection) == self.version
        await self.lock(connection, regencies)
        await rows.upsert_households(connection, self.tables, written)
        decided = await self.rank_and_decide(connection, regencies, states)
        if served:  # slots follow the answers the API gives, not a version still catching up
            await reallocate_decided(connection, self.tables, decided, on=self.on, rules=self.rules,
                                     weights_version=self.weights.version)

    async def reallocate(self, connection: asyncpg.Connection, regencies: Iterable[str]) -> None:
        """Free and grant quota slots of the regencies as this version's decisions say (the caller holds their locks)."""
        await reallocate_regencies(connection, self.tables, regencies, on=self.on, rules=self.rules,
                                   weights_version=self.weights.version)

    async def rank_and_decide(self, connection: asyncpg.Connection, regencies: Iterable[str],
                              states: dict[str, HouseholdState]) -> list[Decision]:
        """Rank the regencies again and decide the households in `states` and those whose decile moved; returns the
        decisions made."""
        places = await rows.rank(connection, self.tables, list(regencies), states)
        to_decide = set(states) | set(places)
        missing = sorted(to_decide - set(states))
        if missing:
            states = {**states, **await self._fold(connection, missing)}
        decided = sorted(hid for hid in to_decide if hid in states)
        decisions = [d for hid in decided for d in self._decide(states[hid], places.get(hid))]
        await rows.replace_decisions(connection, self.tables, decided, [rows.decision_row(d, self.on) for d in decisions])
        return decisions

    async def build(self, connection: asyncpg.Connection, *, chunk: int = 2_000, keep: int = 100_000) -> int:
        """Fold every household of the kept events once, rank every regency and decide every household of a version
        built by replay (its households and decisions are empty until then; the caller's transaction); returns the
        households decided.

        One read of the events table, folded in order; the ranking in Python from the scores just computed (the
        order `rows.rank` ranks in); the households written by one COPY; the decisions written a chunk at a time,
        each chunk's insert running in PostgreSQL while the next chunk is decided here. With more than `keep`
        households the states are not kept but folded again from a second read."""
        written: list[HouseholdRow] = []
        kept: dict[str, HouseholdState] | None = {}
        scores: dict[str, WelfareScore] = {}  # of the households kept: deciding them need not score them again
        async for history in rows.every_history(connection, self.tables):
            if (state := history.as_known_at(None)) is None:
                continue  # not registered (yet): no row, no decision, as when kept event by event
            row, welfare = self._scored(state)
            written.append(row)
            if kept is not None:
                kept[state.household_id] = state
                if welfare is not None:
                    scores[state.household_id] = welfare
                if len(kept) > keep:
                    kept, scores = None, {}
        places = places_by_regency((h.household_id, h.regency, h.score) for h in written if h.score is not None)
        await rows.insert_ranked_households(connection, self.tables, written, {h: p[2] for h, p in places.items()})
        if kept is not None:
            await self._decide_all(connection, list(kept.values()), places, scores, chunk=chunk)
            return len(written)
        folded: list[HouseholdState] = []
        async for history in rows.every_history(connection, self.tables):  # the second read: see the docstring
            if (state := history.as_known_at(None)) is not None:
                folded.append(state)
            if len(folded) >= keep:
                await self._decide_all(connection, folded, places, {}, chunk=chunk)
                folded = []
        await self._decide_all(connection, folded, places, {}, chunk=chunk)
        return len(written)

    async def _decide_all(self, connection: asyncpg.Connection, states: list[HouseholdState],
                          places: dict[str, tuple[int, int, int]], scores: dict[str, WelfareScore], *,
                          chunk: int) -> None:
        """Decide households that have no decisions yet and copy them in, a chunk at a time. Deciding runs in a
        thread, so the event loop meanwhile drives the previous chunk's COPY (a protocol of several round trips)
        and PostgreSQL writes it while this process decides; one statement at a time on the connection."""
        copying: asyncio.Future | None = None
        try:
            for start in range(0, len(states), chunk):
                copied = await asyncio.to_thread(self._decisions_copied, states[start:start + chunk], places, scores)
                if copying is not None:
                    await copying
                copying = asyncio.ensure_future(rows.copy_decisions(connection, self.tables, copied))
            if copying is not None:
                await copying
        finally:
            if copying is not None and not copying.done():
                copying.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await copying

    def _decisions_copied(self, states: list[HouseholdState], places: dict[str, tuple[int, int, int]],
                          scores: dict[str, WelfareScore]) -> bytes:
        return rows.decisions_copied(rows.decision_row(d, self.on) for s in states
                                     for d in self._decide(s, places.get(s.household_id), scores.get(s.household_id)))

    async def _fold(self, connection: asyncpg.Connection, household_ids: list[str]) -> dict[str, HouseholdState]:
        """The households as everything kept about them says (those not yet registered left out)."""
        histories = await rows.histories(connection, self.tables, household_ids)
        return {hid: s for hid, h in histories.items() if (s := h.as_known_at(None)) is not None}

    def _decide(self, household: HouseholdState, place: tuple[int, int, int] | None,
                welfare: WelfareScore | None = None):
        rank = None
        if place is not None:  # the ranking read totals only: the decision explains the points as well
            rank = WelfareRank(household.household_id, household.regency_on(self.on),
                               welfare or score(household, self.on, self.weights), *place)
        basis = Basis(on=self.on, log_position=household.last_position)
        for program in self.rules.programs():
            rule = self.rules[program]
            if program in HOUSEHOLD_PROGRAMS:
                yield decide_household(rule, household, rank, basis=basis, weights_version=self.weights.version)
            else:
                yield from decide_persons(rule, household, rank, basis=basis, weights_version=self.weights.version)

    def _household_row(self, household: HouseholdState) -> HouseholdRow:
        return self._scored(household)[0]

    def _scored(self, household: HouseholdState) -> tuple[HouseholdRow, WelfareScore | None]:
        """The household's row and, if it is ranked, its score."""
        welfare = score(household, self.on, self.weights) if household.in_registry_on(self.on) else None
        return HouseholdRow(household.household_id, household.regency_on(self.on),
                            welfare.total if welfare is not None else None, household.last_position), welfare

    async def lock(self, connection: asyncpg.Connection, regencies: list[str]) -> None:
        """Hold the regencies' locks until the transaction ends (the caller sorts them)."""
        for regency in regencies:  # sorted by the caller: two batches never wait on each other in a cycle
            await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                     f"{self.tables.prefix}:{regency}")


def household_event(event: Event, envelope: Envelope) -> StoredEvent | None:
    """The event as a household's kept event; None for events of other streams (they are not about one household)."""
    household_id = getattr(event, "household_id", None)
    if household_id is None or envelope.extensions.get("streamid") != household_id:
        return None
    version = envelope.extensions.get("streamversion", "")
    if not version.isdigit():
        raise NotAHouseholdStream(f"event {envelope.id} of household {household_id} has no stream version")
    return StoredEvent(household_id, int(version), envelope.type, envelope.data, envelope.time)
