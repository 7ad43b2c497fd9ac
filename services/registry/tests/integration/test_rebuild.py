"""Read-model rebuild: bounded chunk transactions, the same rows as a projection from scratch, no lost write."""

from __future__ import annotations

import asyncio
from datetime import date

from siks_events.catalog.integration import DeathReported
from siks_events.model import Cause
from siks_registry.adapters.postgres.rebuild import rebuild
from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork
from siks_registry.application.handlers import handle_add_member, handle_death_reported, handle_register_household
from siks_registry.domain.commands import AddMember

from .households import member, registration, wait_until_blocked

READ_MODELS = {
    "households": "SELECT household_id, kk_number, region_code, address, head_nik, needs_new_head, active_members,"
                  " welfare_decile, version FROM households ORDER BY household_id",
    "persons": "SELECT household_id, nik, full_name, sex, birth_date, relationship, region_code, status,"
               " status_since, programs FROM persons ORDER BY household_id, nik",
}


async def read_models(pool) -> dict[str, list[dict]]:
    return {table: [dict(r) for r in await pool.fetch(query)] for table, query in READ_MODELS.items()}


async def register_five(pool) -> None:
    for serial in range(1, 6):
        await handle_register_household(
            registration(serial, member(serial), member(serial + 10, "spouse", "female"), household_id=f"h-{serial}"),
            PostgresRegistryUnitOfWork(pool, Cause()))
    death = DeathReported(report_id="r-1", nik=member(2).nik, name="Warga 2", died_on=date(2026, 3, 1),
                          certificate_number="3571-KM-01032026-0001")
    await handle_death_reported(death, PostgresRegistryUnitOfWork(pool, Cause()))


async def test_a_rebuild_commits_chunk_by_chunk_and_ends_with_the_rows_a_projection_from_scratch_gives(registry_pool):
    pool = await registry_pool()
    await register_five(pool)
    projected = await read_models(pool)
    # the read models drift: a household lost its persons, one has stale fields, one is not in the store
    await pool.execute("DELETE FROM persons WHERE household_id = 'h-1'")
    await pool.execute("UPDATE households SET address = 'stale', active_members = 9 WHERE household_id = 'h-3'")
    await pool.execute("INSERT INTO households (household_id, kk_number, region_code, address, active_members, version)"
                       " VALUES ('h-gone', '3571010101099998', '3571011001', 'Jl. Hilang', 0, 1)")
    chunks: list[tuple[int, int]] = []  # one call per committed chunk transaction
    report = await rebuild(pool, lambda done, total: chunks.append((done, total)), chunk=2)

    assert chunks == [(2, 5), (4, 5), (5, 5)]
    assert (report.replayed, report.chunks, report.removed, report.kept_newer) == (5, 3, 1, 0)
    assert await read_models(pool) == projected


async def test_a_household_written_while_its_chunk_is_replayed_keeps_the_newer_rows(registry_pool, outside_connection):
    pool = await registry_pool()
    await register_five(pool)
    newcomer = member(21, "child", "female")
    # The API's write of h-3 is committed only after the rebuild has read h-3's older stream.
    api_transaction = outside_connection.transaction()
    await api_transaction.start()
    uow = PostgresRegistryUnitOfWork(pool, Cause()).bind(outside_connection, savepoint=True)
    await handle_add_member(AddMember("h-3", newcomer), uow)

    rebuilding = asyncio.create_task(rebuild(pool, chunk=10))
    await wait_until_blocked(outside_connection)  # the rebuild waits on h-3's row, holding the stale replay
    await api_transaction.commit()
    report = await asyncio.wait_for(rebuilding, timeout=10)

    assert report.kept_newer == 1
    assert await pool.fetchval("SELECT version FROM households WHERE household_id = 'h-3'") == 2
    assert await pool.fetchval("SELECT household_id FROM persons WHERE nik = $1", newcomer.nik) == "h-3"
