"""The registry's unit of work: households by id, and where a NIK lives."""

from __future__ import annotations

import abc

from siks_events.uow import UnitOfWork

from siks_registry.domain.errors import HouseholdNotFound
from siks_registry.domain.household import Household


class RegistryUnitOfWork(UnitOfWork, abc.ABC):
    """A unit of work over household streams, with the NIK lookups that single identity needs."""

    async def get_household(self, household_id: str) -> Household:
        household = await self.load(Household, household_id)
        if household is None:
            raise HouseholdNotFound(f"no household {household_id} in DTKS", field="household_id")
        return household

    @abc.abstractmethod
    async def active_household_of(self, nik: str) -> str | None:
        """The household where this NIK is an active member, if any."""

    @abc.abstractmethod
    async def latest_household_of(self, nik: str) -> str | None:
        """The household that recorded this NIK last (active or not), if any."""

    @abc.abstractmethod
    async def households_with_kk(self, kk_number: str) -> list[str]:
        """Households recorded under this family card (KK) number."""

    async def find_household_of(self, nik: str) -> Household | None:
        """The household to apply news about a person to: where they are active, else their last one."""
        household_id = await self.active_household_of(nik) or await self.latest_household_of(nik)
        return await self.load(Household, household_id) if household_id else None
