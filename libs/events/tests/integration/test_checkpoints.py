"""Issue 17: signed checkpoints per region of the tamper-evident chain. They hold on an untouched store, and
`siks audit verify` names a forged, altered or removed checkpoint, and a chain sealed anew after an event
was changed (which the chain alone cannot show)."""

from __future__ import annotations

import asyncio

from siks_events import chain, checkpoints
from siks_events.checkpoints import CheckpointSigner, generate_key
from siks_events.cli import app
from siks_events.model import Cause, PendingEvent
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded
from typer.testing import CliRunner

KEDIRI, BOGOR = "3571011001", "3201011001"  # villages in the provinces 35 (East Java) and 32 (West Java)
KEY = generate_key()
SIGNER = CheckpointSigner.from_text(KEY)


async def appended(pool, stream: str, count: int, region: str = "") -> None:
    for n in range(count):
        async with pool.acquire() as connection, connection.transaction():
            await PostgresEventStore(connection).append(stream, n, [PendingEvent(event=SampleRecorded(n=n))],
                                                        Cause(region=region))


async def sealed_and_checkpointed(pool, signer: CheckpointSigner = SIGNER) -> int:
    async with pool.acquire() as connection:
        while await chain.seal(connection):
            pass
        return await checkpoints.checkpoint(connection, signer)


async def verified(pool, signer: CheckpointSigner = SIGNER):
    async with pool.acquire() as connection:
        checked, broken = await chain.verify(connection)
        assert broken is None, broken
        return await checkpoints.verify(connection, signer)


def verify_command(database_url: str, schema: str, keys: str = KEY):
    return asyncio.to_thread(CliRunner().invoke, app, ["audit", "verify", "--service", "registry", "--schema", schema],
                             env={"DATABASE_URL": database_url, "SIKS_CHAIN_SIGNING_KEYS": keys})


async def test_each_region_gets_a_signed_checkpoint_and_later_ones_only_where_events_were_sealed(store_pool):
    await appended(store_pool, "kediri-1", 3, KEDIRI)
    await appended(store_pool, "bogor-1", 2, BOGOR)
    await appended(store_pool, "national-1", 1)
    assert await sealed_and_checkpointed(store_pool) == 3
    assert await sealed_and_checkpointed(store_pool) == 0  # nothing sealed since: nothing to sign
    await appended(store_pool, "kediri-2", 2, KEDIRI)
    assert await sealed_and_checkpointed(store_pool) == 1
    rows = await store_pool.fetch("SELECT region, events, up_to_seq FROM chain_checkpoints ORDER BY seq")
    assert [(r["region"], r["events"]) for r in rows] == [("32", 2), ("35", 3), ("national", 1), ("35", 5)]
    assert rows[-1]["up_to_seq"] == 8
    assert await verified(store_pool) == (4, None)


async def test_a_forged_or_altered_checkpoint_is_named(store_pool):
    await appended(store_pool, "kediri-1", 2, KEDIRI)
    await sealed_and_checkpointed(store_pool)
    await appended(store_pool, "bogor-1", 2, BOGOR)
    await sealed_and_checkpointed(store_pool)
    first, second = await store_pool.fetch("SELECT seq FROM chain_checkpoints ORDER BY seq")

    await store_pool.execute("UPDATE chain_checkpoints SET events = 1 WHERE seq = $1", second["seq"])
    held, forged = await verified(store_pool)
    assert (held, forged.seq, forged.region) == (1, second["seq"], "32") and "forged or altered" in forged.reason

    # Signed, but not with our key: someone who made a key of their own and signed what they liked.
    await store_pool.execute("UPDATE chain_checkpoints SET events = 2 WHERE seq = $1", second["seq"])
    stranger = CheckpointSigner.from_text(generate_key())
    row = await store_pool.fetchrow("SELECT * FROM chain_checkpoints WHERE seq = $1", first["seq"])
    resigned = stranger.sign(checkpoints.payload(row["region"], row["up_to_seq"], row["chain_hash"], row["region_hash"],
                                                 row["events"], row["previous"], row["signed_at"], stranger.key_id))
    await store_pool.execute("UPDATE chain_checkpoints SET key_id = $2, signature = $3 WHERE seq = $1",
                             first["seq"], stranger.key_id, resigned)
    held, forged = await verified(store_pool)
    assert (held, forged.seq) == (0, first["seq"]) and "not ours" in forged.reason


async def test_a_checkpoint_removed_from_the_middle_breaks_the_next(store_pool):
    for n in range(3):
        await appended(store_pool, f"kediri-{n}", 1, KEDIRI)
        await sealed_and_checkpointed(store_pool)
    seqs = [r["seq"] for r in await store_pool.fetch("SELECT seq FROM chain_checkpoints ORDER BY seq")]
    await store_pool.execute("DELETE FROM chain_checkpoints WHERE seq = $1", seqs[1])
    held, broken = await verified(store_pool)
    assert (held, broken.seq) == (1, seqs[2]) and "missing" in broken.reason


async def test_a_chain_sealed_anew_after_an_event_was_changed_is_caught_by_the_checkpoint(store_pool, siks_database_url,
                                                                                          schema_name):
    await appended(store_pool, "kediri-1", 3, KEDIRI)
    await appended(store_pool, "bogor-1", 1, BOGOR)
    await sealed_and_checkpointed(store_pool)
    answer = await verify_command(siks_database_url, schema_name)
    assert answer.exit_code == 0 and "4 events sealed, none altered; 2 signed checkpoints hold" in answer.output

    # Whoever can write the database changes an event and seals the whole chain again: the chain alone holds.
    await store_pool.execute("UPDATE events SET data = '{\"n\": 99, \"note\": \"\"}' WHERE stream_id = 'kediri-1'"
                             " AND version = 2")
    await store_pool.execute("TRUNCATE event_chain, chain_state")
    async with store_pool.acquire() as connection:
        while await chain.seal(connection):
            pass
        assert (await chain.verify(connection))[1] is None
        held, broken = await checkpoints.verify(connection, SIGNER)
    first = await store_pool.fetchval("SELECT min(seq) FROM chain_checkpoints")
    assert (held, broken.seq) == (0, first) and "sealed anew" in broken.reason

    answer = await verify_command(siks_database_url, schema_name)
    assert answer.exit_code == 1
    assert f"checkpoint {first} (region 32, up to link 4) does not hold" in answer.output


async def test_without_keys_the_command_says_checkpoints_were_not_checked(store_pool, siks_database_url, schema_name):
    await appended(store_pool, "kediri-1", 1, KEDIRI)
    await sealed_and_checkpointed(store_pool)
    answer = await verify_command(siks_database_url, schema_name, keys="")
    assert answer.exit_code == 0 and "checkpoints not checked" in answer.output


async def test_after_a_key_rotation_checkpoints_signed_with_the_old_key_still_hold(store_pool):
    await appended(store_pool, "kediri-1", 1, KEDIRI)
    await sealed_and_checkpointed(store_pool)
    rotated = CheckpointSigner.from_text(f"{generate_key()},{KEY}")
    await appended(store_pool, "kediri-2", 1, KEDIRI)
    await sealed_and_checkpointed(store_pool, rotated)
    assert await verified(store_pool, rotated) == (2, None)
    held, broken = await verified(store_pool)  # the old key alone does not know the new one's signature
    assert held == 1 and "not ours" in broken.reason
