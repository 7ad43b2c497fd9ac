"""Bearer tokens: anything but a valid, current token of our issuer and audience is a 401 problem."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from fastapi import FastAPI
from siks_events import http
from siks_events.auth import CurrentActor, LocalIssuer, Role, TokenVerifier
from siks_events.settings import Settings

SKEW = 30


@pytest.fixture
def issuer(tmp_path) -> LocalIssuer:
    return LocalIssuer(tmp_path / "keys").ensure_keys()


@pytest.fixture
def other_issuer(tmp_path) -> LocalIssuer:
    """Same issuer name and audience as ours, but a key pair we never trusted."""
    return LocalIssuer(tmp_path / "stranger").ensure_keys()


@pytest.fixture
async def client(issuer):
    app = FastAPI()
    http.install(app, problem_base_uri="urn:siks-ng:problem:", max_body_bytes=10_000)
    app.state.token_verifier = TokenVerifier(issuer="siks-local", audience="siks-ng",
                                             public_key=issuer.public_key_file.read_text(), clock_skew_seconds=SKEW)

    @app.get("/v1/whoami")
    async def whoami(actor: CurrentActor) -> dict:
        return {"subject": actor.subject}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


def signed(issuer: LocalIssuer, **changes) -> str:
    now = int(time.time())
    claims = {"iss": "siks-local", "aud": "siks-ng", "sub": "op-1", "role": Role.VILLAGE_OPERATOR.value,
              "region": "3571011001", "iat": now, "exp": now + 600}
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, issuer.private_key_file.read_text(), algorithm="RS256")


def hmac_signed(issuer: LocalIssuer) -> str:
    """The algorithm-confusion attack: HS256 keyed with the public key, which anyone may read."""
    import base64
    import hashlib
    import hmac
    import json

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps({"iss": "siks-local", "aud": "siks-ng", "sub": "x", "role": "ministry", "exp": now + 600}).encode())
    signature = hmac.new(issuer.public_key_file.read_bytes(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(signature)}"


async def status_of(client, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return await client.get("/v1/whoami", headers=headers)


async def test_a_valid_token_names_the_actor(client, issuer):
    answer = await status_of(client, signed(issuer))
    assert answer.status_code == 200 and answer.json() == {"subject": "op-1"}


@pytest.mark.parametrize(("case", "reason"), [
    ("missing", "needs a bearer token"),
    ("expired", "expired"),
    ("not yet valid", "not valid yet"),
    ("wrongly signed", "signature"),
    ("wrong audience", "audience"),
    ("wrong issuer", "issuer"),
    ("no expiry", "exp"),
    ("unsigned", "not valid"),
    ("signed with our public key as an HMAC secret", "not valid"),
    ("a regional role without a region", "must name its region"),
])
async def test_every_kind_of_bad_token_is_a_401_problem_with_its_reason(client, issuer, other_issuer, case, reason):
    now = int(time.time())
    token = {
        "missing": None,
        "expired": signed(issuer, iat=now - 4000, exp=now - SKEW - 5),
        "not yet valid": signed(issuer, nbf=now + SKEW + 60),
        "wrongly signed": signed(other_issuer),
        "wrong audience": signed(issuer, aud="another-system"),
        "wrong issuer": signed(issuer, iss="https://idp.example.org"),
        "no expiry": signed(issuer, exp=None),
        "unsigned": jwt.encode({"iss": "siks-local", "aud": "siks-ng", "sub": "x", "role": "ministry",
                                "exp": now + 600}, None, algorithm="none"),
        "signed with our public key as an HMAC secret": hmac_signed(issuer),
        "a regional role without a region": signed(issuer, region=""),
    }[case]
    answer = await status_of(client, token)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"].startswith("Bearer")
    body = answer.json()
    assert body["type"] == "urn:siks-ng:problem:unauthenticated" and body["status"] == 401
    assert reason in body["detail"]


async def test_a_token_within_the_clock_skew_is_accepted_and_one_just_beyond_it_is_not(client, issuer):
    now = int(time.time())
    # A few seconds of margin each side of the edge: the request itself takes a moment.
    assert (await status_of(client, signed(issuer, exp=now - SKEW + 5))).status_code == 200
    assert (await status_of(client, signed(issuer, exp=now - SKEW - 5))).status_code == 401
    assert (await status_of(client, signed(issuer, nbf=now + SKEW - 5))).status_code == 200
    assert (await status_of(client, signed(issuer, nbf=now + SKEW + 5))).status_code == 401


def test_the_clock_skew_is_a_setting(issuer, monkeypatch):
    monkeypatch.setenv("SIKS_AUTH_CLOCK_SKEW_SECONDS", "7")
    settings = Settings(service="registry", database_url="postgresql://x@127.0.0.1:1/x", kafka_bootstrap_servers="x:1",
                        auth_public_key_file=issuer.public_key_file)
    assert TokenVerifier.from_settings(settings).clock_skew_seconds == 7
    monkeypatch.delenv("SIKS_AUTH_CLOCK_SKEW_SECONDS")
    assert Settings(service="registry", database_url="postgresql://x@127.0.0.1:1/x", kafka_bootstrap_servers="x:1",
                    auth_public_key_file=issuer.public_key_file).auth_clock_skew_seconds == 30


async def test_a_remembered_token_is_refused_once_it_expires(issuer):
    verifier = TokenVerifier(issuer="siks-local", audience="siks-ng",
                             public_key=issuer.public_key_file.read_text(), clock_skew_seconds=0)
    expires = int(time.time()) + 3  # time to verify it once even on a loaded machine
    token = signed(issuer, exp=expires)
    assert verifier.verify(token).subject == "op-1"
    while time.time() <= expires + 0.2:
        time.sleep(0.1)
    with pytest.raises(Exception, match="expired"):
        verifier.verify(token)


async def test_a_token_already_verified_is_not_verified_again(issuer, monkeypatch):
    verifier = TokenVerifier(issuer="siks-local", audience="siks-ng",
                             public_key=issuer.public_key_file.read_text(), clock_skew_seconds=SKEW)
    token = signed(issuer)
    signature_checks = []
    decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: signature_checks.append(1) or decode(*a, **k))
    actors = {verifier.verify(token) for _ in range(5)}
    assert len(actors) == 1 and signature_checks == [1]
    assert verifier.verify(signed(issuer, sub="op-2")).subject == "op-2"
    assert signature_checks == [1, 1]


async def test_a_region_claim_in_other_scripts_digits_is_refused(client, issuer):
    answer = await status_of(client, signed(issuer, region="٣٥٧١٠١١٠٠١"))
    assert answer.status_code == 401
    assert "not a region code" in answer.json()["detail"]
