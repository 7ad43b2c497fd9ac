"""Per-stream order without the "events first" rule: a batch transaction takes its txid before it
reads a stream that a later-numbered transaction wrote, then appends the next version on top."""

from __future__ import annotations

from siks_events.model import Cause, PendingEvent
from siks_events.relay import OutboxRelay
from siks_events.store import PostgresEventStore
from siks_events.testing import SampleRecorded

from .relay_support import TOPIC, order_violations, read_topic


async def _append(connection, stream: str, expected_version: int, n: int) -> str:
    pending = PendingEvent(event=SampleRecorded(n=n))
    await PostgresEventStore(connection).append(stream, expected_version, [pending], Cause())
    return pending.id


async def test_a_version_built_on_a_later_numbered_writer_is_not_published_before_it(
    store_pool, siks_bootstrap_servers, topic_prefix
):
    relay = OutboxRelay(store_pool, bootstrap_servers=siks_bootstrap_servers, source="/siks-ng/test",
                        topic_prefix=topic_prefix, partitions=1)
    await relay.take_lead()
    async with store_pool.acquire() as a, store_pool.acquire() as u, store_pool.acquire() as z:
        batch = a.transaction()  # A: the consumer's batch transaction, which wrote something first
        await batch.start()
        txid_a = await a.fetchval("SELECT pg_current_xact_id()::text::bigint")
        holder = z.transaction()  # Z: any transaction numbered between A and U, still open
        await holder.start()
        txid_z = await z.fetchval("SELECT pg_current_xact_id()::text::bigint")
        async with u.transaction():  # U: writes version 1 and commits first
            first = await _append(u, "S", 0, 1)
            txid_u = await u.fetchval("SELECT pg_current_xact_id()::text::bigint")
        second = await _append(a, "S", 1, 2)  # A builds version 2 on U's version 1
        await batch.commit()
        assert txid_a < txid_z < txid_u

        # xmin is Z: a window [W, xmin) would hold version 2 (txid A) but not version 1 (txid U)
        published_while_z_open = await relay.publish_batch()
        await holder.commit()
    while await relay.publish_batch():
        pass

    assert published_while_z_open == 0, "version 2 went out while version 1 was still outside the window"
    seen, found = await read_topic(siks_bootstrap_servers, topic_prefix + TOPIC, {first, second})
    assert found == {first, second}
    assert order_violations(seen) == []
    await relay.step_down()


async def test_a_window_shrinks_again_when_its_new_end_cuts_off_another_previous_version(
    store_pool, siks_bootstrap_servers, topic_prefix
):
    """Txids T1 < T2 < T3 < Z < T5: T3 writes S1 v1, T5 writes S2 v1, then T1 writes S1 v2 and T2
    S2 v2. With Z open the end starts at Z, shrinks to T2 (S2 v2's previous version is beyond Z),
    and then to T1 (S1 v2's previous version, T3, is now beyond the end): one shrink would publish
    S1 v2 before S1 v1."""
    relay = OutboxRelay(store_pool, bootstrap_servers=siks_bootstrap_servers, source="/siks-ng/test",
                        topic_prefix=topic_prefix, partitions=1)
    await relay.take_lead()
    ids: set[str] = set()
    async with (store_pool.acquire() as c1, store_pool.acquire() as c2, store_pool.acquire() as c3,
                store_pool.acquire() as z, store_pool.acquire() as c5):
        t1, t2, holder = c1.transaction(), c2.transaction(), z.transaction()
        await t1.start()
        await c1.fetchval("SELECT pg_current_xact_id()")
        await t2.start()
        await c2.fetchval("SELECT pg_current_xact_id()")
        async with c3.transaction():
            ids.add(await _append(c3, "S1", 0, 1))
        await holder.start()
        await z.fetchval("SELECT pg_current_xact_id()")
        async with c5.transaction():
            ids.add(await _append(c5, "S2", 0, 1))
        ids.add(await _append(c1, "S1", 1, 2))
        await t1.commit()
        ids.add(await _append(c2, "S2", 1, 2))
        await t2.commit()

        published_while_z_open = await relay.publish_batch()
        await holder.commit()
    while await relay.publish_batch():
        pass

    assert published_while_z_open == 0
    seen, found = await read_topic(siks_bootstrap_servers, topic_prefix + TOPIC, ids)
    assert found == ids
    assert order_violations(seen) == []
    await relay.step_down()
