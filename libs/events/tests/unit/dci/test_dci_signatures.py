"""Ed25519 signatures of DCI messages: what verifies, and every way one is refused."""

from __future__ import annotations

import time

import pytest
from siks_events.dci import Jwks, SignatureInvalid, SignatureMissing, SigningKey, signed_request, verify
from siks_events.dci.signature import parse_signature

OURS = SigningKey.generate("dtks.kemensos.go.id")
HEADER = {"message_id": "m-1", "message_ts": "2024-01-01T00:00:00Z", "action": "search",
          "sender_id": "dtks.kemensos.go.id", "total_count": 1}
MESSAGE = {"transaction_id": "t-1", "search_request": [{"reference_id": "r-1", "note": "Budi Santoso, Kediri"}]}


def published() -> Jwks:
    return Jwks.from_json(OURS.jwks())


def test_a_signed_message_verifies_against_the_senders_published_keys():
    signature = OURS.sign(HEADER, MESSAGE)
    assert verify(signature, HEADER, MESSAGE, published()) == OURS.key_id
    parameters = parse_signature(signature)
    assert parameters["kidId"] == f"dtks.kemensos.go.id|{OURS.key_id}|ed25519"
    assert parameters["headers"] == "(created) (expires) digest" and parameters["namespace"] == "dci"


def test_the_digest_covers_the_json_not_its_formatting():
    reordered_header = dict(reversed(list(HEADER.items())))
    assert verify(OURS.sign(HEADER, MESSAGE), reordered_header, MESSAGE, published())


def test_a_changed_message_or_header_does_not_verify():
    signature = OURS.sign(HEADER, MESSAGE)
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify(signature, HEADER, {**MESSAGE, "transaction_id": "t-2"}, published())
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify(signature, {**HEADER, "total_count": 2}, MESSAGE, published())


def test_a_missing_signature_is_its_own_error():
    for blank in (None, "", "  "):
        with pytest.raises(SignatureMissing) as raised:
            verify(blank, HEADER, MESSAGE, published())
        assert raised.value.code == "err.signature.missing"


def test_another_key_of_the_same_sender_does_not_verify():
    impostor = SigningKey.generate("dtks.kemensos.go.id")
    with pytest.raises(SignatureInvalid, match="not among") as raised:
        verify(impostor.sign(HEADER, MESSAGE), HEADER, MESSAGE, published())
    assert raised.value.code == "err.signature.invalid"
    with pytest.raises(SignatureInvalid):
        verify(impostor.sign(HEADER, MESSAGE), HEADER, MESSAGE, None)


def test_a_key_signing_for_another_sender_is_refused():
    with pytest.raises(SignatureInvalid, match="another sender"):
        verify(OURS.sign(HEADER, MESSAGE), {**HEADER, "sender_id": "someone.else"}, MESSAGE, published())


def test_an_expired_or_future_signature_is_refused():
    old = OURS.sign(HEADER, MESSAGE, validity_seconds=60, now=time.time() - 3600)
    with pytest.raises(SignatureInvalid, match="expired"):
        verify(old, HEADER, MESSAGE, published())
    future = OURS.sign(HEADER, MESSAGE, now=time.time() + 3600)
    with pytest.raises(SignatureInvalid, match="not valid yet"):
        verify(future, HEADER, MESSAGE, published())


@pytest.mark.parametrize("signature", [
    "Signature: namespace=\"dci\"",
    'Signature: kidId="a|b", created="1", expires="2", signature="x"',
    'Signature: kidId="dtks.kemensos.go.id|k|ed25519", created="soon", expires="2", signature="eA=="',
    'Signature: kidId="dtks.kemensos.go.id|k|ed25519", created="1", expires="2", signature="not base64!"',
    'Signature: kidId="dtks.kemensos.go.id|k|rsa", created="1", expires="2", signature="eA=="',
])
def test_a_malformed_signature_is_invalid_not_a_crash(signature):
    with pytest.raises(SignatureInvalid):
        verify(signature, HEADER, MESSAGE, published())


def test_the_standards_keyid_spelling_is_read_too():
    signature = OURS.sign(HEADER, MESSAGE).replace("kidId=", "keyId=")
    assert verify(signature, HEADER, MESSAGE, published()) == OURS.key_id


def test_the_jwks_publishes_an_ed25519_signing_key_and_the_pem_round_trips():
    (jwk,) = OURS.jwks()["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["use"] == "sig" and jwk["alg"] == "EdDSA"
    assert jwk["kid"] == OURS.key_id and "d" not in jwk
    again = SigningKey.from_pem("dtks.kemensos.go.id", OURS.to_pem())
    assert again.key_id == OURS.key_id
    assert verify(again.sign(HEADER, MESSAGE), HEADER, MESSAGE, published())
    assert Jwks.from_json({"keys": [{"kty": "RSA", "kid": "r", "n": "x", "e": "AQAB"}]}).keys == {}


def test_a_signed_request_is_a_complete_envelope():
    body = signed_request(OURS, action="subscribe", message={"transaction_id": "t"}, receiver_id="crvs",
                          sender_uri="https://dtks.example/dci")
    assert body["header"]["action"] == "subscribe" and body["header"]["sender_id"] == "dtks.kemensos.go.id"
    assert verify(body["signature"], body["header"], body["message"], published())
