"""The integration unit of work on PostgreSQL: report streams, their read model, the DTKS copy."""

from __future__ import annotations

from siks_events.uow import PostgresUnitOfWork

from siks_integration.adapters.postgres import mirror
from siks_integration.application.uow import IntegrationUnitOfWork
from siks_integration.domain.civil_report import CivilReport, KnownPerson
from siks_integration.domain.dtks import Membership


def _known(membership: Membership) -> KnownPerson:
    return KnownPerson(membership.nik, membership.status, membership.status_since)


class PostgresIntegrationUnitOfWork(PostgresUnitOfWork, IntegrationUnitOfWork):
    async def __aenter__(self):
        self._reports: dict[str, CivilReport] = {}
        return await super().__aenter__()

    async def load(self, cls, stream_id):
        aggregate = await super().load(cls, stream_id)
        if isinstance(aggregate, CivilReport):
            self._reports[aggregate.id] = aggregate
        return aggregate

    def add(self, aggregate) -> None:
        super().add(aggregate)
        if isinstance(aggregate, CivilReport):
            self._reports[aggregate.id] = aggregate

    async def commit(self):
        self.after_events(self._project)
        return await super().commit()

    async def _project(self, uow: PostgresUnitOfWork) -> None:
        # Every report looked at, not only those with new events: `pending` lives only in the read model.
        for report in self._reports.values():
            await project_report(self.connection, report)

    async def known_person(self, nik: str) -> KnownPerson | None:
        membership = await mirror.current(self.connection, nik)
        return _known(membership) if membership else None

    async def people_with_kk(self, kk_number: str) -> list[KnownPerson]:
        return [_known(m) for m in await mirror.current_under_kk(self.connection, kk_number)]


async def project_report(connection, report: CivilReport) -> None:
    await connection.execute(
        """
        INSERT INTO civil_reports (report_id, kind, nik, kk_number, event_date, status, reason, version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (report_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
            version = excluded.version, updated_at = now()
        -- a writer that read an older version of the report must not undo a newer one's row
        WHERE civil_reports.version <= excluded.version
          AND (civil_reports.status, civil_reports.reason) IS DISTINCT FROM (excluded.status, excluded.reason)
        """,
        report.id, report.kind, report.nik, report.kk_number, report.event_date, report.status.value, report.reason,
        report.version,
    )
