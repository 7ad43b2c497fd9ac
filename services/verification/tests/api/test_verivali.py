"""Acceptance 4 and 5 over HTTP, on the real PostgreSQL and broker: prelist from proposals, photos, batches, review."""

from __future__ import annotations

import io
import random

from pypdf import PdfReader
from siks_events.catalog.proposals import ProposalCancelled

from ..builders import OTHER_VILLAGE, PHOTO_BYTES, VILLAGE, normal_visit, submitted
from .support import ENUMERATOR, as_json, eventually, on_prelist, prelist, publish, visit_count


async def test_a_batch_sent_twice_and_a_batch_cut_in_half_then_resent_create_each_visit_once(verification_app, token):
    async with verification_app(consumers=False) as client:
        proposals = [submitted(f"p-{i}", seed=i) for i in range(6)]
        entries = await on_prelist(client, token, proposals)
        assert {e["status"] for e in entries} == {"open"} and entries[0]["names"] and entries[0]["lat"] is not None
        for entry in entries:
            answer = await client.put(f"/v1/prelist-entries/{entry['entry_id']}/assignment",
                                      json={"enumerator": "enum-ani"}, headers=token())
            assert answer.status_code == 204, answer.text
        batch = [normal_visit(p, random.Random(i)) for i, p in enumerate(proposals)]
        for visit in batch:
            for photo in visit.photos:
                stored = await client.put("/v1/photos", content=PHOTO_BYTES[photo.sha256],
                                          headers={**token(**ENUMERATOR), "Content-Type": "image/jpeg"})
                assert stored.status_code == 201 and stored.json()["sha256"] == photo.sha256
        first, second = batch[:3], batch[3:]

        sent = await client.post("/v1/visits/batches", json={"visits": [as_json(v) for v in first]},
                                 headers=token(**ENUMERATOR))
        again = await client.post("/v1/visits/batches", json={"visits": [as_json(v) for v in first]},
                                  headers=token(**ENUMERATOR))
        assert [r["status"] for r in sent.json()["results"]] == ["created"] * 3
        assert [r["status"] for r in again.json()["results"]] == ["existing"] * 3
        assert await visit_count(client) == len(first)

        cut = await client.post("/v1/visits/batches", json={"visits": [as_json(v) for v in second[:1]]},
                                headers=token(**ENUMERATOR))
        whole = await client.post("/v1/visits/batches", json={"visits": [as_json(v) for v in batch]},
                                  headers=token(**ENUMERATOR))
        assert cut.json()["results"][0]["status"] == "created"
        assert [r["status"] for r in whole.json()["results"]] == ["existing"] * 4 + ["created"] * 2
        assert await visit_count(client) == len(batch)
        assert {e["status"] for e in await prelist(client, token)} == {"visited"}


async def test_a_supervisor_accepts_one_visit_rejects_another_and_the_prelist_follows(verification_app, token):
    async with verification_app(consumers=True) as client:
        proposals = [submitted(f"p-{i}", seed=i) for i in range(2)]
        await on_prelist(client, token, proposals, via_kafka=True)
        batch = []
        for i, proposal in enumerate(proposals):
            await client.put(f"/v1/prelist-entries/prelist-{proposal.proposal_id}/assignment",
                             json={"enumerator": "enum-ani"}, headers=token())
            visit = normal_visit(proposal, random.Random(i))
            await client.put("/v1/photos", content=PHOTO_BYTES[visit.photos[0].sha256],
                             headers={**token(**ENUMERATOR), "Content-Type": "image/jpeg"})
            batch.append(as_json(visit))
        results = (await client.post("/v1/visits/batches", json={"visits": batch}, headers=token(**ENUMERATOR))).json()
        accepted, rejected = (r["visit_id"] for r in results["results"])

        queue = (await client.get("/v1/visits", params={"region_code": VILLAGE, "status": "pending"},
                                  headers=token())).json()
        assert sorted(v["visit_id"] for v in queue) == sorted([accepted, rejected])
        shown = (await client.get(f"/v1/visits/{accepted}", headers=token())).json()
        assert shown["proposal_niks"] == list(proposals[0].niks) and shown["flags"] == []
        sha256 = shown["photos"][0]["sha256"]
        photo = await client.get(f"/v1/photos/{sha256}", headers=token())
        assert photo.status_code == 200 and photo.content == PHOTO_BYTES[sha256]
        elsewhere = await client.get(f"/v1/photos/{sha256}", headers=token(region="350601", subject="spv-other"))
        unknown = await client.get(f"/v1/photos/{'0' * 64}", headers=token())
        assert (elsewhere.status_code, unknown.status_code) == (403, 403)
        unconfirmed = await client.post(f"/v1/visits/{accepted}/review", json={"decision": "accept"}, headers=token())
        assert unconfirmed.status_code == 422 and unconfirmed.json()["errors"][0]["pointer"] == "#/identity_confirmed"
        ok = await client.post(f"/v1/visits/{accepted}/review", json={"decision": "accept", "identity_confirmed": True},
                               headers=token())
        no = await client.post(f"/v1/visits/{rejected}/review", json={"decision": "reject", "reason": "roof photo blurred"},
                               headers=token())
        twice = await client.post(f"/v1/visits/{accepted}/review", json={"decision": "reject", "reason": "x"},
                                  headers=token())
        assert (ok.status_code, no.status_code, twice.status_code) == (204, 204, 409)
        assert (await client.get("/v1/visits", params={"region_code": VILLAGE, "status": "pending"},
                                 headers=token())).json() == []
        statuses = {e["proposal_id"]: e["status"] for e in await prelist(client, token)}
        assert statuses == {"p-0": "accepted", "p-1": "assigned"}
        verified = await client.app.state.runtime.pool.fetchval(
            "SELECT data FROM events WHERE type = 'siks.verification.visit-accepted.v1'")
        assert verified["findings"]["nik_entered"] == proposals[0].niks[0]

        await publish(client, ProposalCancelled(proposal_id="p-1", reason_code="deceased", reason="head died"))
        await eventually(lambda: prelist(client, token, status="dropped"), until=lambda e: len(e) == 1)
        csv = await client.get(f"/v1/prelists/{VILLAGE}/prelist.csv", headers=token())
        pdf = await client.get(f"/v1/prelists/{VILLAGE}/prelist.pdf", headers=token())
        assert csv.text.splitlines()[0].startswith("entry_id,proposal_id,status") and len(csv.text.splitlines()) == 3
        assert pdf.headers["content-type"] == "application/pdf"
        printed = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert proposals[0].names[0] in printed and proposals[1].kk_number in printed


async def test_photos_over_the_limit_or_of_another_type_get_413_and_415_and_a_repeat_is_stored_once(
        verification_app, token):
    async with verification_app(consumers=False) as client:
        headers = token(**ENUMERATOR)
        big = await client.put("/v1/photos", content=b"x" * 2_001, headers={**headers, "Content-Type": "image/jpeg"})
        pdf = await client.put("/v1/photos", content=b"%PDF-1.4", headers={**headers, "Content-Type": "application/pdf"})
        assert (big.status_code, pdf.status_code) == (413, 415)
        assert big.headers["content-type"] == pdf.headers["content-type"] == "application/problem+json"
        first = await client.put("/v1/photos", content=b"roof", headers={**headers, "Content-Type": "image/png"})
        second = await client.put("/v1/photos", content=b"roof", headers={**headers, "Content-Type": "image/png"})
        assert (first.status_code, second.status_code) == (201, 200) and first.json()["sha256"] == second.json()["sha256"]
        blobs = client.app.state.settings.blob_dir
        assert len([p for p in blobs.rglob("*") if p.is_file() and p.suffix != ".json"]) == 1


async def test_wrong_role_other_region_and_missing_entry_get_the_same_403(verification_app, token):
    async with verification_app(consumers=False) as client:
        await on_prelist(client, token, [submitted("p-0", seed=0)])
        outsider = token(region="350601", subject="spv-other")
        other_region = await client.put("/v1/prelist-entries/prelist-p-0/assignment", json={"enumerator": "e"},
                                        headers=outsider)
        missing = await client.put("/v1/prelist-entries/prelist-nowhere/assignment", json={"enumerator": "e"},
                                   headers=token())
        wrong_role = await client.put("/v1/prelist-entries/prelist-p-0/assignment", json={"enumerator": "e"},
                                      headers=token(**ENUMERATOR))
        assert (other_region.status_code, missing.status_code, wrong_role.status_code) == (403, 403, 403)
        shape = [{k: v for k, v in a.json().items() if k not in ("instance", "detail", "request_id")}
                 for a in (other_region, missing)]
        assert shape[0] == shape[1] and shape[0]["type"].endswith("not-accessible")
        assert other_region.json()["detail"].replace("prelist-p-0", "X") == missing.json()["detail"].replace(
            "prelist-nowhere", "X")
        assert wrong_role.json()["type"].endswith("operation-not-allowed")
        read_elsewhere = await client.get(f"/v1/prelists/{OTHER_VILLAGE}", headers=token())
        assert read_elsewhere.status_code == 403
        own = await client.get("/v1/prelist-entries/prelist-p-0", headers=token())
        foreign = await client.get("/v1/prelist-entries/prelist-p-0", headers=outsider)
        absent = await client.get("/v1/prelist-entries/prelist-nowhere", headers=token())
        assert own.status_code == 200 and own.json()["names"] == list(submitted("p-0", seed=0).names)
        assert (foreign.status_code, absent.status_code) == (403, 403)
        assert foreign.json()["type"] == absent.json()["type"] and foreign.json()["title"] == absent.json()["title"]
