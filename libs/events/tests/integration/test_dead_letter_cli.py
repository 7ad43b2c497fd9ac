"""`siks dlq list|show|replay` against the real PostgreSQL and broker: an operator reads dead letters
with NIKs masked and replays one to its original topic exactly once unless forced."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaConsumer
from siks_events import kafka
from siks_events.cli import app
from siks_events.dead_letters import (
    REPLAY_HEADER,
    DeadLetterAlreadyReplayed,
    DeadLetterNotFound,
    DeadLetterOutsideEnvironment,
    decode_headers,
    encode_headers,
    get_dead_letter,
    list_dead_letters,
    replay,
)
from typer.testing import CliRunner

NIK = "3571011705800001"
MASKED = "357101********01"
INBOUND = "integration.dukcapil-inbound"
DEATH = json.dumps({"nik": NIK, "name": "Budi Santoso", "died_on": "2026-13-45"}).encode()
HEADERS = [("ce_id", b"dk-evt-7"), ("ce_type", b"go.id.dukcapil.death-recorded.v1"), ("ce_subject", NIK.encode()),
           ("dlq_reason", b"died_on: not a date"), ("traceparent", None)]


async def dead_letter(pool, topic: str, *, consumer: str = INBOUND, reason_code: str = "invalid-data",
                      value: bytes | None = DEATH, offset: int = 7) -> int:
    """A dead letter as the consumer writes it (record bytes and headers in the module's encoding)."""
    return await pool.fetchval(
        'INSERT INTO dead_letters (consumer, topic, partition, "offset", reason, reason_code, event_id,'
        " record_key, record_value, record_headers, fingerprint)"
        " VALUES ($1, $2, 0, $3, $4, $5, 'dk-evt-7', $6, $7, $8, $9) RETURNING id",
        consumer, topic, offset, f"died_on of {NIK}: not a date", reason_code, NIK.encode(), value,
        encode_headers(HEADERS), f"dk-evt-{offset}",
    )


def siks(*args: str, database_url: str, schema: str, **env: str):
    """Run the `siks` command line as an operator would (in a thread: it runs its own event loop)."""
    runner = CliRunner()
    return asyncio.to_thread(runner.invoke, app, [*args, "--schema", schema],
                             env={"DATABASE_URL": database_url, **env})


async def read_back(bootstrap_servers: str, topic: str, count: int, timeout: float = 20.0):
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    records = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out: {len(records)} of {count} records on {topic}")
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


def test_headers_round_trip_through_their_stored_encoding_including_a_null_value():
    stored = encode_headers(HEADERS)
    assert stored[0] == ["ce_id", "ZGstZXZ0LTc="] and stored[-1] == ["traceparent", None]
    assert decode_headers(stored) == HEADERS
    assert decode_headers(json.dumps(stored)) == HEADERS


async def test_dead_letters_are_listed_newest_first_and_narrowed_by_consumer_topic_and_reason(store_pool, topic_prefix):
    civil = topic_prefix + "dukcapil.civil-events"
    first = await dead_letter(store_pool, civil, offset=1)
    malformed = await dead_letter(store_pool, civil, reason_code="malformed", value=b"\xff\xfe", offset=2)
    other = await dead_letter(store_pool, topic_prefix + "siks.registry.households", consumer="integration.siks-events",
                              offset=3)

    assert [d.id for d in await list_dead_letters(store_pool, limit=10)] == [other, malformed, first]
    assert [d.id for d in await list_dead_letters(store_pool, consumer=INBOUND, limit=10)] == [malformed, first]
    assert [d.id for d in await list_dead_letters(store_pool, topic=civil, reason_code="malformed", limit=10)] == [
        malformed]
    assert [d.id for d in await list_dead_letters(store_pool, limit=1)] == [other]
    with pytest.raises(DeadLetterNotFound):
        await get_dead_letter(store_pool, other + 1000)


async def test_siks_dlq_list_prints_a_table_or_json_with_niks_masked(store_pool, siks_database_url, schema_name,
                                                                     topic_prefix):
    letter = await dead_letter(store_pool, topic_prefix + "dukcapil.civil-events")

    table = await siks("dlq", "list", "--service", "integration", database_url=siks_database_url, schema=schema_name)
    assert table.exit_code == 0, table.output
    header, row = table.output.splitlines()
    assert header.split()[:2] == ["id", "recorded"]
    assert row.split()[0] == str(letter) and "invalid-data" in row and f"{topic_prefix}dukcapil.civil-events[0]@7" in row
    assert MASKED in row and NIK not in table.output

    listed = await siks("dlq", "list", "--service", "integration", "--reason-code", "invalid-data", "--json",
                        database_url=siks_database_url, schema=schema_name)
    assert listed.exit_code == 0, listed.output
    [only] = json.loads(listed.output)
    assert only["id"] == letter and only["consumer"] == INBOUND and only["replayed_at"] is None
    assert only["reason"] == f"died_on of {MASKED}: not a date"


async def test_siks_dlq_show_decodes_the_record_as_text_with_niks_masked(store_pool, siks_database_url, schema_name,
                                                                         topic_prefix):
    letter = await dead_letter(store_pool, topic_prefix + "dukcapil.civil-events")
    binary = await dead_letter(store_pool, topic_prefix + "dukcapil.civil-events", value=b"\x00\xff" + NIK.encode(),
                               offset=8)

    shown = await siks("dlq", "show", str(letter), "--service", "integration", database_url=siks_database_url,
                       schema=schema_name)
    assert shown.exit_code == 0, shown.output
    assert NIK not in shown.output
    assert f'"nik": "{MASKED}"' in shown.output and f"ce_subject: {MASKED}" in shown.output
    assert "traceparent: -" in shown.output

    details = json.loads((await siks("dlq", "show", str(binary), "--service", "integration", "--json",
                                     database_url=siks_database_url, schema=schema_name)).output)
    assert details["value"] is None and details["value_is_text"] is False and details["value_bytes"] == 18
    assert details["key"] == MASKED

    missing = await siks("dlq", "show", str(binary + 1000), "--service", "integration", database_url=siks_database_url,
                         schema=schema_name)
    assert missing.exit_code == 1 and f"no dead letter {binary + 1000}" in missing.output


async def test_replay_sends_the_original_record_to_its_topic_once_unless_forced(store_pool, siks_bootstrap_servers,
                                                                              topic_prefix):
    topic = topic_prefix + "dukcapil.civil-events"
    await kafka.ensure_topics(siks_bootstrap_servers, [topic], partitions=1)
    letter = await dead_letter(store_pool, topic)

    replayed = await replay(store_pool, siks_bootstrap_servers, letter, topic_prefix=topic_prefix)

    assert replayed.replayed_at is not None
    assert (await get_dead_letter(store_pool, letter)).replayed_at == replayed.replayed_at
    [record] = await read_back(siks_bootstrap_servers, topic, 1)
    assert (record.key, record.value) == (NIK.encode(), DEATH)
    assert list(record.headers) == [("ce_id", b"dk-evt-7"), ("ce_type", b"go.id.dukcapil.death-recorded.v1"),
                                    ("ce_subject", NIK.encode()), ("traceparent", None),
                                    (REPLAY_HEADER, str(letter).encode())]

    with pytest.raises(DeadLetterAlreadyReplayed):
        await replay(store_pool, siks_bootstrap_servers, letter, topic_prefix=topic_prefix)
    await replay(store_pool, siks_bootstrap_servers, letter, topic_prefix=topic_prefix, force=True)
    assert len(await read_back(siks_bootstrap_servers, topic, 2)) == 2


async def test_replay_refuses_a_topic_outside_the_environment(store_pool, siks_bootstrap_servers, topic_prefix):
    letter = await dead_letter(store_pool, "prod.dukcapil.civil-events")

    with pytest.raises(DeadLetterOutsideEnvironment):
        await replay(store_pool, siks_bootstrap_servers, letter, topic_prefix=topic_prefix)
    assert (await get_dead_letter(store_pool, letter)).replayed_at is None


async def test_siks_dlq_replay_replays_once_and_then_asks_for_force(store_pool, siks_database_url, schema_name,
                                                                   siks_bootstrap_servers, topic_prefix):
    topic = topic_prefix + "dukcapil.civil-events"
    await kafka.ensure_topics(siks_bootstrap_servers, [topic], partitions=1)
    letter = await dead_letter(store_pool, topic)
    env = {"KAFKA_BOOTSTRAP_SERVERS": siks_bootstrap_servers, "SIKS_TOPIC_PREFIX": topic_prefix}

    first = await siks("dlq", "replay", str(letter), "--service", "integration", database_url=siks_database_url,
                       schema=schema_name, **env)
    assert first.exit_code == 0, first.output
    assert f"replayed dead letter {letter} to {topic}" in first.output
    again = await siks("dlq", "replay", str(letter), "--service", "integration", database_url=siks_database_url,
                       schema=schema_name, **env)
    assert again.exit_code == 1 and "was replayed at" in again.output
    forced = await siks("dlq", "replay", str(letter), "--service", "integration", "--force",
                        database_url=siks_database_url, schema=schema_name, **env)
    assert forced.exit_code == 0, forced.output
    assert [r.headers[-1] for r in await read_back(siks_bootstrap_servers, topic, 2)] == [
        (REPLAY_HEADER, str(letter).encode())] * 2


async def test_siks_dlq_refuses_a_schema_without_dead_letters(siks_database_url):
    answer = await siks("dlq", "list", "--service", "registry", database_url=siks_database_url,
                        schema="no_such_schema_here")
    assert answer.exit_code == 2 and "no dead_letters table" in answer.output
