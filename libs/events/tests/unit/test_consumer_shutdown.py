"""A loop around aiokafka calls stops when its task is cancelled, even when aiokafka catches the CancelledError
(the consumer's fetch loop and housekeeping, the dead-letter sender, integration's registry horizon)."""

from __future__ import annotations

import asyncio
import contextlib

from siks_events import kafka


async def test_a_cancellation_caught_by_a_library_still_stops_the_loop_at_the_end_of_its_round():
    rounds = 0

    async def loop_like_the_consumer() -> None:
        nonlocal rounds
        while True:
            rounds += 1
            with contextlib.suppress(asyncio.CancelledError):  # what aiokafka can do inside a fetch or commit
                await asyncio.sleep(10)
            kafka.stop_if_cancelled()

    task = asyncio.create_task(loop_like_the_consumer())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.wait([task], timeout=5)
    assert task.cancelled()
    assert rounds == 1


async def test_a_task_nobody_cancelled_goes_on():
    kafka.stop_if_cancelled()
