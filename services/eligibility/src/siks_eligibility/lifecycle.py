"""A projection version's life: built from zero (or, the very first, kept incrementally from the start), made
ready, served through the pointer, retired; and the consumer that feeds each version.

Each version has a consumer of its own (its own group, inbox and positions), so a rebuild reads the
log from the beginning while the served version's consumer goes on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import asyncpg
from siks_events.catalog.registry import TOPIC

from siks_eligibility import policies
from siks_eligibility.adapters import registry_log, replay
from siks_eligibility.adapters.postgres import rows, slots, versions
from siks_eligibility.adapters.postgres.versions import ProjectionVersion, VersionState
from siks_eligibility.adapters.projection import EligibilityProjection
from siks_eligibility.adapters.stream import ProjectionStream


@dataclass(frozen=True)
class Progress:
    """How far a version's consumer has read the log it set out to replay."""

    version: int
    state: VersionState
    done: int
    total: int
    rate: float  # events per second since the version was started
    seconds_left: float | None

    @property
    def caught_up(self) -> bool:
        return self.done >= self.total


@dataclass
class Lifecycle:
    """The versions of the projection on one schema and one registry topic."""

    pool: asyncpg.Pool
    bootstrap_servers: str
    topic_prefix: str = ""
    partitions: int = 6
    session_timeout_ms: int = 10_000
    batch_size: int = 500

    @property
    def topic(self) -> str:
        return self.topic_prefix + TOPIC

    def projection(self, version: ProjectionVersion) -> EligibilityProjection:
        """The batch handler of a version, with the rules and weights it was started under."""
        rules, weights = policies.in_force(version.assessed_on)
        named = {p.value: rules[p].version for p in rules.programs()}
        if named != version.rule_versions or weights.version != version.weights_version:
            # a rule change goes live as a new version, never under an old version's name
            raise RuntimeError(f"the shipped policies for {version.assessed_on} are not those version {version.version}"
                               " was started with: rebuild a new version")
        return EligibilityProjection(version.version, assessed_on=version.assessed_on, rules=rules, weights=weights)

    def stream(self, version: ProjectionVersion) -> ProjectionStream:
        """The faust app that keeps `version` current with the registry's topic (run it as a task; cancel to stop)."""
        return ProjectionStream(
            name=version.tables.consumer, pool=self.pool, bootstrap_servers=self.bootstrap_servers, topic=self.topic,
            handler=self.projection(version), topic_prefix=self.topic_prefix, partitions=self.partitions,
            session_timeout_ms=self.session_timeout_ms, batch_size=self.batch_size)

    async def replay(self, version: ProjectionVersion) -> int:
        """Keep the events of a building version up to its target offsets (see `adapters.replay`); its consumer,
        started afterwards, goes on from there."""
        return await replay.replay(self.pool, self.bootstrap_servers, self.topic, version,
                                   topic_prefix=self.topic_prefix)

    async def start(self, on: date, *, state: VersionState) -> ProjectionVersion:
        """A new version assessing `on`: BUILDING replays to the log's present end first; READY decides as it goes."""
        extent = await registry_log.extent(self.bootstrap_servers, self.topic, partitions=self.partitions)
        async with self.pool.acquire() as connection:
            return await _create(connection, on, state, extent)

    async def first(self, on: date) -> ProjectionVersion:
        """The first version, served at once and decided event by event (there is nothing older to serve meanwhile);
        if another worker made it first, that one."""
        extent = await registry_log.extent(self.bootstrap_servers, self.topic, partitions=self.partitions)
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute("LOCK TABLE eligibility_pointer IN EXCLUSIVE MODE")  # two workers starting together
            served = await versions.current(connection)
            if served is not None:
                return await versions.get(connection, served)
            version = await _create(connection, on, VersionState.READY, extent)
            await versions.switch(connection, version.version)
        return version

    async def abandoned_builds(self) -> list[int]:
        """Versions a rebuild that stopped left behind (call only while holding the rebuild lock): those still
        BUILDING, and those built but never switched in, READY and newer than the version served. A version kept
        after a switch (`drop_previous=False`) is older than the one served, and stays."""
        served = await versions.current(self.pool)
        return [v.version for v in await versions.all_versions(self.pool)
                if v.state is VersionState.BUILDING
                or (v.state is VersionState.READY and served is not None and v.version > served)]

    async def progress(self, version: int) -> Progress:
        found = await versions.get(self.pool, version)
        positions = await versions.positions(self.pool, version)
        done = sum(max(0, min(positions.get(p, 0), end) - begin) for p, (begin, end) in found.target_offsets.items())
        elapsed = max(1e-3, time.time() - found.started_at.timestamp())
        rate = done / elapsed
        left = (found.events_total - done) / rate if rate > 0 else None
        return Progress(version, found.state, done, found.events_total, rate, left)

    async def lag(self, version: int) -> dict[int, int]:
        """Per partition, the events the topic holds now that the version's consumer has not applied yet."""
        extent = await registry_log.extent(self.bootstrap_servers, self.topic, partitions=self.partitions)
        positions = await versions.positions(self.pool, version)
        return {p: max(0, end - max(begin, positions.get(p, 0))) for p, (begin, end) in extent.items()}

    async def caught_up_with_now(self, version: int) -> bool:
        """Whether the version's consumer has applied everything the topic holds now."""
        return not any((await self.lag(version)).values())

    async def finish_build(self, version: ProjectionVersion) -> int:
        """Rank every regency and decide every household of a built version, which is then kept event by event;
        returns the households decided."""
        projection = self.projection(version)
        async with self.pool.acquire() as connection, connection.transaction():
            if await versions.lock_for_change(connection, version.version) is not VersionState.BUILDING:
                return 0
            decided = await projection.build(connection)
            await versions.mark_ready(connection, version.version)
        return decided

    async def switch(self, version: int, *, drop_previous: bool = True) -> int | None:
        """Serve `version` from now on; the version served before is retired (its tables dropped) unless kept."""
        async with self.pool.acquire() as connection:
            before = await versions.switch(connection, version)
            await self.reallocate(version)
            if before is not None and before != version and drop_previous:
                await versions.retire(connection, before)
        return before

    async def reallocate(self, version: int, regencies: list[str] | None = None) -> None:
        """Bring the regencies' slots (default: every regency's) in line with version `version`'s decisions, if it is
        the version served (a rule change goes live this way when a rebuilt version is switched in)."""
        projection = self.projection(await versions.get(self.pool, version))
        async with self.pool.acquire() as connection, connection.transaction():
            if await versions.served_for_batch(connection) != version:
                return
            if regencies is None:
                regencies = sorted(set(await rows.all_regencies(connection, projection.tables))
                                   | set(await slots.regencies_held(connection)))
            await projection.lock(connection, sorted(regencies))
            await projection.reallocate(connection, regencies)


async def _create(connection: asyncpg.Connection, on: date, state: VersionState,
                  extent: dict[int, tuple[int, int]]) -> ProjectionVersion:
    rules, weights = policies.in_force(on)
    return await versions.create(
        connection, state=state, assessed_on=on, rule_versions={p.value: rules[p].version for p in rules.programs()},
        weights_version=weights.version, target_offsets=extent, events_total=sum(end - begin for begin, end in extent.values()))
