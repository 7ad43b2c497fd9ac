"""Rebuild from zero into the next version while the served one answers: exactly the served version's rows."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from siks_eligibility import worker
from siks_eligibility.adapters.postgres import reads, versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_eligibility.adapters.postgres.versions import VersionState
from siks_eligibility.lifecycle import Progress
from siks_events.pytest_plugin import eventually

from ..unit.test_reference import ON
from .expected import all_rows, assert_one_slot_each, domain_decisions, eligible_beneficiaries, projected_decisions
from .registry import registry_log


async def _read_continuously(pool, household_id: str, seen: list[int | None]) -> None:
    while True:
        served = await reads.decisions_of(pool, household_id)
        seen.append(served[0]["projection_version"] if served else None)
        await asyncio.sleep(0.01)


async def _stopped(*tasks: asyncio.Task) -> None:
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_rebuild_from_zero_ends_with_exactly_the_served_versions_rows_while_reads_are_served_throughout(
        lifecycle, publish):
    log = registry_log(300)
    first, rest = log[: len(log) // 2], log[len(log) // 2:]
    await publish(first)
    v1 = await lifecycle.first(ON)
    served = asyncio.create_task(lifecycle.stream(v1).run())
    reads_seen: list[int | None] = []
    reader = None
    try:
        await eventually(lambda: lifecycle.caught_up_with_now(v1.version), timeout=30)
        reader = asyncio.create_task(_read_continuously(lifecycle.pool, log[0].household_id, reads_seen))
        progress: list[Progress] = []
        rebuilding = asyncio.create_task(worker.rebuild(lifecycle, on=ON, report=progress.append, drop_previous=False))
        await eventually(lambda: versions.all_versions(lifecycle.pool), until=lambda found: len(found) == 2, timeout=10)
        await publish(rest)  # arrives while the rebuild replays: both versions take it in
        v2 = await asyncio.wait_for(rebuilding, 60)
        await eventually(lambda: lifecycle.caught_up_with_now(v1.version), timeout=30)

        assert await versions.current(lifecycle.pool) == v2.version == v1.version + 1
        assert await all_rows(lifecycle.pool, v2.version) == await all_rows(lifecycle.pool, v1.version)
        assert await projected_decisions(lifecycle.pool, v2.version) == domain_decisions(log, ON)
        assert [p.total for p in progress] == [len(first)] * len(progress)
        assert [p.done for p in progress] == sorted(p.done for p in progress) and progress[-1].done == len(first)
    finally:
        await _stopped(*[t for t in (reader, served) if t is not None])
    assert None not in reads_seen and reads_seen == sorted(reads_seen) and reads_seen[-1] == v2.version

    async with lifecycle.pool.acquire() as connection:
        await versions.retire(connection, v1.version)
    assert await lifecycle.pool.fetchval("SELECT to_regclass($1)", VersionTables(v1.version).decisions) is None
    assert (await reads.decisions_of(lifecycle.pool, log[0].household_id))[0]["projection_version"] == v2.version


async def test_a_second_rebuild_is_refused_while_one_runs_and_the_next_retires_the_version_a_stopped_one_left(
        lifecycle, publish):
    await publish(registry_log(50))
    await lifecycle.first(ON)
    async with lifecycle.pool.acquire() as holder, holder.transaction():
        # the replay cannot store a position while this is held: the rebuild stays in its replay until stopped
        await holder.execute("LOCK TABLE consumer_positions IN SHARE MODE")
        running = asyncio.create_task(worker.rebuild(lifecycle, on=ON))
        await eventually(lambda: versions.all_versions(lifecycle.pool), until=lambda found: len(found) == 2, timeout=10)

        with pytest.raises(worker.RebuildUnderWay):
            await worker.rebuild(lifecycle, on=ON)
        assert not running.done()
        await _stopped(running)  # stopped mid-way: its version stays building, its lock goes
    rebuilt = await worker.rebuild(lifecycle, on=ON)

    states = {v.version: v.state for v in await versions.all_versions(lifecycle.pool)}
    assert states == {1: VersionState.RETIRED, 2: VersionState.RETIRED, 3: VersionState.READY}
    assert await versions.current(lifecycle.pool) == rebuilt.version == 3


async def test_a_version_built_but_never_switched_in_is_retired_by_the_next_rebuild_and_a_kept_one_is_not(
        lifecycle, publish, monkeypatch):
    await publish(registry_log(50))
    await lifecycle.first(ON)
    kept = await worker.rebuild(lifecycle, on=ON, drop_previous=False)  # version 2 served, version 1 kept
    switch = lifecycle.switch

    async def stopped_before_the_switch(version: int, **options) -> None:
        raise asyncio.CancelledError

    monkeypatch.setattr(lifecycle, "switch", stopped_before_the_switch)
    with pytest.raises(asyncio.CancelledError):
        await worker.rebuild(lifecycle, on=ON)  # version 3: built, READY, never served
    monkeypatch.setattr(lifecycle, "switch", switch)
    assert {v.version: v.state for v in await versions.all_versions(lifecycle.pool)} == {
        1: VersionState.READY, 2: VersionState.READY, 3: VersionState.READY}

    rebuilt = await worker.rebuild(lifecycle, on=ON)
    states = {v.version: v.state for v in await versions.all_versions(lifecycle.pool)}
    assert states == {1: VersionState.READY, 2: VersionState.RETIRED, 3: VersionState.RETIRED, 4: VersionState.READY}
    assert await versions.current(lifecycle.pool) == rebuilt.version == 4 and kept.version == 2
    assert not await lifecycle.pool.fetchval("SELECT to_regclass($1) IS NOT NULL", VersionTables(3).decisions)


async def test_the_running_worker_follows_the_pointer_to_the_rebuilt_version_and_keeps_it_current(lifecycle, publish):
    log = registry_log(60)
    earlier, later = log[:-10], log[-10:]
    await publish(earlier)
    running = asyncio.create_task(worker.run(lifecycle, on=ON, poll=0.2))
    try:
        v1 = await eventually(lambda: versions.current(lifecycle.pool), until=lambda v: v is not None, timeout=20)
        await eventually(lambda: lifecycle.caught_up_with_now(v1), timeout=30)
        announced = await lifecycle.pool.fetchval("SELECT count(*) FROM events")
        v2 = await worker.rebuild(lifecycle, on=ON)
        # the rebuilt version decides as the served one did: switching to it frees and grants no slot
        assert await lifecycle.pool.fetchval("SELECT count(*) FROM events") == announced > 0
        await publish(later)  # only the worker that followed the pointer can take these in

        await eventually(lambda: lifecycle.caught_up_with_now(v2.version), timeout=30)
        assert v2.version == v1 + 1
        assert await projected_decisions(lifecycle.pool, v2.version) == domain_decisions(log, ON)
        await assert_one_slot_each(lifecycle.pool, await eligible_beneficiaries(lifecycle.pool, v2.version))
    finally:
        await _stopped(running)
