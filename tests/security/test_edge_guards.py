"""Every service holds request bodies to `SIKS_MAX_BODY_BYTES` while they stream and answers with the
security headers; the apps are built as in production, without starting their database or broker."""

from __future__ import annotations

import importlib

import httpx
import pytest
from siks_events.auth import Role
from siks_events.settings import SERVICES, Settings

LIMIT = 1_000


def app_of(service: str, local_issuer, **overrides):
    settings = Settings(service=service, database_url="postgresql://unused/none", kafka_bootstrap_servers="unused:9092",
                        auth_public_key_file=local_issuer.public_key_file, max_body_bytes=LIMIT, **overrides)
    return importlib.import_module(f"siks_{service}.main").create_app(settings)


def a_json_post_route(app) -> str:
    document = app.openapi()
    return next(path for path, item in document["paths"].items()
                if "{" not in path and "application/json" in item.get("post", {}).get("requestBody", {}).get("content", {}))


async def chunked_100_kb():
    for _ in range(25):
        yield b" " * 4_096


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_refuses_a_chunked_body_over_its_limit_with_a_413_problem(service, local_issuer):
    app = app_of(service, local_issuer)
    token = local_issuer.issue(role=Role.MINISTRY, region="", subject="someone")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        response = await client.post(a_json_post_route(app), content=chunked_100_kb(),
                                     headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("payload-too-large")
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_answers_with_security_headers_and_keeps_cors_closed_by_default(service, local_issuer):
    app = app_of(service, local_issuer)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        health = await client.get("/healthz", headers={"Origin": "https://evil.example"})
        missing = await client.get("/v1/nowhere")
    for response in (health, missing):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
        assert "access-control-allow-origin" not in response.headers


async def test_cors_origins_setting_opens_cors_to_the_listed_origins_only(local_issuer):
    app = app_of("registry", local_issuer, cors_origins="https://a.example, https://b.example")
    request = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        listed = await client.options("/v1/whoami", headers={"Origin": "https://b.example", **request})
        unlisted = await client.options("/v1/whoami", headers={"Origin": "https://c.example", **request})
    assert listed.headers["access-control-allow-origin"] == "https://b.example"
    assert "access-control-allow-origin" not in unlisted.headers
