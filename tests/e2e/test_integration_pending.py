"""Issue 14, acceptance 3: right after a bulk import, a death report is answered `translated` (our copy of
DTKS knows the person) or `pending` (the copy may be behind), never `unmatched`, and ends `applied`; a report
naming nobody in DTKS becomes `unmatched` only once the copy has caught up with the registry."""

from __future__ import annotations

import asyncio
import collections
import random
import time
from datetime import date

from siks_events.auth import Role
from siks_events.model import Cause
from siks_registry.adapters.bulk.generator import generate
from siks_registry.adapters.bulk.merge import merge
from siks_registry.adapters.postgres.bulk import bulk_registry
from siks_registry.application.importing import import_households

from .conftest import eventually

HOUSEHOLDS, DEATHS = 300, 200
STRANGERS = [f"35710125017000{i:02d}" for i in range(1, 6)]  # well-formed NIKs of nobody in DTKS


async def test_death_reports_right_after_an_import_are_pending_or_translated_and_end_applied(
        services, tokens, tmp_path):
    registry, integration = services
    registry_pool, integration_pool = registry.app.state.runtime.pool, integration.app.state.runtime.pool
    merged = merge(generate(tmp_path, households=HOUSEHOLDS, islands=("DTKS",), overlap=0.0, seed=14)
                   .paths(tmp_path))
    people = [p for h in merged.households for p in h.members]
    assert not set(STRANGERS) & {p.nik for p in people}
    async with bulk_registry(registry_pool) as bulk:
        outcome = await import_households(merged.households, bulk, cause=Cause(actor="test-import", role="system"),
                                          enrolled_on=date(2026, 1, 1))
    assert outcome.refused == [] and outcome.imported == HOUSEHOLDS
    imported_at = time.monotonic()

    dukcapil = tokens(Role.DUKCAPIL, subject="dukcapil-jatim")
    dying = random.Random(14).sample(people, DEATHS)
    reports = [{"nik": p.nik, "name": p.full_name, "died_on": "2026-10-02", "certificate_number": f"KM-P-{i:04d}"}
               for i, p in enumerate(dying)]
    strangers = [{"nik": nik, "name": "Orang Asing", "died_on": "2026-10-02", "certificate_number": f"KM-S-{i}"}
                 for i, nik in enumerate(STRANGERS)]
    gate = asyncio.Semaphore(16)

    async def send(report: dict) -> dict:
        async with gate:
            response = await integration.post("/v1/dukcapil/death-reports", json=report, headers=dukcapil)
        assert response.status_code == 202, response.text
        return response.json()

    receipts = await asyncio.gather(*(send(r) for r in reports + strangers))
    answered = collections.Counter(r["status"] for r in receipts[:DEATHS])
    print(f"\nanswers right after importing {HOUSEHOLDS} households: {dict(answered)}")
    assert set(answered) <= {"pending", "translated"}, answered
    assert answered["pending"] > 0, "the copy had already caught up: import more households to test this"
    assert {r["status"] for r in receipts[DEATHS:]} == {"pending"}  # nobody can know yet that they are unknown

    async def statuses() -> dict[str, str]:
        rows = await integration_pool.fetch("SELECT report_id, status FROM civil_reports")
        return {r["report_id"]: r["status"] for r in rows}

    async def settled():
        now = await statuses()
        done = all(now[r["report_id"]] == "applied" for r in receipts[:DEATHS]) and all(
            now[r["report_id"]] == "unmatched" for r in receipts[DEATHS:])
        return now if done else None

    try:
        final = await eventually(settled, timeout=120, what="every report applied and every stranger unmatched")
    except AssertionError as timed_out:
        now = await statuses()
        raise AssertionError(f"{timed_out}: deaths {collections.Counter(now[r['report_id']] for r in receipts[:DEATHS])}"
                             f", strangers {collections.Counter(now[r['report_id']] for r in receipts[DEATHS:])}"
                             ) from None
    print(f"all {DEATHS} applied and {len(STRANGERS)} unmatched {time.monotonic() - imported_at:.1f} s after import")
    assert collections.Counter(final.values()) == {"applied": DEATHS, "unmatched": len(STRANGERS)}
    deceased = await registry_pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'siks.registry.member-deceased.v1'")
    assert deceased == DEATHS
    one = (await integration.get(f"/v1/dukcapil/reports/{receipts[0]['report_id']}",
                                 headers=tokens(Role.MINISTRY))).json()
    assert one["status"] == "applied" and one["history"][-1]["type"].endswith("civil-report-applied.v1")
