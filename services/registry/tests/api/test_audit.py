"""Issue 17, acceptance 4: the audit trail lists who read and who changed a NIK's data, as JSON and CSV, and
audit records cannot be changed."""

from __future__ import annotations

import asyncpg
import pytest
from siks_events.auth import Role

from ..builders import SITI, household


async def test_the_trail_lists_a_read_and_a_change_by_two_actors_and_the_csv_has_both(registry_app, token):
    writer = token(Role.VILLAGE_OPERATOR, subject="op-bandar-lor")
    await registry_app.post("/v1/households", json=household(), headers=writer)
    reader = token(Role.DISTRICT_OFFICE, region="3571", subject="dinsos-kediri")
    assert (await registry_app.get(f"/v1/persons/{SITI['nik']}", headers=reader)).status_code == 200
    auditor = token(Role.AUDITOR, region="", subject="inspektorat")

    trail = await registry_app.post("/v1/audit/person-trail", json={"nik": SITI["nik"]}, headers=auditor)
    entries = [(e["kind"], e["actor"], e["what"]) for e in trail.json()]
    assert ("change", "op-bandar-lor", "siks.registry.household-registered.v1") in entries
    assert ("read", "dinsos-kediri", "GET /v1/persons/{nik}") in entries
    assert all(SITI["nik"] not in e["what"] for e in trail.json())  # routes are templates, never a NIK

    only_reader = await registry_app.post("/v1/audit/person-trail", json={"nik": SITI["nik"], "actor": "dinsos-kediri"},
                                          headers=auditor)
    assert {e["actor"] for e in only_reader.json()} == {"dinsos-kediri"}
    sheet = await registry_app.post("/v1/audit/person-trail.csv", json={"nik": SITI["nik"]}, headers=auditor)
    assert sheet.headers["content-type"].startswith("text/csv")
    assert "op-bandar-lor" in sheet.text and "dinsos-kediri" in sheet.text

    not_an_auditor = await registry_app.post("/v1/audit/person-trail", json={"nik": SITI["nik"]}, headers=reader)
    assert not_an_auditor.status_code == 403


async def test_an_audit_record_cannot_be_changed_or_deleted(registry_app, token):
    await registry_app.post("/v1/households", json=household(), headers=token())
    await registry_app.get(f"/v1/persons/{SITI['nik']}", headers=token())
    pool = registry_app.app.state.runtime.pool
    assert await pool.fetchval("SELECT count(*) FROM audit_reads") == 1
    for statement in ("UPDATE audit_reads SET actor = 'someone else'", "DELETE FROM audit_reads"):
        with pytest.raises(asyncpg.RaiseError):
            await pool.execute(statement)
    assert await pool.fetchval("SELECT count(*) FROM audit_reads WHERE actor <> 'someone else'") == 1
