"""The read models thrown away and rebuilt from the event store equal what the live writes had made."""

from __future__ import annotations

import random

from siks_verification.adapters.postgres.rebuild import rebuild

from ..api.support import ENUMERATOR, as_json, on_prelist, ready_to_visit, upload_photos
from ..builders import normal_visit, submitted

TABLES = {
    "prelist_entries": "SELECT * FROM prelist_entries ORDER BY entry_id",
    "visits": "SELECT * FROM visits ORDER BY visit_id",
    "visit_photos": "SELECT * FROM visit_photos ORDER BY sha256, visit_id",
}
WRITTEN_AT = {"updated_at", "recorded_at", "revision"}


async def snapshot(pool) -> dict[str, list[dict]]:
    return {table: [{k: v for k, v in dict(r).items() if k not in WRITTEN_AT} for r in await pool.fetch(query)]
            for table, query in TABLES.items()}


async def test_a_rebuild_after_the_read_models_were_emptied_gives_back_the_same_rows(verification_app, token):
    async with verification_app(consumers=False) as client:
        proposals = [submitted(f"p-{i}", seed=i) for i in range(5)]
        await ready_to_visit(client, token, proposals[:4], lambda i: "enum-ani")
        await on_prelist(client, token, proposals[4:])
        visits = [normal_visit(p, random.Random(i)) for i, p in enumerate(proposals[:3])]
        await upload_photos(client, token, visits)
        results = (await client.post("/v1/visits/batches", json={"visits": [as_json(v) for v in visits]},
                                     headers=token(**ENUMERATOR))).json()["results"]
        accepted, rejected = results[0]["visit_id"], results[1]["visit_id"]
        await client.post(f"/v1/visits/{accepted}/review", json={"decision": "accept", "identity_confirmed": True},
                          headers=token())
        await client.post(f"/v1/visits/{rejected}/review", json={"decision": "reject", "reason": "blurred"},
                          headers=token())
        pool = client.app.state.runtime.pool
        before = await snapshot(pool)
        assert {e["status"] for e in before["prelist_entries"]} == {"open", "assigned", "visited", "accepted"}

        await pool.execute("TRUNCATE visit_photos, visits, prelist_entries")
        seen = []
        replayed = await rebuild(pool, lambda done, total: seen.append((done, total)), chunk=2)

        assert replayed == 5 and seen == [(2, 5), (4, 5), (5, 5)]
        assert await snapshot(pool) == before
        again = (await client.post("/v1/visits/batches", json={"visits": [as_json(visits[2])]},
                                   headers=token(**ENUMERATOR))).json()["results"]
        assert again[0]["status"] == "existing"
