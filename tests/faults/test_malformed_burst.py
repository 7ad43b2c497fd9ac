"""Fault 5: a burst of malformed messages mixed with valid ones on Dukcapil's inbound topic. Each valid one is
applied once; each malformed one is in the dead-letter topic and the integration service's `dead_letters`
table with its reason; the counts are exact."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from siks_events.catalog.dukcapil import TOPIC as DUKCAPIL_TOPIC
from siks_events.envelope import Envelope
from siks_events.kafka import dlq_topic

from .fault_support import (
    TopicReporter,
    applied_confirmations,
    cloud_event,
    dead_letters,
    death_event,
    deaths,
    eventually,
    import_people,
    person_statuses,
    read_dead_letter_topic,
    report,
    report_statuses,
    scaled,
    siks_run,
)

OFFSET = 6240
VALID = scaled(120)
EACH_KIND = scaled(15)
INBOUND_CONSUMER = "integration.dukcapil-inbound"
# A NIK of 16 digits (so the schema accepts it) whose region part 99.99.01 is no sub-district.
BAD_REGION_NIK = "9999011705800001"


def raw(event_id: str, type_: str, data: dict, key: str) -> tuple[bytes, bytes, list]:
    envelope = Envelope(id=event_id, source="/dukcapil/jawa-timur", type=type_, subject=key, time=datetime.now(UTC),
                        data=data, key=key)
    return envelope.to_kafka()


def malformed(i: int) -> dict[str, tuple[bytes | None, bytes, list]]:
    """One message of each kind that can never be applied, with the reason code it must be dead-lettered with."""
    return {
        "malformed": (b"garbage", bytes([0xFF, 0xFE, i % 256]) + b" not a cloud event", []),
        "invalid-data": raw(f"bad-schema-{i}", "go.id.dukcapil.death-recorded.v1",
                            {"nik": f"35710117058{i:05d}", "name": "Tanpa Akta"}, f"bad-schema-{i}"),
        "invalid-nik": raw(f"bad-nik-{i}", "go.id.dukcapil.death-recorded.v1",
                           {"nik": BAD_REGION_NIK, "name": "Wilayah Asing", "died_on": "2026-10-02",
                            "certificate_number": f"KM-BADNIK-{i}"}, BAD_REGION_NIK),
        "unknown-type": raw(f"unknown-{i}", "go.id.dukcapil.marriage-recorded.v1",
                            {"nik": "3571011705800001", "married_on": "2026-10-02"}, f"unknown-{i}"),
    }


@pytest.mark.slow
async def test_a_burst_of_malformed_messages_is_dead_lettered_exactly_and_the_valid_ones_apply_once(tmp_path):
    async with siks_run(tmp_path / "siks", OFFSET) as stack:
        people = await import_people(stack, tmp_path / "data", VALID, seed=5)
        valid = {f"KM-V-{i:05d}": death_event(p, f"KM-V-{i:05d}") for i, p in enumerate(people)}
        stream = [cloud_event(e, f"dk-{cert}") for cert, e in valid.items()]
        bad = [(kind, record) for i in range(EACH_KIND) for kind, record in malformed(i).items()]
        stream += [record for _, record in bad]
        random.Random(5).shuffle(stream)
        expected_reasons = Counter(kind for kind, _ in bad)

        started = time.monotonic()
        dukcapil = TopicReporter(stack)
        await dukcapil.publish(stream)

        async def settled():
            letters = sum((await dead_letters(stack)).values())
            return await deaths(stack) == (VALID, VALID) and letters >= len(bad)

        await eventually(settled, 180, f"{VALID} deaths applied and {len(bad)} dead letters")
        await eventually(lambda: _all_applied(stack, list(valid)), 60, "every valid report to end applied")
        took = time.monotonic() - started
        letters = await read_dead_letter_topic(stack.run.bootstrap_servers, dlq_topic(DUKCAPIL_TOPIC), len(bad), 60)

        assert await deaths(stack) == (VALID, VALID)
        assert await person_statuses(stack, [p.nik for p in people]) == {"deceased": VALID}
        assert await report_statuses(stack, list(valid)) == {"applied": VALID}
        assert await applied_confirmations(stack) == (VALID, VALID)
        assert await dead_letters(stack) == {f"integration:{INBOUND_CONSUMER}": len(bad)}, "only the malformed ones"
        rows = await stack.integration.fetch("SELECT reason_code, reason, record_value, sent_at FROM dead_letters")
        assert Counter(r["reason_code"] for r in rows) == expected_reasons
        assert all(r["reason"] for r in rows), "every dead letter says why"
        assert all(r["sent_at"] is not None for r in rows)
        nik_letters = [r for r in rows if r["reason_code"] == "invalid-nik"]
        assert all("region" in r["reason"] for r in nik_letters), nik_letters[0]["reason"]
        assert {json.loads(r["record_value"])["nik"] for r in nik_letters} == {BAD_REGION_NIK}

        on_topic = Counter(dict(r.headers)["dlq_reason_code"].decode() for r in letters)
        assert on_topic == expected_reasons
        assert all(dict(r.headers)["dlq_reason"] for r in letters)
        assert sorted(r.value for r in letters) == sorted(r["record_value"] for r in rows), "the original bytes"
        report(f"fault 5 (malformed burst): {VALID} valid applied once, {len(bad)} malformed dead-lettered"
               f" {dict(on_topic)}; all settled {took:.1f} s after the burst began")


async def _all_applied(stack, certificates: list[str]) -> bool:
    return await report_statuses(stack, certificates) == {"applied": len(certificates)}
