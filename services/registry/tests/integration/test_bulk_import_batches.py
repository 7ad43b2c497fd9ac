"""The batched bulk import on PostgreSQL: the same verdicts as the handler, within a batch and across batches."""

from __future__ import annotations

from datetime import date

import pytest
from siks_events.model import Cause
from siks_registry.adapters.postgres.bulk import PostgresBulkRegistry, bulk_registry
from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork
from siks_registry.application.handlers import handle_register_household
from siks_registry.application.importing import BulkRegistry, household_id_for, import_households

from .households import kk, member, merged, registration

CAUSE = Cause(actor="bulk-import", role="system", command="ImportDataIslands:test")
ENROLLED_ON = date(2026, 1, 1)


def nik_refusal(serial: int, index: int, holder: str) -> dict:
    detail = f"this NIK is already active in household {holder} (/v1/households/{holder})"
    return {"kk_number": kk(serial), "code": "nik-already-active", "errors": [(f"members/{index}/nik", detail)]}


@pytest.mark.parametrize("batch_size", [100, 2])
async def test_nik_collisions_with_the_registry_and_inside_the_input_are_refused_like_the_handler_does(
        registry_pool, batch_size):
    pool = await registry_pool()
    taken = member(1)
    await handle_register_household(registration(1, taken, household_id=household_id_for(kk(1))),
                                    PostgresRegistryUnitOfWork(pool, CAUSE))
    households = [
        merged(1, taken),                                         # already present (same KK, same id)
        merged(2, member(2), member(3, "spouse", "female")),      # new
        merged(3, member(4), taken),                              # NIK active in household 1
        merged(4, member(5)),                                     # new
        merged(5, member(6), member(5, "child")),                 # NIK of household 4, earlier in the input
        merged(6, member(7, "spouse", "female")),                 # no head
    ]
    progress: list[int] = []
    async with bulk_registry(pool) as registry:
        report = await import_households(households, registry, cause=CAUSE, enrolled_on=ENROLLED_ON,
                                         batch_size=batch_size, progress=progress.append)

    assert (report.imported, report.already_present, report.batches_split) == (2, 1, 0)
    assert report.refused == [
        nik_refusal(3, 1, household_id_for(kk(1))),
        nik_refusal(5, 1, household_id_for(kk(4))),
        {"kk_number": kk(6), "code": "head-required",
         "errors": [("members", "a household needs exactly one head (kepala keluarga); 0 given")]},
    ]
    assert sum(progress) == 6
    holders = {r["nik"]: r["household_id"] for r in await pool.fetch("SELECT nik, household_id FROM persons")}
    assert holders == {taken.nik: household_id_for(kk(1)), member(2).nik: household_id_for(kk(2)),
                       member(3, "spouse", "female").nik: household_id_for(kk(2)),
                       member(5).nik: household_id_for(kk(4))}
    events = await pool.fetch("SELECT stream_id, version, metadata FROM events WHERE stream_id = $1 ORDER BY version",
                              household_id_for(kk(2)))
    assert [(e["version"], e["metadata"]) for e in events] == [(1, CAUSE.as_metadata())]
    assert await pool.fetchval("SELECT version FROM households WHERE household_id = $1", household_id_for(kk(2))) == 1


class RacedByTheApi(BulkRegistry):
    """The real bulk registry, except that its first batch write meets a NIK the API registered just after the checks."""

    def __init__(self, registry: PostgresBulkRegistry) -> None:
        self.registry, self.raced = registry, False

    async def present(self, household_ids):
        return await self.registry.present(household_ids)

    async def active_holders(self, niks):
        return await self.registry.active_holders(niks)

    async def append_new(self, households, cause) -> None:
        if not self.raced:
            self.raced = True
            await handle_register_household(registration(9, member(4), household_id="h-api"),
                                            PostgresRegistryUnitOfWork(self.registry.pool, CAUSE))
        await self.registry.append_new(households, cause)

    def unit_of_work(self, cause):
        return self.registry.unit_of_work(cause)


async def test_a_batch_that_collides_with_a_concurrent_write_is_loaded_one_by_one(registry_pool):
    pool = await registry_pool()
    households = [merged(2, member(2)), merged(3, member(3), member(4, "child")), merged(4, member(5))]
    async with bulk_registry(pool) as registry:
        report = await import_households(households, RacedByTheApi(registry), cause=CAUSE, enrolled_on=ENROLLED_ON)

    assert (report.imported, report.already_present, report.batches_split) == (2, 0, 1)
    assert report.refused == [nik_refusal(3, 1, "h-api")]
    assert await pool.fetchval("SELECT count(*) FROM households") == 3  # h-api and the two imported
