"""The served version kept event by event: decisions and regency deciles equal a direct fold of the same log."""

from __future__ import annotations

import asyncio
import contextlib

from siks_eligibility import worker
from siks_eligibility.adapters.postgres import reads, versions
from siks_events.pytest_plugin import eventually

from ..unit.test_reference import ON
from .expected import domain_decisions, projected_decisions
from .registry import registry_log


async def test_the_served_version_decides_as_it_consumes_and_stays_equal_to_the_domain_as_the_log_grows(
        lifecycle, publish):
    log = registry_log(300)
    first, rest = log[: len(log) * 2 // 3], log[len(log) * 2 // 3:]
    await publish(first)
    running = asyncio.create_task(worker.run(lifecycle, on=ON, poll=0.2))
    try:
        served = await eventually(lambda: versions.current(lifecycle.pool), until=lambda v: v is not None, timeout=20)
        await eventually(lambda: lifecycle.caught_up_with_now(served), timeout=30)
        assert await projected_decisions(lifecycle.pool, served) == domain_decisions(first, ON)

        await publish(rest)  # deaths, moves, graduations recorded later: deciles of their regencies move too
        await eventually(lambda: lifecycle.caught_up_with_now(served), timeout=30)
        assert await projected_decisions(lifecycle.pool, served) == domain_decisions(log, ON)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    served_rows = await reads.decisions_of(lifecycle.pool, log[0].household_id)
    assert {r["projection_version"] for r in served_rows} == {served}
    assert all(r["assessed_on"] == ON and r["weights_version"] for r in served_rows)
