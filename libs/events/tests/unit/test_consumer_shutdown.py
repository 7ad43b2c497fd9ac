"""A consumer stops when its task is cancelled, even when aiokafka catches the CancelledError inside a fetch."""

from __future__ import annotations

import asyncio
import contextlib

from siks_events.consumer.group import _cancel_was_swallowed


async def test_a_cancellation_caught_by_a_library_is_still_seen_by_the_loop():
    seen: list[bool] = []

    async def loop_like_the_consumer() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # what aiokafka's fetcher can do
            await asyncio.sleep(10)  # the fetch
        seen.append(_cancel_was_swallowed())

    task = asyncio.create_task(loop_like_the_consumer())
    await asyncio.sleep(0)
    task.cancel()
    await task
    assert seen == [True]


async def test_a_task_nobody_cancelled_goes_on():
    assert not _cancel_was_swallowed()
