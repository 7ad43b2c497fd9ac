"""A report's read-model row follows the newest version of its stream, whoever writes last."""

from __future__ import annotations

from datetime import date

from siks_events.catalog.integration import CivilReportApplied, DeathReported
from siks_integration.adapters.postgres.uow import project_report
from siks_integration.domain.civil_report import CivilReport

NIK = "3571014302840002"
DEATH = DeathReported(report_id="death-KM-1", nik=NIK, name="Siti Aminah", died_on=date(2026, 10, 2),
                      certificate_number="KM-1")


async def test_a_decision_read_from_an_older_version_does_not_undo_the_registry_confirmation(pool):
    # The pending-report watcher read the report at version 1 and found the person known (no event:
    # it would write `translated`); meanwhile the consumer recorded the registry's confirmation.
    stale = CivilReport.rehydrate(DEATH.report_id, [DEATH])
    stale.awaiting_dtks = False
    confirmed = CivilReport.rehydrate(DEATH.report_id, [DEATH, CivilReportApplied(report_id=DEATH.report_id,
                                                                                  applied_by="/siks-ng/registry")])
    async with pool.acquire() as connection:
        await project_report(connection, confirmed)
        await project_report(connection, stale)
        row = await connection.fetchrow("SELECT status, version FROM civil_reports WHERE report_id = $1",
                                        DEATH.report_id)
    assert (row["status"], row["version"]) == ("applied", 2)


async def test_a_newer_version_replaces_the_row(pool):
    pending = CivilReport.rehydrate(DEATH.report_id, [DEATH])
    pending.awaiting_dtks = True
    confirmed = CivilReport.rehydrate(DEATH.report_id, [DEATH, CivilReportApplied(report_id=DEATH.report_id,
                                                                                  applied_by="/siks-ng/registry")])
    async with pool.acquire() as connection:
        await project_report(connection, pending)
        assert await connection.fetchval("SELECT status FROM civil_reports") == "pending"
        await project_report(connection, confirmed)
        assert await connection.fetchval("SELECT status FROM civil_reports") == "applied"
