"""The LKS unit of work on PostgreSQL: events first, then the read models, in one transaction."""

from __future__ import annotations

import asyncpg
from siks_events.uow import PostgresUnitOfWork

from siks_lks.application.uow import LksUnitOfWork
from siks_lks.domain.aid_proposal import AidProposal
from siks_lks.domain.institution import Institution
from siks_lks.domain.monitoring_report import MonitoringReport
from siks_lks.domain.ppks import PpksEntry

_UPSERT_LKS = """
INSERT INTO institutions (lks_id, name, region_code, scope, status, version) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (lks_id) DO UPDATE SET name = excluded.name, region_code = excluded.region_code, scope = excluded.scope,
    status = excluded.status, version = excluded.version
"""

_UPSERT_AID = """
INSERT INTO aid_proposals (aid_proposal_id, lks_id, region_code, amount, status, at_level, reason, version, service)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (aid_proposal_id) DO UPDATE SET amount = excluded.amount, status = excluded.status,
    at_level = excluded.at_level, reason = excluded.reason, version = excluded.version
"""

_UPSERT_REPORT = """
INSERT INTO monitoring_reports (report_id, aid_proposal_id, lks_id, region_code, approved_amount, reported_amount,
                                status, at_level, reason, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (report_id) DO UPDATE SET reported_amount = excluded.reported_amount, status = excluded.status,
    at_level = excluded.at_level, reason = excluded.reason, version = excluded.version
"""

_UPSERT_PPKS = """
INSERT INTO ppks_entries (entry_id, region_code, name, category, outcome, instrument, version)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (entry_id) DO UPDATE SET name = excluded.name, category = excluded.category, outcome = excluded.outcome,
    instrument = excluded.instrument, version = excluded.version
"""


async def project(connection: asyncpg.Connection, aggregate) -> None:
    """Write one institution's, proposal's or report's row from its current state."""
    match aggregate:
        case Institution():
            await connection.execute(_UPSERT_LKS, aggregate.id, aggregate.name, aggregate.region_code,
                                     aggregate.scope.value, aggregate.status.value, aggregate.version)
        case AidProposal():
            await connection.execute(_UPSERT_AID, aggregate.id, aggregate.lks_id, aggregate.region_code,
                                     aggregate.amount, aggregate.status.value, aggregate.at.value, aggregate.reason,
                                     aggregate.version, aggregate.service and aggregate.service.value)
        case MonitoringReport():
            await connection.execute(_UPSERT_REPORT, aggregate.id, aggregate.aid_proposal_id, aggregate.lks_id,
                                     aggregate.region_code, aggregate.approved_amount, aggregate.reported_amount,
                                     aggregate.status.value, aggregate.at.value, aggregate.reason, aggregate.version)
        case PpksEntry():
            assert aggregate.record is not None
            await connection.execute(_UPSERT_PPKS, aggregate.id, aggregate.region_code, aggregate.record.name,
                                     aggregate.record.category, aggregate.outcome and aggregate.outcome.value,
                                     aggregate.instrument and aggregate.instrument.value, aggregate.version)


class PostgresLksUnitOfWork(PostgresUnitOfWork, LksUnitOfWork):
    async def commit(self):
        self.after_events(self._project)
        return await super().commit()

    async def _project(self, uow: PostgresUnitOfWork) -> None:
        for aggregate in self.changed:
            await project(self.connection, aggregate)
