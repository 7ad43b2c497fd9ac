"""Issue 4, acceptance 2: 1,000 death reports sent concurrently, a tenth of them twice: exactly 1,000
persons deactivated, each once."""

from __future__ import annotations

import asyncio
import random
from datetime import date

from siks_events.auth import Role
from siks_events.model import Cause
from siks_registry.adapters.bulk.generator import generate
from siks_registry.adapters.bulk.merge import merge
from siks_registry.adapters.postgres.bulk import bulk_registry
from siks_registry.application.importing import import_households

from .conftest import eventually

REPORTS = 1000


async def test_a_thousand_concurrent_death_reports_a_tenth_sent_twice_deactivate_each_person_once(
    services, tokens, tmp_path
):
    registry, integration = services
    registry_pool = registry.app.state.runtime.pool
    manifest = generate(tmp_path, households=330, islands=("DTKS",), overlap=0.0, seed=4)
    merged = merge(manifest.paths(tmp_path))
    async with bulk_registry(registry_pool) as registry_writer:
        outcome = await import_households(merged.households, registry_writer,
                                          cause=Cause(actor="test-load", role="system"), enrolled_on=date(2026, 1, 1))
    assert outcome.refused == []
    people = [p for h in merged.households for p in h.members]
    assert len(people) >= REPORTS, "generate more households"
    dying = random.Random(1).sample(people, REPORTS)
    reports = [{"nik": p.nik, "name": p.full_name, "died_on": "2026-10-02",
                "certificate_number": f"KM-3571-{i:05d}"} for i, p in enumerate(dying)]
    twice = random.Random(2).sample(reports, REPORTS // 10)
    sending = reports + twice
    random.Random(3).shuffle(sending)

    dukcapil = tokens(Role.DUKCAPIL, subject="dukcapil-jatim")
    gate = asyncio.Semaphore(64)

    async def send(report: dict) -> dict:
        async with gate:
            response = await integration.post("/v1/dukcapil/death-reports", json=report, headers=dukcapil)
        assert response.status_code == 202, response.text
        return response.json()

    receipts = await asyncio.gather(*(send(r) for r in sending))
    assert len({r["report_id"] for r in receipts}) == REPORTS
    assert sum(r["duplicate"] for r in receipts) == REPORTS // 10

    async def all_deceased():
        count = await registry_pool.fetchval(
            "SELECT count(*) FROM events WHERE type = 'siks.registry.member-deceased.v1'")
        return count >= REPORTS

    await eventually(all_deceased, timeout=300, what="the registry to apply 1,000 deaths")
    await asyncio.sleep(2)  # anything still in flight must change nothing more
    total, distinct = await registry_pool.fetchrow(
        "SELECT count(*), count(DISTINCT subject) FROM events WHERE type = 'siks.registry.member-deceased.v1'")
    assert (total, distinct) == (REPORTS, REPORTS)
    statuses = await registry_pool.fetch("SELECT status, count(*) FROM persons WHERE nik = ANY($1) GROUP BY status",
                                         [p.nik for p in dying])
    assert {r["status"]: r["count"] for r in statuses} == {"deceased": REPORTS}
