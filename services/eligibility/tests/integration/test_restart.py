"""A worker killed mid-stream (SIGKILL, an open batch transaction and all) and started again counts nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from siks_eligibility.adapters.postgres import versions
from siks_eligibility.adapters.postgres.tables import VersionTables
from siks_events.pytest_plugin import SESSION_TIMEOUT_MS, eventually

from ..unit.test_reference import ON, generate, reference
from .conftest import PARTITIONS
from .expected import assert_one_slot_each, domain_decisions, eligible_beneficiaries, projected_decisions
from .registry import registry_log


async def _spawn_worker(siks_database_url, siks_bootstrap_servers, schema_name, topic_prefix):
    env = {**os.environ, "DATABASE_URL": siks_database_url, "KAFKA_BOOTSTRAP_SERVERS": siks_bootstrap_servers,
           "SIKS_DB_SCHEMA": schema_name, "SIKS_TOPIC_PREFIX": topic_prefix, "SIKS_KAFKA_PARTITIONS": str(PARTITIONS),
           "SIKS_KAFKA_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS), "SIKS_CONSUMER_BATCH_SIZE": "5"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "siks_eligibility.cli", "run", "--on", ON.isoformat(), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def test_a_worker_killed_mid_stream_and_restarted_counts_every_event_once_as_the_reference_does(
        lifecycle, publish, siks_database_url, siks_bootstrap_servers, schema_name, topic_prefix):
    households = 300
    log = registry_log(households)
    await publish(log)
    spawn = (siks_database_url, siks_bootstrap_servers, schema_name, topic_prefix)
    process = await _spawn_worker(*spawn)
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

    process = await _spawn_worker(*spawn)  # a real process again, as a supervisor restarts it
    try:
        await eventually(lambda: lifecycle.caught_up_with_now(served), timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
    tables = VersionTables(served)
    assert await lifecycle.pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", tables.consumer) == len(log)
    assert await lifecycle.pool.fetchval(f"SELECT count(*) FROM {tables.events}") == len(log)
    assert await projected_decisions(lifecycle.pool, served) == domain_decisions(log, ON)

    # against the independent reference: the same eligible beneficiaries of every programme, 0 mismatches
    _, expected, _ = reference(generate(households), ON, None)
    eligible = await eligible_beneficiaries(lifecycle.pool, served)
    assert {p: len(expected[p] ^ eligible[p]) for p in expected} == {"PKH": 0, "SEMBAKO": 0, "PBI_JK": 0, "PIP": 0}
    # and its own events count nobody twice: without quotas every eligible one holds exactly one slot, and in each
    # regency a beneficiary's slot events alternate, granted first
    await assert_one_slot_each(lifecycle.pool, expected)
