"""A worker killed mid-stream (SIGKILL, an open batch transaction and all) and started again counts nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

from siks_eligibility import worker
from siks_eligibility.adapters.postgres import versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_events.pytest_plugin import SESSION_TIMEOUT_MS, eventually

from ..unit.test_reference import ON
from .conftest import PARTITIONS
from .expected import domain_decisions, projected_decisions
from .registry import registry_log


async def _spawn_worker(siks_database_url, siks_bootstrap_servers, schema_name, topic_prefix):
    env = {**os.environ, "DATABASE_URL": siks_database_url, "KAFKA_BOOTSTRAP_SERVERS": siks_bootstrap_servers,
           "SIKS_DB_SCHEMA": schema_name, "SIKS_TOPIC_PREFIX": topic_prefix, "SIKS_KAFKA_PARTITIONS": str(PARTITIONS),
           "SIKS_KAFKA_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS), "SIKS_CONSUMER_BATCH_SIZE": "5"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "siks_eligibility.cli", "run", "--on", ON.isoformat(), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def test_a_worker_killed_mid_stream_and_restarted_counts_every_event_once_as_the_domain_does(
        lifecycle, publish, siks_database_url, siks_bootstrap_servers, schema_name, topic_prefix):
    log = registry_log(300)
    await publish(log)
    process = await _spawn_worker(siks_database_url, siks_bootstrap_servers, schema_name, topic_prefix)
    try:
        served = await eventually(lambda: versions.current(lifecycle.pool), until=lambda v: v is not None, timeout=30)

        async def applied() -> int:
            return sum((await versions.positions(lifecycle.pool, served)).values())

        done_at_kill = await eventually(applied, until=lambda done: done > 0, timeout=30)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert done_at_kill < len(log), "the worker finished before it was killed: nothing was tested"
    # the worst replay: every partition read again from its start (as after a broker that forgot everything)
    await lifecycle.pool.execute("UPDATE consumer_positions SET next_offset = 0, last_fingerprint = NULL")

    running = asyncio.create_task(worker.run(lifecycle, on=ON, poll=0.2))
    try:
        await eventually(lambda: lifecycle.caught_up_with_now(served), timeout=40)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    tables = VersionTables(served)
    assert await lifecycle.pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", tables.consumer) == len(log)
    assert await lifecycle.pool.fetchval(f"SELECT count(*) FROM {tables.events}") == len(log)
    assert await projected_decisions(lifecycle.pool, served) == domain_decisions(log, ON)
