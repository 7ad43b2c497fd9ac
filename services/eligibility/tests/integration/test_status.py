"""`siks-eligibility status`: every version with its state, progress, day assessed and policy versions."""

from __future__ import annotations

import asyncio
import os
import sys

from siks_eligibility.adapters.postgres import versions

from ..unit.test_reference import ON
from .registry import registry_log


async def test_status_shows_the_served_version_marked_with_its_progress_and_the_policies_it_applies(
        lifecycle, publish, siks_database_url, siks_bootstrap_servers, schema_name, topic_prefix):
    log = registry_log(20)
    await publish(log)
    served = await lifecycle.first(ON)
    await lifecycle.start(ON, state=versions.VersionState.BUILDING)
    env = {**os.environ, "DATABASE_URL": siks_database_url, "KAFKA_BOOTSTRAP_SERVERS": siks_bootstrap_servers,
           "SIKS_DB_SCHEMA": schema_name, "SIKS_TOPIC_PREFIX": topic_prefix}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "siks_eligibility.cli", "status", env=env,
                                                   stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    lines = out.decode().splitlines()

    assert process.returncode == 0
    assert lines[0].startswith(f"* v{served.version} ready: 0/{len(log)} events")
    assert lines[1].startswith(f"  v{served.version + 1} building: 0/{len(log)} events")
    assert all(f"lag {len(log)} events" in line and f"on {ON}" in line and "pkh-2025.1" in line
               and served.weights_version in line for line in lines)
