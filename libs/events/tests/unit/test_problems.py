"""Errors at the HTTP edge are RFC 9457 problems that name the field at fault."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from siks_events import http
from siks_events.model import Nik, NotFound, RuleViolated, StreamVersionConflict


class MemberNotFound(NotFound):
    """No active member with this NIK in the household."""

    code = "member-not-found"
    field = "nik"


class Registration(BaseModel):
    nik: Nik
    name: str


@pytest.fixture
async def client():
    app = FastAPI()
    http.install(app, problem_base_uri="urn:siks-ng:problem:", max_body_bytes=10_000)

    @app.post("/register")
    async def register(body: Registration) -> dict:
        return body.model_dump()

    @app.get("/member")
    async def member() -> None:
        raise MemberNotFound("no active member 3571014506880001 in household h-1")

    @app.get("/conflict")
    async def conflict() -> None:
        raise StreamVersionConflict("h-1", 3)

    @app.get("/rule")
    async def rule() -> None:
        raise RuleViolated("a household needs a head")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def test_a_malformed_nik_names_the_field(client):
    response = await client.post("/register", json={"nik": "12ab", "name": "Ani"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:siks-ng:problem:validation-error"
    assert body["errors"][0]["pointer"] == "#/nik" and "16 digits" in body["errors"][0]["detail"]
    assert body["instance"] == "/register" and body["request_id"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [("/member", 404, "member-not-found"), ("/conflict", 409, "stream-version-conflict"),
     ("/rule", 422, "rule-violated"), ("/nowhere", 404, "not-found")],
)
async def test_domain_errors_map_to_their_status(client, path, status, code):
    response = await client.get(path)
    assert response.status_code == status
    assert response.json()["type"] == f"urn:siks-ng:problem:{code}"


async def test_a_field_error_points_at_its_field(client):
    body = (await client.get("/member")).json()
    assert body["errors"] == [{"pointer": "#/nik", "detail": "no active member 3571014506880001 in household h-1"}]


async def test_a_body_that_is_not_json_is_a_problem_not_a_crash(client):
    response = await client.post("/register", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
