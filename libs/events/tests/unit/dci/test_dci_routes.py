"""A DCI route answers token, role, body and signature failures in the standard's error shapes."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from siks_events import http
from siks_events.auth import LocalIssuer, Role, TokenVerifier
from siks_events.dci import (
    Acknowledgement,
    AckStatus,
    DciRoute,
    Envelope,
    Jwks,
    MessageHeader,
    SearchRequest,
    SigningKey,
    signed_request,
    verify,
)
from siks_events.permissions import Operation, allowed_to

PARTNER = SigningKey.generate("spmis.example.org")


@pytest.fixture
def issuer(tmp_path):
    return LocalIssuer(tmp_path).ensure_keys()


@pytest.fixture
async def client(issuer):
    app = FastAPI()
    http.install(app, problem_base_uri="urn:siks-ng:problem:", max_body_bytes=100_000)
    app.state.token_verifier = TokenVerifier(issuer=issuer.issuer, audience=issuer.audience,
                                             public_key=issuer.public_key_file.read_text())
    router = APIRouter(route_class=DciRoute)

    @router.post("/registry/search")
    async def search(request: Request, body: Envelope[MessageHeader, SearchRequest],
                     actor: allowed_to(Operation.SUBSCRIPTION_READ)) -> Acknowledgement:
        raw = await request.json()
        verify(raw.get("signature"), raw["header"], raw.get("message"), Jwks.from_json(PARTNER.jwks()))
        return Acknowledgement.of(AckStatus.ACK, "c-1")

    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


def body() -> dict:
    return signed_request(PARTNER, action="search", message={"transaction_id": "t-1", "search_request": [{
        "reference_id": "r-1", "timestamp": "2024-01-01T00:00:00Z",
        "search_criteria": {"query_type": "idtype-value", "query": {"type": "NIK", "value": "3571011705800001"}}}]})


def token(issuer, role=Role.DCI_PARTNER) -> dict:
    return {"Authorization": f"Bearer {issuer.issue(role=role, subject='spmis.example.org')}"}


async def test_a_signed_request_with_a_partner_token_is_acknowledged(client, issuer):
    response = await client.post("/registry/search", json=body(), headers=token(issuer))
    assert response.status_code == 200 and response.json()["message"]["ack_status"] == "ACK"


async def test_no_token_is_the_standards_unauthorized_error(client):
    response = await client.post("/registry/search", json=body())
    assert response.status_code == 401
    (error,) = response.json()["errors"]
    assert error["code"] == "err.request.unauthorized" and "bearer token" in error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_role_without_the_operation_is_the_standards_forbidden_error(client, issuer):
    response = await client.post("/registry/search", json=body(), headers=token(issuer, Role.LKS))
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "err.request.forbidden"


async def test_a_tampered_message_is_an_err_acknowledgement(client, issuer):
    tampered = body()
    tampered["message"]["transaction_id"] = "t-2"
    response = await client.post("/registry/search", json=tampered, headers=token(issuer))
    assert response.status_code == 400
    message = response.json()["message"]
    assert message["ack_status"] == "ERR" and message["error"]["code"] == "err.signature.invalid"
    assert message["correlation_id"] and message["timestamp"]


async def test_a_body_outside_the_standard_is_a_bad_request_err(client, issuer):
    response = await client.post("/registry/search", json={"header": {"action": "search"}}, headers=token(issuer))
    assert response.status_code == 400
    message = response.json()["message"]
    assert message["ack_status"] == "ERR" and message["error"]["code"] == "err.request.bad"
    assert "header.message_id" in message["error"]["message"]
