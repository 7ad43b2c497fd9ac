"""The two long-running jobs: `run` keeps the served version current, `rebuild` builds the next one beside it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import date

from siks_eligibility.adapters.postgres import versions
from siks_eligibility.adapters.postgres.versions import ProjectionVersion
from siks_eligibility.lifecycle import Lifecycle, Progress


async def rebuild(lifecycle: Lifecycle, *, on: date, report: Callable[[Progress], None] = lambda _: None,
                  drop_previous: bool = True, poll: float = 0.2) -> ProjectionVersion:
    """Replay the whole log into a new version while the served one keeps answering, decide it, let it catch up
    with what arrived meanwhile, then switch the pointer to it (and drop the previous version unless kept).
    One rebuild at a time: raises RebuildUnderWay if another holds the rebuild lock; versions an earlier rebuild
    left behind (still building, or built and never switched in) are retired first."""
    async with lifecycle.pool.acquire() as lock:
        if not await versions.try_lock_rebuild(lock):
            raise RebuildUnderWay("another rebuild is under way")
        try:
            for abandoned in await lifecycle.abandoned_builds():
                await versions.retire(lock, abandoned)
            return await _rebuild(lifecycle, on=on, report=report, drop_previous=drop_previous, poll=poll)
        finally:
            await versions.unlock_rebuild(lock)


class RebuildUnderWay(RuntimeError):
    """Another process is rebuilding the projection."""


async def _rebuild(lifecycle: Lifecycle, *, on: date, report: Callable[[Progress], None], drop_previous: bool,
                   poll: float) -> ProjectionVersion:
    version = await lifecycle.start(on, state=versions.VersionState.BUILDING)
    await _replay(lifecycle, version, report=report, poll=poll)
    await lifecycle.finish_build(version)
    consumer = None
    try:
        if not await lifecycle.caught_up_with_now(version.version):
            # what arrived since the rebuild began, from the positions the replay stored on; started only when there
            # is something to apply, so it is never stopped while still joining its group
            consumer = asyncio.create_task(lifecycle.stream(version).run(), name=f"rebuild v{version.version}")
            while not await lifecycle.caught_up_with_now(version.version):
                await _wait(consumer, poll)
        await lifecycle.switch(version.version, drop_previous=drop_previous)
        return await versions.get(lifecycle.pool, version.version)
    finally:
        if consumer is not None:
            await _stop(consumer)


async def _replay(lifecycle: Lifecycle, version: ProjectionVersion, *, report: Callable[[Progress], None],
                  poll: float) -> None:
    """Keep the log's events up to the version's target, reporting progress every `poll` seconds."""
    replaying = asyncio.create_task(lifecycle.replay(version), name=f"replay v{version.version}")
    try:
        while not replaying.done():
            report(await lifecycle.progress(version.version))
            await asyncio.wait([replaying], timeout=poll)
        await replaying  # raises what stopped it
    finally:
        await _stop(replaying)
    progress = await lifecycle.progress(version.version)
    report(progress)
    if not progress.caught_up:
        raise RuntimeError(f"the replay of version {version.version} ended short of its target")


async def run(lifecycle: Lifecycle, *, on: date, poll: float = 1.0) -> None:
    """Keep the served version current until cancelled, following the pointer when a rebuild switches it;
    with no version yet, start the first (assessing `on`)."""
    while True:
        served = await versions.current(lifecycle.pool)
        if served is None:
            served = (await lifecycle.first(on)).version
        consumer = asyncio.create_task(lifecycle.stream(await versions.get(lifecycle.pool, served)).run(),
                                       name=f"eligibility v{served}")
        try:
            while await versions.current(lifecycle.pool) == served:
                await _wait(consumer, poll)
        finally:
            await _stop(consumer)


async def _wait(consumer: asyncio.Task, seconds: float) -> None:
    """Sleep, unless the consumer has stopped: then raise what stopped it."""
    done, _ = await asyncio.wait([consumer], timeout=seconds)
    if done:
        consumer.result()
        raise RuntimeError("the consumer stopped")


async def _stop(consumer: asyncio.Task) -> None:
    consumer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await consumer
