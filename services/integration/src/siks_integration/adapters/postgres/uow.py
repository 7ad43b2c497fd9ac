"""The integration unit of work on PostgreSQL: report streams, their read model, the DTKS mirror."""

from __future__ import annotations

from siks_events.uow import PostgresUnitOfWork

from siks_integration.application.uow import IntegrationUnitOfWork
from siks_integration.domain.civil_report import CivilReport, KnownPerson


class PostgresIntegrationUnitOfWork(PostgresUnitOfWork, IntegrationUnitOfWork):
    async def commit(self):
        self.after_events(self._project)
        return await super().commit()

    async def _project(self, uow: PostgresUnitOfWork) -> None:
        for report in self.changed:
            if isinstance(report, CivilReport):
                await project_report(self.connection, report)

    async def known_person(self, nik: str) -> KnownPerson | None:
        row = await self.connection.fetchrow("SELECT nik, status, status_since FROM dtks_persons WHERE nik = $1", nik)
        return KnownPerson(**dict(row)) if row else None

    async def people_with_kk(self, kk_number: str) -> list[KnownPerson]:
        rows = await self.connection.fetch(
            "SELECT nik, status, status_since FROM dtks_persons WHERE kk_number = $1", kk_number)
        return [KnownPerson(**dict(r)) for r in rows]


async def project_report(connection, report: CivilReport) -> None:
    await connection.execute(
        """
        INSERT INTO civil_reports (report_id, kind, nik, kk_number, event_date, status, reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (report_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, updated_at = now()
        """,
        report.id, report.kind, report.nik, report.kk_number, report.event_date, report.status.value, report.reason,
    )
