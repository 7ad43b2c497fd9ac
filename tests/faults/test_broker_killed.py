"""Fault 1: the broker killed (SIGKILL) and restarted by `siks run` twice while death reports flow in,
half over HTTP and half as CloudEvents on Dukcapil's inbound topic: every person deactivated exactly
once, no dead letters, every report ends `applied`, relays and consumers recover on their own.

The embedded broker keeps topics in memory, so a restart loses what Dukcapil had published and the
integration service had not consumed yet (README). Dukcapil's side here behaves as a producer with
an outbox of its own: what the integration service has not taken in, it publishes again with the same
event id. The system's own events need no such help: the relays find the loss and republish.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from .fault_support import (
    HttpReporter,
    TopicReporter,
    applied_confirmations,
    cloud_event,
    consumer_lag,
    dead_letters,
    death_event,
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

OFFSET = 6200
REPORTS = scaled(400)
SENDING_SECONDS = 12  # long enough for both kills to land while reports flow


@pytest.mark.slow
async def test_the_broker_killed_twice_while_reports_flow_loses_and_doubles_nothing(tmp_path):
    async with siks_run(tmp_path / "siks", OFFSET) as stack:
        people = await import_people(stack, tmp_path / "data", REPORTS, seed=1)
        half = REPORTS // 2
        http_certificates = [f"KM-H-{i:05d}" for i in range(half)]
        topic_certificates = [f"KM-K-{i:05d}" for i in range(REPORTS - half)]
        by_http = [death_report(p, c) for p, c in zip(people[:half], http_certificates, strict=True)]
        by_topic = {c: death_event(p, c) for p, c in zip(people[half:], topic_certificates, strict=True)}
        certificates = http_certificates + topic_certificates

        http = HttpReporter(stack, concurrency=8)
        topic = TopicReporter(stack)
        started = time.monotonic()
        sending = asyncio.gather(
            http.send_all(by_http, pace=SENDING_SECONDS / half),
            topic.publish([cloud_event(e, f"dk-{c}") for c, e in by_topic.items()], pace=SENDING_SECONDS / half),
        )

        restarts = []
        for pause in (2.0, 3.0):
            await asyncio.sleep(pause)
            killed_at = stack.run.kill("broker")
            await stack.run.said("broker exited with code -9", timeout=15)
            await stack.run.said("broker restarted", timeout=30)
            restarts.append(time.monotonic() - killed_at)
        last_restart = time.monotonic()
        await sending
        sent_after = time.monotonic() - started

        async def settled():
            if await report_statuses(stack, certificates) == {"applied": REPORTS}:
                return True
            if time.monotonic() - settled.republished_at > 10:  # Dukcapil's outbox: publish again what was lost
                await topic.republish_missing(by_topic)
                settled.republished_at = time.monotonic()
            return False

        settled.republished_at = time.monotonic()
        await eventually(settled, 300, f"all {REPORTS} reports to end applied", every=1.0)
        recovered_after = time.monotonic() - last_restart
        await eventually(lambda: _drained(stack), 60, "relays and consumers to drain")
        await asyncio.sleep(2)  # anything still in flight must change nothing more

        assert http.statuses == {202: half}, http.unavailable[:3]
        assert await deaths(stack) == (REPORTS, REPORTS), "each person deactivated exactly once"
        assert await person_statuses(stack, [p.nik for p in people]) == {"deceased": REPORTS}
        assert await report_statuses(stack, certificates) == {"applied": REPORTS}
        assert await applied_confirmations(stack) == (REPORTS, REPORTS), "each report confirmed once"
        assert await dead_letters(stack) == {}
        report(f"fault 1 (broker SIGKILL x2): {REPORTS} reports ({half} HTTP, {REPORTS - half} on the topic,"
               f" {topic.republished} republished by Dukcapil after the broker lost them) sent in {sent_after:.1f} s;"
               f" broker back {restarts[0]:.1f} s and {restarts[1]:.1f} s after each kill; all applied once"
               f" {recovered_after:.1f} s after the last restart")


async def _drained(stack) -> bool:
    backlog, lag = await relay_backlog(stack), await consumer_lag(stack)
    return set(backlog.values()) == {0} and set(lag.values()) <= {0}
