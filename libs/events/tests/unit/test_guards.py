"""Every answer carries security headers; bodies are held to their limit while they stream; CORS is
closed unless origins are listed."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Response
from pydantic import BaseModel
from siks_events import http
from siks_events.model import RuleViolated

LIMIT = 1_000
ALLOWED = "https://portal.kemensos.go.id"


class Note(BaseModel):
    text: str


def app_with(**settings) -> FastAPI:
    app = FastAPI()
    http.install(app, problem_base_uri="urn:siks-ng:problem:", max_body_bytes=LIMIT, **settings)

    @app.post("/notes")
    async def add(note: Note) -> dict:
        return {"length": len(note.text)}

    @app.get("/ok")
    async def ok() -> dict:
        return {"status": "ok"}

    @app.get("/cached")
    async def cached(response: Response) -> dict:
        response.headers["Cache-Control"] = "public, max-age=60"
        return {}

    @app.get("/rule")
    async def rule() -> None:
        raise RuleViolated("a household needs a head")

    return app


@pytest.fixture
async def client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app_with()), base_url="http://t") as c:
        yield c


def chunks(total: int, size: int = 4_096):
    """A body sent chunked (a generator: no Content-Length)."""
    async def generate():
        for _ in range(total // size):
            yield b"a" * size
    return generate()


async def test_a_chunked_body_over_the_limit_is_refused_with_a_413_problem(client):
    response = await client.post("/notes", content=chunks(100_000), headers={"content-type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:siks-ng:problem:payload-too-large"
    assert str(LIMIT) in response.json()["detail"]


async def test_a_chunked_body_under_the_limit_is_read_whole(client):
    async def small():
        yield b'{"text": '
        yield b'"' + b"a" * 500 + b'"}'

    response = await client.post("/notes", content=small(), headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json() == {"length": 500}


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(client):
    response = await client.post("/notes", content=b"a" * 5_000, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["type"] == "urn:siks-ng:problem:payload-too-large"


@pytest.mark.parametrize("path", ["/ok", "/rule", "/nowhere"])
async def test_a_success_a_problem_and_a_404_all_carry_the_security_headers(client, path):
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_a_route_that_sets_its_own_cache_control_keeps_it(client):
    response = await client.get("/cached")
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_interactive_documentation_may_load_its_scripts(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def preflight(origin: str) -> dict:
    return {"Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"}


async def test_without_listed_origins_a_preflight_gets_no_cors_allowance(client):
    response = await client.options("/notes", headers=preflight(ALLOWED))
    assert "access-control-allow-origin" not in response.headers
    ordinary = await client.get("/ok", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in ordinary.headers


async def test_a_listed_origin_is_allowed_and_an_unlisted_one_is_not():
    app = app_with(cors_origins=[ALLOWED])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        listed = await c.options("/notes", headers=preflight(ALLOWED))
        unlisted = await c.options("/notes", headers=preflight("https://evil.example"))
        simple = await c.get("/ok", headers={"Origin": ALLOWED})
    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == ALLOWED
    assert "authorization" in listed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in unlisted.headers
    assert simple.headers["access-control-allow-origin"] == ALLOWED
    assert listed.headers["x-content-type-options"] == "nosniff"
