"""Issue 17, acceptance 6: the event store is sealed into a hash chain; `siks audit verify` passes on an
untouched store and names the first event changed, removed or slipped in by hand in SQL."""

from __future__ import annotations

import asyncio

from siks_events import chain
from siks_events.cli import app
from siks_events.model import Cause, PendingEvent
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded
from typer.testing import CliRunner


async def appended(pool, stream: str, count: int) -> None:
    for n in range(count):
        async with pool.acquire() as connection, connection.transaction():
            await PostgresEventStore(connection).append(stream, n, [PendingEvent(event=SampleRecorded(n=n))], Cause())


async def sealed_and_verified(pool):
    async with pool.acquire() as connection:
        while await chain.seal(connection):
            pass
        return await chain.verify(connection)


def verify_command(database_url: str, schema: str):
    runner = CliRunner()
    return asyncio.to_thread(runner.invoke, app, ["audit", "verify", "--service", "registry", "--schema", schema],
                             env={"DATABASE_URL": database_url})


async def test_an_untouched_store_verifies_and_the_command_says_so(store_pool, siks_database_url, schema_name):
    await appended(store_pool, "s-1", 3)
    await appended(store_pool, "s-2", 2)
    checked, broken = await sealed_and_verified(store_pool)
    assert (checked, broken) == (5, None)
    answer = await verify_command(siks_database_url, schema_name)
    assert answer.exit_code == 0 and "5 events sealed, none altered" in answer.output


async def test_an_event_changed_by_hand_is_named_as_the_first_broken_link(store_pool, siks_database_url, schema_name):
    await appended(store_pool, "s-1", 4)
    await sealed_and_verified(store_pool)
    third = await store_pool.fetchval("SELECT position FROM events WHERE stream_id = 's-1' AND version = 3")
    await store_pool.execute("UPDATE events SET data = '{\"n\": 99, \"note\": \"\"}' WHERE position = $1", third)
    checked, broken = await sealed_and_verified(store_pool)
    assert (checked, broken.position, broken.stream_id, broken.version) == (2, third, "s-1", 3)
    answer = await verify_command(siks_database_url, schema_name)
    assert answer.exit_code == 1 and f"broken at position {third} (stream s-1, version 3" in answer.output


async def test_an_event_removed_or_slipped_in_behind_the_chain_breaks_it(store_pool):
    await appended(store_pool, "s-1", 3)
    await sealed_and_verified(store_pool)
    second = await store_pool.fetchval("SELECT position FROM events WHERE version = 2")
    await store_pool.execute("DELETE FROM events WHERE position = $1", second)
    _, removed = await sealed_and_verified(store_pool)
    assert (removed.position, removed.reason) == (second, "the sealed event is gone")

    await store_pool.execute("TRUNCATE event_chain, chain_state")
    await sealed_and_verified(store_pool)
    # an event inserted afterwards with an old transaction id: behind the watermark, never sealed
    await store_pool.execute(
        "INSERT INTO events (stream_id, version, event_id, type, topic, subject, data, metadata, txid)"
        " VALUES ('s-9', 1, 'forged', 'siks.testing.sample-recorded.v1', 'siks.testing.events', 's-9',"
        " '{\"n\": 1, \"note\": \"\"}', '{}', 1)")
    _, slipped = await sealed_and_verified(store_pool)
    assert slipped.stream_id == "s-9" and "never sealed" in slipped.reason


async def test_events_of_a_transaction_still_open_are_sealed_only_once_it_has_finished(store_pool):
    await appended(store_pool, "s-1", 1)
    async with store_pool.acquire() as writer:
        transaction = writer.transaction()
        await transaction.start()
        await PostgresEventStore(writer).append("s-open", 0, [PendingEvent(event=SampleRecorded(n=7))], Cause())
        await appended(store_pool, "s-2", 1)  # committed after the open one began
        checked, _ = await sealed_and_verified(store_pool)
        assert checked == 1  # the open transaction holds the window back, so s-2 waits behind it
        await transaction.commit()
    checked, broken = await sealed_and_verified(store_pool)
    assert (checked, broken) == (3, None)
