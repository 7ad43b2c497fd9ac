"""Every service stands on the shared runtime: migrated schema, health, readiness, identity."""

from __future__ import annotations

import importlib
import subprocess
import sys

import jwt
import pytest
from siks_events.auth import LocalIssuer, Role
from siks_events.pytest_plugin import serving
from siks_events.settings import SERVICES


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_migrates_its_schema_and_is_alive_and_ready(service, service_settings, siks_stack):
    settings = service_settings(service)
    app = importlib.import_module(f"siks_{service}.main").create_app(settings)
    async with serving(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
        openapi = (await client.get("/openapi.json")).json()
        assert "/readyz" in openapi["paths"]
        pool = app.state.runtime.pool
        tables = {r["tablename"] for r in await pool.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1", settings.schema_name)}
        assert {"events", "inbox", "relay_state", "consumer_positions", "alembic_version"} <= tables


async def test_readiness_reports_an_unreachable_broker(service_settings):
    app = importlib.import_module("siks_lks.main").create_app(
        service_settings("lks", kafka_bootstrap_servers="127.0.0.1:1", relay_enabled=False, consumers_enabled=False)
    )
    async with serving(app) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["broker"].startswith("unreachable")


@pytest.fixture
async def registry(service_settings):
    app = importlib.import_module("siks_registry.main").create_app(
        service_settings("registry", relay_enabled=False, consumers_enabled=False)
    )
    async with serving(app) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_request_without_a_token_gets_401_problem(registry):
    response = await registry.get("/v1/whoami")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"].endswith("unauthenticated")


async def test_an_expired_token_gets_401(registry, local_issuer):
    token = local_issuer.issue(role=Role.VILLAGE_OPERATOR, region="3571011001", ttl=-60)
    response = await registry.get("/v1/whoami", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_a_token_signed_by_another_key_gets_401(registry, tmp_path):
    stranger = LocalIssuer(tmp_path / "other-keys").ensure_keys()
    response = await registry.get("/v1/whoami", headers=bearer(stranger.issue(role=Role.MINISTRY)))
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]


async def test_a_token_with_a_forged_role_claim_gets_401(registry, local_issuer):
    token = local_issuer.issue(role=Role.VILLAGE_OPERATOR)
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["role"] = "ministry"
    forged_payload = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(claims).encode()).decode()
    response = await registry.get("/v1/whoami", headers=bearer(f"{header}.{forged_payload}.{signature}"))
    assert response.status_code == 401


async def test_siks_token_output_is_accepted(registry, local_issuer):
    env = {"SIKS_HOME": str(local_issuer.directory.parent), "PATH": ""}
    printed = subprocess.run(
        [sys.executable, "-m", "siks_events.cli", "token", "--role", "district_office", "--region", "3571"],
        capture_output=True, text=True, check=True, env=env,
    ).stdout.strip()
    response = await registry.get("/v1/whoami", headers=bearer(printed))
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "district_office" and response.json()["region"] == "3571"


async def test_an_oversized_body_gets_413_problem(registry, local_issuer):
    response = await registry.post("/v1/whoami", content=b"x" * 2_000_000,
                                   headers=bearer(local_issuer.issue(role=Role.SYSTEM)))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
