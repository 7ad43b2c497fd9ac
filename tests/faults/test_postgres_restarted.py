"""Fault 3: PostgreSQL killed (SIGKILL) and restarted by `siks run` while death reports arrive over HTTP:
requests during the outage are answered 503 problem+json, never 500; nothing that was accepted is lost.

Dukcapil's side resends a report that was not accepted (same certificate number), as a client told
"503, try again" does; every report ends applied exactly once.
"""

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

OFFSET = 6220
REPORTS = scaled(200)
SENDING_SECONDS = 12


@pytest.mark.slow
async def test_postgres_restarted_under_load_answers_503_and_loses_nothing_accepted(tmp_path):
    async with siks_run(tmp_path / "siks", OFFSET) as stack:
        people = await import_people(stack, tmp_path / "data", REPORTS, seed=3)
        certificates = [f"KM-P-{i:05d}" for i in range(REPORTS)]
        dukcapil = HttpReporter(stack, concurrency=8)
        sending = asyncio.create_task(dukcapil.send_all(
            [death_report(p, c) for p, c in zip(people, certificates, strict=True)], pace=SENDING_SECONDS / REPORTS))

        await asyncio.sleep(3)
        accepted_before = len(dukcapil.accepted)
        killed_at = stack.run.kill("postgres")
        await stack.run.said("postgres exited with code -9", timeout=15)
        await stack.run.said("postgres restarted", timeout=60)
        restarted_after = time.monotonic() - killed_at
        await sending
        for pool in stack.pools.values():  # the test's own connections died with the server
            await pool.expire_connections()

        async def settled():
            return await deaths(stack) == (REPORTS, REPORTS) and await report_statuses(stack, certificates) == {
                "applied": REPORTS}

        await eventually(_tolerant(settled), 240, f"{REPORTS} deaths applied and confirmed")
        recovered_after = time.monotonic() - killed_at
        await eventually(_tolerant(lambda: _drained(stack)), 60, "every relay to have published everything")
        await asyncio.sleep(2)  # anything still in flight must change nothing more

        refused = dukcapil.unavailable
        assert set(dukcapil.statuses) <= {202, 503}, f"{dict(dukcapil.statuses)}: {refused[:3]}"
        assert dukcapil.statuses[202] == REPORTS, "every report accepted once the database was back"
        assert dukcapil.statuses[503] > 0, "the outage was not hit: no request was refused"
        assert {content_type for _, content_type, _ in refused} == {"application/problem+json"}
        assert await deaths(stack) == (REPORTS, REPORTS), "each person deactivated exactly once"
        assert await person_statuses(stack, [p.nik for p in people]) == {"deceased": REPORTS}
        assert await report_statuses(stack, certificates) == {"applied": REPORTS}, "no accepted report lost"
        assert await applied_confirmations(stack) == (REPORTS, REPORTS)
        assert await dead_letters(stack) == {}, "a database outage is never dead-lettered"
        report(f"fault 3 (PostgreSQL SIGKILL): {accepted_before} accepted before the kill, {dukcapil.statuses[503]}"
               f" answers 503 problem+json during the outage, none 500; PostgreSQL back {restarted_after:.1f} s after"
               f" the kill, all {REPORTS} applied once {recovered_after:.1f} s after it")


def _tolerant(check):
    """A check that counts a lost connection of the test's own pools as "not yet"."""
    async def run():
        try:
            return await check()
        except OSError:
            return False
        except Exception as exc:  # noqa: BLE001 - asyncpg's connection errors have no common base with OSError
            if "connection" in type(exc).__name__.lower() or "connection" in str(exc).lower():
                return False
            raise
    return run


async def _drained(stack) -> bool:
    return set((await relay_backlog(stack)).values()) == {0}
