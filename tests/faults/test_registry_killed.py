"""Fault 2: the registry process killed (SIGKILL) while it applies a stream of death reports, and
restarted by `siks run`: no effect lost or doubled."""

from __future__ import annotations

import asyncio
import time

import pytest

from .fault_support import (
    HttpReporter,
    applied_confirmations,
    dead_letters,
    death_report,
    deaths,
    eventually,
    import_people,
    person_statuses,
    relay_backlog,
    report,
    report_statuses,
    scaled,
    siks_run,
)

OFFSET = 6210
REPORTS = scaled(200)


@pytest.mark.slow
async def test_the_registry_killed_mid_batch_comes_back_and_no_effect_is_lost_or_doubled(tmp_path):
    async with siks_run(tmp_path / "siks", OFFSET) as stack:
        people = await import_people(stack, tmp_path / "data", REPORTS, seed=2)
        certificates = [f"KM-R-{i:05d}" for i in range(REPORTS)]
        dukcapil = HttpReporter(stack, concurrency=8)
        sending = asyncio.create_task(dukcapil.send_all(
            [death_report(p, c) for p, c in zip(people, certificates, strict=True)]))

        async def mid_stream():  # some applied, most still to come: the registry is in the middle of its batches
            applied, _ = await deaths(stack)
            return applied if REPORTS // 10 <= applied < REPORTS // 2 else None

        applied_at_kill = await eventually(mid_stream, 120, "the registry to be part-way through", every=0.05)
        killed_at = stack.run.kill("registry")
        await stack.run.said("registry exited with code -9", timeout=15)
        await stack.run.said("registry restarted", timeout=30)
        restarted_after = time.monotonic() - killed_at
        await sending

        async def settled():
            return await deaths(stack) == (REPORTS, REPORTS) and await report_statuses(stack, certificates) == {
                "applied": REPORTS}

        await eventually(settled, 240, f"{REPORTS} deaths applied and confirmed")
        recovered_after = time.monotonic() - killed_at
        await eventually(lambda: _drained(stack), 60, "every relay to have published everything")
        await asyncio.sleep(2)  # anything still in flight must change nothing more

        assert dukcapil.statuses == {202: REPORTS}, dukcapil.unavailable[:3]
        assert await deaths(stack) == (REPORTS, REPORTS), "each person deactivated exactly once"
        assert await person_statuses(stack, [p.nik for p in people]) == {"deceased": REPORTS}
        assert await report_statuses(stack, certificates) == {"applied": REPORTS}
        assert await applied_confirmations(stack) == (REPORTS, REPORTS), "each report confirmed once"
        assert await dead_letters(stack) == {}
        report(f"fault 2 (registry SIGKILL): killed with {applied_at_kill}/{REPORTS} deaths applied; restarted"
               f" {restarted_after:.1f} s later, all {REPORTS} applied once {recovered_after:.1f} s after the kill")


async def _drained(stack) -> bool:
    return set((await relay_backlog(stack)).values()) == {0}
