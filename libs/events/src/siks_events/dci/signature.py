"""Ed25519 signatures of DCI messages, and the public keys that verify them published as a JWKS.

The standard (`MsgSignature`) gives the signature's form, an HTTP-signature-like string:

    Signature: namespace="dci", kidId="{sender_id}|{key_id}|ed25519", algorithm="ed25519",
    created="1606970629", expires="1607030629", headers="(created) (expires) digest",
    signature="<base64>"

and says it covers "{header}+{message}". It leaves the digest open; we follow the scheme the form
comes from (Beckn's): the signed string is

    (created): <created>\\n(expires): <expires>\\ndigest: BLAKE-512=<base64 BLAKE2b-512 of the body>

where the body is `{"header": ..., "message": ...}` as received, written canonically (keys sorted,
no whitespace, UTF-8, `message` null when absent), so a receiver checks the JSON it parsed rather
than bytes a proxy may have reformatted. `key_id` is the key's RFC 7638 thumbprint, also its `kid`
in the sender's JWKS (`{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ..., "kid": ..., "use":
"sig", "alg": "EdDSA"}]}`), which the standard publishes at `/.well-known/jwks.json`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from siks_events.dci.envelope import CallbackHeader, DciModel, DciRejected, ErrorCode, MessageHeader, new_id, now

ALGORITHM = "ed25519"
NAMESPACE = "dci"
DEFAULT_VALIDITY_SECONDS = 300
CLOCK_SKEW_SECONDS = 30
WELL_KNOWN_JWKS_PATH = "/.well-known/jwks.json"


class SignatureMissing(DciRejected):
    """The message carries no signature."""

    def __init__(self, message: str = "the message is not signed") -> None:
        super().__init__(ErrorCode.SIGNATURE_MISSING, message)


class SignatureInvalid(DciRejected):
    """The signature is malformed, expired, from an unknown key or does not verify."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.SIGNATURE_INVALID, message)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_body(header: Mapping[str, Any], message: Any) -> bytes:
    """The bytes a signature's digest covers: header and message, keys sorted, no whitespace, UTF-8."""
    return json.dumps({"header": header, "message": message}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode()


def _signing_string(created: int, expires: int, header: Mapping[str, Any], message: Any) -> bytes:
    digest = base64.b64encode(hashlib.blake2b(canonical_body(header, message), digest_size=64).digest()).decode()
    return f"(created): {created}\n(expires): {expires}\ndigest: BLAKE-512={digest}".encode()


def _thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint of an Ed25519 key (members crv, kty, x in that order)."""
    x = _b64url(public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    return _b64url(hashlib.sha256(json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x},
                                             separators=(",", ":")).encode()).digest())


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """An Ed25519 public key as a JWK (RFC 8037), `kid` its RFC 7638 thumbprint."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": _thumbprint(public_key), "use": "sig",
            "alg": "EdDSA"}


class SigningKey:
    """Our private key for one sender id: signs messages, and gives the public JWK to publish."""

    def __init__(self, sender_id: str, private_key: Ed25519PrivateKey) -> None:
        self.sender_id = sender_id
        self.private_key = private_key
        self.key_id = _thumbprint(private_key.public_key())

    @classmethod
    def generate(cls, sender_id: str) -> SigningKey:
        return cls(sender_id, Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, sender_id: str, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("a DCI signing key must be an Ed25519 private key")
        return cls(sender_id, key)

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())

    @property
    def kid(self) -> str:
        """The signature's `kidId`: `{sender_id}|{key_id}|ed25519`."""
        return f"{self.sender_id}|{self.key_id}|{ALGORITHM}"

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWKS to publish at `/.well-known/jwks.json`."""
        return {"keys": [public_jwk(self.private_key.public_key())]}

    def sign(self, header: Mapping[str, Any], message: Any, *, validity_seconds: int = DEFAULT_VALIDITY_SECONDS,
             now: float | None = None) -> str:
        """The `signature` member for this header and message (both as they will be sent, JSON-ready)."""
        created = int(time.time() if now is None else now)
        expires = created + validity_seconds
        value = base64.b64encode(self.private_key.sign(_signing_string(created, expires, header, message))).decode()
        return (f'Signature: namespace="{NAMESPACE}", kidId="{self.kid}", algorithm="{ALGORITHM}", '
                f'created="{created}", expires="{expires}", headers="(created) (expires) digest", '
                f'signature="{value}"')

    def sign_envelope(self, body: dict[str, Any]) -> dict[str, Any]:
        """`body` (`{"header": ..., "message": ...}`, JSON-ready) with its `signature` set."""
        return {**body, "signature": self.sign(body["header"], body.get("message"))}


class Jwks:
    """One sender's published public keys, by key id."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self.keys = dict(keys)

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Jwks:
        """Read a JWKS document; keys other than Ed25519 signing keys are skipped."""
        keys: dict[str, Ed25519PublicKey] = {}
        listed = document.get("keys") if isinstance(document, Mapping) else None
        for jwk in listed if isinstance(listed, list) else []:
            if not isinstance(jwk, Mapping) or not isinstance(jwk.get("x"), str):
                continue
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or jwk.get("use", "sig") != "sig":
                continue
            try:
                key = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
            except ValueError:
                continue
            keys[str(jwk.get("kid") or _thumbprint(key))] = key
        return cls(keys)


_PARAMETER = re.compile(r'(\w+)\s*=\s*"([^"]*)"?')


def parse_signature(signature: str) -> dict[str, str]:
    """The parameters of a signature string (`kidId`, `created`, ...); `keyId` is read as `kidId`."""
    text = signature.strip()
    if text.lower().startswith("signature:"):
        text = text[len("signature:"):]
    parameters = {name: value for name, value in _PARAMETER.findall(text)}
    if "kidId" not in parameters and "keyId" in parameters:
        parameters["kidId"] = parameters["keyId"]
    return parameters


def verify(signature: str | None, header: Mapping[str, Any], message: Any, jwks: Jwks | None, *,
           now: float | None = None) -> str:
    """Check a received message's signature against its sender's JWKS; returns the key id that signed it.

    `header` and `message` are the JSON as received. Raises SignatureMissing or SignatureInvalid: the
    signer must be the header's `sender_id`, the key in the JWKS, the time inside created..expires
    (give or take 30 s), and the ed25519 signature must verify.
    """
    if not signature or not signature.strip():
        raise SignatureMissing()
    parameters = parse_signature(signature)
    try:
        sender_id, key_id, algorithm = parameters["kidId"].split("|")
        created, expires = int(parameters["created"]), int(parameters["expires"])
        value = base64.b64decode(parameters["signature"], validate=True)
    except (KeyError, ValueError):
        raise SignatureInvalid("the signature is malformed (kidId, created, expires and signature are needed)") from None
    if algorithm.lower() != ALGORITHM or parameters.get("algorithm", ALGORITHM).lower() != ALGORITHM:
        raise SignatureInvalid("only ed25519 signatures are accepted")
    if sender_id != header.get("sender_id"):
        raise SignatureInvalid("the signature's key belongs to another sender than the header's sender_id")
    moment = time.time() if now is None else now
    if not created - CLOCK_SKEW_SECONDS <= moment <= expires + CLOCK_SKEW_SECONDS:
        raise SignatureInvalid("the signature is expired or not valid yet")
    key = jwks.keys.get(key_id) if jwks is not None else None
    if key is None:
        raise SignatureInvalid("the signature's key is not among the sender's published keys")
    try:
        key.verify(value, _signing_string(created, expires, header, message))
    except InvalidSignature:
        raise SignatureInvalid("the signature does not match the message") from None
    return key_id


def signed_request(key: SigningKey, *, action: str, message: Any, receiver_id: str | None = None,
                   sender_uri: str | None = None, total_count: int = 1) -> dict[str, Any]:
    """A signed request body (`MsgHeader_V1.0.0`) from us to another registry, ready to POST as JSON."""
    header = MessageHeader(message_id=new_id(), message_ts=now(), action=action, sender_id=key.sender_id,
                           sender_uri=sender_uri, receiver_id=receiver_id, total_count=total_count)
    return key.sign_envelope({"header": header.wire(), "message": _wire(message)})


def signed_answer(key: SigningKey, header: CallbackHeader, message: Any) -> dict[str, Any]:
    """A signed callback or synchronous answer body (`MsgCallbackHeader_V1.0.0`)."""
    return key.sign_envelope({"header": header.wire(), "message": _wire(message)})


def _wire(message: Any) -> Any:
    return message.wire() if isinstance(message, DciModel) else message
