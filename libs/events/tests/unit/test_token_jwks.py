"""Production verifies tokens against the issuer's published keys (JWKS), fetched over HTTP and kept by key id."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from siks_events import http
from siks_events.auth import CurrentActor, Role, TokenVerifier

ISSUER, AUDIENCE = "https://sso.kemensos.example", "siks-ng"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {"2026-11": new_key(), "2026-12": new_key()}


@pytest.fixture(scope="module")
def jwks_url(keys):
    """The issuer's JWKS endpoint: both published keys, and a count of how often it was asked."""
    published = {"keys": [{**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid,
                           "use": "sig", "alg": "RS256"} for kid, key in keys.items()]}
    body = json.dumps(published).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            Jwks.fetches += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    Jwks.fetches = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", Jwks
    server.shutdown()


def token(key: rsa.RSAPrivateKey, kid: str, **changes) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "op-7", "role": Role.MINISTRY.value, "iat": now,
              "exp": now + 600, **changes}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
async def client(jwks_url):
    app = FastAPI()
    http.install(app, problem_base_uri="urn:siks-ng:problem:", max_body_bytes=10_000)
    app.state.token_verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_url[0])

    @app.get("/v1/whoami")
    async def whoami(actor: CurrentActor) -> dict:
        return {"subject": actor.subject, "role": actor.role.value}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def test_a_token_signed_by_any_published_key_is_accepted(client, keys):
    for kid, key in keys.items():
        answer = await client.get("/v1/whoami", headers={"Authorization": f"Bearer {token(key, kid)}"})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"subject": "op-7", "role": "ministry"}


async def test_a_token_naming_a_published_key_but_signed_by_another_is_refused(client):
    forged = token(new_key(), "2026-11")
    answer = await client.get("/v1/whoami", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401
    assert "signature" in answer.json()["detail"]


async def test_a_token_naming_an_unpublished_key_is_refused(client, keys):
    stray = token(keys["2026-11"], "2025-01")
    answer = await client.get("/v1/whoami", headers={"Authorization": f"Bearer {stray}"})
    assert answer.status_code == 401


async def test_a_token_of_the_right_key_for_another_audience_is_refused(client, keys):
    elsewhere = token(keys["2026-11"], "2026-11", aud="another-system")
    answer = await client.get("/v1/whoami", headers={"Authorization": f"Bearer {elsewhere}"})
    assert answer.status_code == 401
    assert "audience" in answer.json()["detail"]


async def test_the_keys_are_fetched_once_not_per_request(jwks_url, keys):
    url, endpoint = jwks_url
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=url)
    before = endpoint.fetches
    for n in range(5):  # five different tokens: none is remembered, each needs the key
        assert verifier.verify(token(keys["2026-12"], "2026-12", sub=f"op-{n}")).subject == f"op-{n}"
    assert endpoint.fetches - before == 1
