"""On the real PostgreSQL: a batch sent twice at once records each visit once; acceptance 4 over HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
import random

from siks_events.catalog.verification import Position

from ..builders import CENTRE, ENUMERATORS, normal_visit, submitted
from .support import as_json, enumerator, ready_to_visit, upload_photos, visit_count


async def test_the_same_batch_sent_twice_at_once_records_each_visit_once(verification_app, token):
    async with verification_app(consumers=False) as client:
        proposals = [submitted(f"p-{i}", seed=i) for i in range(5)]
        await ready_to_visit(client, token, proposals, lambda i: "enum-ani")
        batch = [normal_visit(p, random.Random(i)) for i, p in enumerate(proposals)]
        await upload_photos(client, token, batch)
        body = {"visits": [as_json(v) for v in batch]}
        answers = await asyncio.gather(*(client.post("/v1/visits/batches", json=body,
                                                     headers=enumerator(token, "enum-ani")) for _ in range(2)))
        results = [a.json()["results"] for a in answers]
        assert all(a.status_code == 200 for a in answers)
        assert [r["visit_id"] for r in results[0]] == [r["visit_id"] for r in results[1]]
        assert sorted(r["status"] for both in results for r in both) == ["created"] * 5 + ["existing"] * 5
        assert await visit_count(client) == len(batch)


async def test_thirty_normal_visits_earn_no_flag_and_each_planted_visit_earns_its_own_over_http(
        verification_app, token):
    """Acceptance 4 against the running service: the flags' lookups of village visits and photos are SQL here."""
    async with verification_app(consumers=False) as client:
        proposals = [submitted(f"p-{i}", seed=i) for i in range(34)]
        await ready_to_visit(client, token, proposals, lambda i: ENUMERATORS[i % 3])
        rng = random.Random(3)
        visits = [normal_visit(p, rng) for p in proposals]
        await upload_photos(client, token, visits)
        normal, (far, short, reused, wrong_nik) = visits[:30], visits[30:]
        planted = [
            dataclasses.replace(far, position=Position(lat=CENTRE[0] + 0.1, lon=CENTRE[1], accuracy_m=8)),
            dataclasses.replace(short, ended_at=short.started_at + (short.ended_at - short.started_at) / 10),
            dataclasses.replace(reused, photos=normal[0].photos),
            dataclasses.replace(wrong_nik, findings=wrong_nik.findings.model_copy(
                update={"nik_entered": "3571014101900002"})),
        ]
        flags = []
        for i, visit in enumerate(normal + planted):
            answer = await client.post("/v1/visits/batches", json={"visits": [as_json(visit)]},
                                       headers=enumerator(token, ENUMERATORS[i % 3]))
            [result] = answer.json()["results"]
            assert result["status"] == "created", result
            flags.append(result["flags"])
        assert flags[:30] == [[]] * 30
        assert flags[30:] == [["far_from_household", "far_from_village"], ["duration_outlier"], ["photo_reused"],
                              ["nik_mismatch"]]
