"""The registry's unit of work on PostgreSQL: a NIK taken by a concurrent writer is a conflict, never a hang."""

from __future__ import annotations

import asyncio

import pytest
from siks_events.model import Cause
from siks_registry.adapters.postgres.uow import PostgresRegistryUnitOfWork
from siks_registry.application.handlers import handle_register_household
from siks_registry.domain.errors import NikAlreadyActive

from .households import hold_nik_uncommitted, member, registration, wait_until_blocked

HEAD = member(11)


async def test_a_nik_taken_while_registering_is_a_conflict_even_with_one_pooled_connection(
        registry_pool, outside_connection):
    # Asking the pool for a second connection while holding its only one would wait forever.
    pool = await registry_pool(max_size=1)
    other_writer = await hold_nik_uncommitted(outside_connection, HEAD, "h-other")
    registering = asyncio.create_task(handle_register_household(
        registration(11, HEAD, household_id="h-new"), PostgresRegistryUnitOfWork(pool, Cause())))
    await wait_until_blocked(outside_connection)  # our persons insert waits on the other writer's NIK
    await other_writer.commit()

    with pytest.raises(NikAlreadyActive) as refused:
        await asyncio.wait_for(registering, timeout=10)
    assert refused.value.household_id == "h-other"
    assert await asyncio.wait_for(pool.fetchval("SELECT count(*) FROM events"), timeout=5) == 0


async def test_a_unit_of_work_in_a_savepoint_undoes_only_itself_on_a_nik_conflict(registry_pool, outside_connection):
    pool = await registry_pool(max_size=1)
    other_writer = await hold_nik_uncommitted(outside_connection, HEAD, "h-other")

    async def batch() -> None:
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute("CREATE TEMP TABLE batch_marker (n int)")
            uow = PostgresRegistryUnitOfWork(pool, Cause()).bind(connection, savepoint=True)
            with pytest.raises(NikAlreadyActive):
                await handle_register_household(registration(11, HEAD, household_id="h-new"), uow)
            await connection.execute("INSERT INTO batch_marker VALUES (1)")  # the batch's transaction goes on

    batching = asyncio.create_task(batch())
    await wait_until_blocked(outside_connection)
    await other_writer.commit()
    await asyncio.wait_for(batching, timeout=10)
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = 'h-new'") == 0
