"""The integration service's unit of work: reports by id, and what DTKS holds about a person."""

from __future__ import annotations

import abc

from siks_events.uow import UnitOfWork

from siks_integration.domain.civil_report import KnownPerson


class IntegrationUnitOfWork(UnitOfWork, abc.ABC):
    @abc.abstractmethod
    async def known_person(self, nik: str) -> KnownPerson | None:
        """The person as DTKS last told us (their current membership), if DTKS has them."""

    @abc.abstractmethod
    async def people_with_kk(self, kk_number: str) -> list[KnownPerson]:
        """Everybody whose current membership is in a household under this family card (KK)."""
