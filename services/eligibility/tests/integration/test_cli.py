"""siks-eligibility's commands, run as processes against the served version: status, quota, simulate, backtest."""

from __future__ import annotations

import asyncio
import os
import sys

from siks_eligibility.adapters.postgres import slots
from siks_events.catalog.registry import Program

from ..unit.test_reference import ON
from .conftest import PARTITIONS
from .registry import registry_log
from .service import running


async def _command(env: dict[str, str], *arguments: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "siks_eligibility.cli", *arguments, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_the_commands_report_status_set_a_quota_simulate_and_backtest(
        lifecycle, publish, siks_database_url, siks_bootstrap_servers, schema_name, topic_prefix):
    env = {"DATABASE_URL": siks_database_url, "KAFKA_BOOTSTRAP_SERVERS": siks_bootstrap_servers,
           "SIKS_DB_SCHEMA": schema_name, "SIKS_TOPIC_PREFIX": topic_prefix, "SIKS_KAFKA_PARTITIONS": str(PARTITIONS)}
    await publish(registry_log(120))
    async with running(lifecycle, on=ON) as (_, served):
        status = await _command(env, "status")
        assert f"* v{served} ready" in status and "lag 0 events" in status

        regency = sorted(await slots.regencies_held(lifecycle.pool))[0]
        held = len(await slots.holders(lifecycle.pool, Program.PKH, regency))
        assert f"PKH {regency}: {held - 1}" in await _command(env, "quota", "PKH", regency, str(held - 1))
        assert len(await slots.holders(lifecycle.pool, Program.PKH, regency)) == held  # a lowered quota evicts nobody

        simulated = await _command(env, "simulate", "PKH=2")
        assert f"{regency} PKH: +0 -" in simulated and "SEMBAKO: +0 -0 households" in simulated
        backtested = await _command(env, "backtest", "--months", "3", "PKH=3")
        assert "2026-02-28 PKH:" in backtested and "pkh-2025.1+max-decile-3" in backtested
