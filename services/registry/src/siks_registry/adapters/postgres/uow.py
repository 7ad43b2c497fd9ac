"""The registry's unit of work on PostgreSQL: events first, then the read models, in one transaction."""

from __future__ import annotations

import asyncpg
from siks_events.uow import PostgresUnitOfWork

from siks_registry.adapters import metrics
from siks_registry.adapters.postgres.projection import project_household
from siks_registry.application.uow import RegistryUnitOfWork
from siks_registry.domain.errors import NikAlreadyActive
from siks_registry.domain.household import Household


class PostgresRegistryUnitOfWork(PostgresUnitOfWork, RegistryUnitOfWork):
    """Household streams in the event store; NIK lookups on the persons read model."""

    _undone = False  # the transaction (or savepoint) was already rolled back in `commit`

    async def commit(self):
        self.after_events(self._project)
        self.after_events(self._count)
        try:
            return await super().commit()
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != "persons_one_active_nik" or self._transaction is None:
                raise  # without a savepoint of our own the batch undoes everything: let it say so
            # A concurrent writer registered the same NIK first: the index is the last word. The failed
            # statement aborted our transaction, so undo it and ask on the same connection: taking a second
            # one from the pool while holding this one deadlocks once every connection does the same.
            await self._transaction.rollback()
            self._undone = True
            nik = (exc.detail or "").split("=(")[-1].split(")")[0]
            holder = await self.connection.fetchval(
                "SELECT household_id FROM persons WHERE nik = $1 AND status = 'active'", nik)
            raise NikAlreadyActive("nik", holder or "another household") from None

    async def _rollback(self) -> None:
        if self._undone:
            self._undone = False
            return
        await super()._rollback()

    async def _project(self, uow: PostgresUnitOfWork) -> None:
        for aggregate in self.changed:
            if isinstance(aggregate, Household):
                await project_household(self.connection, aggregate)

    async def _count(self, uow: PostgresUnitOfWork) -> None:
        metrics.count_deactivations(self, self.recorded)

    async def active_household_of(self, nik: str) -> str | None:
        return await self.connection.fetchval(
            "SELECT household_id FROM persons WHERE nik = $1 AND status = 'active'", nik)

    async def latest_household_of(self, nik: str) -> str | None:
        return await self.connection.fetchval(
            "SELECT household_id FROM persons WHERE nik = $1 ORDER BY updated_at DESC LIMIT 1", nik)

    async def households_with_kk(self, kk_number: str) -> list[str]:
        rows = await self.connection.fetch("SELECT household_id FROM households WHERE kk_number = $1", kk_number)
        return [r["household_id"] for r in rows]
