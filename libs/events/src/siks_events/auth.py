"""Identity: bearer JWTs verified on every request, and the actor they name.

Production verifies tokens from an OpenID Connect issuer's JWKS; the embedded stack runs a
local issuer (an RSA key pair on disk) whose tokens `siks token` prints.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from siks_events.identity import ascii_digits
from siks_events.model import DomainError, Forbidden

ALGORITHMS = ["RS256"]
VERIFIED_TOKENS_KEPT = 10_000
"""Distinct verified tokens remembered per process (least recently used dropped first)."""


class Role(StrEnum):
    """Who someone is to the system; what each may do is in `siks_events.permissions.PERMISSIONS`."""

    VILLAGE_OPERATOR = "village_operator"
    """A village (desa/kelurahan) operator: proposes changes and keeps the village's data."""
    ENUMERATOR = "enumerator"
    """A field enumerator (pendata) who visits households."""
    SUPERVISOR = "supervisor"
    """Assigns visits to enumerators and reviews them."""
    DISTRICT_OFFICE = "district_office"
    """The regency/city social office (Dinas Sosial kabupaten/kota)."""
    REGENCY_OFFICE = "district_office"  # the issue's name for it; tokens already carry "district_office"
    PROVINCE_OFFICE = "province_office"
    MINISTRY = "ministry"
    DIRECTORATE_LKS = "directorate_lks"
    """The ministry's directorate that registers and oversees social welfare institutions (LKS)."""
    LKS = "lks"
    """An LKS's own account (lembaga kesejahteraan sosial)."""
    DUKCAPIL = "dukcapil"
    """The civil registry's system account: sends death and move reports."""
    BPJS = "bpjs"
    """BPJS Kesehatan's system account: follows PBI JK notifications."""
    DCI_PARTNER = "dci_partner"
    """Another government system exchanging data through the DCI subscribe/notify API."""
    SYSTEM = "system"
    """Our own services and trusted internal tools."""
    AUDITOR = "auditor"
    PUBLIC = "public"


REGIONAL_ROLES = frozenset({Role.VILLAGE_OPERATOR, Role.ENUMERATOR, Role.SUPERVISOR, Role.DISTRICT_OFFICE,
                            Role.PROVINCE_OFFICE})
"""Roles that always work inside a region; their tokens must name it."""


@dataclass(frozen=True)
class Actor:
    """The verified caller: subject, role and region code ('' means national scope)."""

    subject: str
    role: Role
    region: str = ""

    def covers(self, region_code: str) -> bool:
        """Whether a region code lies inside this actor's region."""
        return region_code.startswith(self.region)


class Unauthenticated(DomainError):
    """The request carries no valid bearer token."""

    code = "unauthenticated"


class TokenVerifier:
    """Checks a token's signature, expiry, issuer and audience, and reads the actor from it."""

    def __init__(
        self, *, issuer: str, audience: str, public_key: str | None = None, jwks_url: str | None = None,
        clock_skew_seconds: float = 30,
    ) -> None:
        if not public_key and not jwks_url:
            raise ValueError("a TokenVerifier needs a public key or a JWKS URL")
        self.issuer = issuer
        self.audience = audience
        self.clock_skew_seconds = clock_skew_seconds
        self.public_key = public_key
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        # A client sends the same token on every request until it expires; checking its RS256 signature
        # each time was over a millisecond of CPU per request. A token verified once is remembered with
        # its validity window, which is checked again on every use.
        self._verified: OrderedDict[str, tuple[Actor, float, float]] = OrderedDict()

    @classmethod
    def from_settings(cls, settings) -> TokenVerifier:
        key = settings.auth_public_key_file.read_text() if settings.auth_public_key_file else None
        return cls(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            public_key=key,
            jwks_url=settings.auth_jwks_url,
            clock_skew_seconds=settings.auth_clock_skew_seconds,
        )

    def remembers(self, token: str) -> bool:
        """Whether this token was verified before (its validity window is still checked on use)."""
        return token in self._verified

    def verify(self, token: str) -> Actor:
        """The actor a token names; raises Unauthenticated with the reason."""
        remembered = self._verified.get(token)
        if remembered is not None:
            actor, not_before, expires = remembered
            if not_before - self.clock_skew_seconds <= time.time() <= expires + self.clock_skew_seconds:
                self._verified.move_to_end(token)
                return actor
            del self._verified[token]
        actor, claims = self._verify_signed(token)
        self._verified[token] = (actor, float(claims.get("nbf", 0)), float(claims["exp"]))
        if len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)
        return actor

    def _verify_signed(self, token: str) -> tuple[Actor, dict]:
        try:
            key = self.jwks.get_signing_key_from_jwt(token).key if self.jwks else self.public_key
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                # The issuer's clock and ours may differ a little: exp and nbf are honoured this far either way.
                leeway=self.clock_skew_seconds,
                options={"require": ["exp", "sub", "iss", "aud"], "verify_nbf": True},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("the token is not valid yet (nbf or iat lies in the future)") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("the token is not meant for this audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("the token comes from an issuer this service does not trust") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("the token's signature does not verify") from None
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        try:
            role = Role(claims.get("role"))
        except ValueError:
            raise Unauthenticated(f"the token names no known role: {claims.get('role')!r}") from None
        region = str(claims.get("region") or "")
        if region and (not ascii_digits(region) or len(region) not in (2, 4, 6, 10)):
            raise Unauthenticated(f"the token's region {region!r} is not a region code")
        if not region and role in REGIONAL_ROLES:
            # An empty region is national scope: a regional role without one would see the whole country.
            raise Unauthenticated(f"a token of role {role.value} must name its region")
        return Actor(subject=str(claims["sub"]), role=role, region=region), claims


class LocalIssuer:
    """The embedded stack's token issuer: an RSA key pair kept in a directory."""

    def __init__(self, directory: Path, *, issuer: str = "siks-local", audience: str = "siks-ng") -> None:
        self.directory = Path(directory)
        self.issuer = issuer
        self.audience = audience

    @property
    def private_key_file(self) -> Path:
        return self.directory / "issuer-private.pem"

    @property
    def public_key_file(self) -> Path:
        return self.directory / "issuer-public.pem"

    def ensure_keys(self) -> LocalIssuer:
        """Create the key pair once; later runs keep it, so issued tokens stay valid."""
        if not self.private_key_file.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            self.private_key_file.touch(mode=0o600)
            self.private_key_file.write_bytes(pem)
            self.public_key_file.write_bytes(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
        return self

    def issue(self, *, role: Role | str, region: str = "", subject: str | None = None, ttl: int = 3600) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or f"{Role(role).value}-{uuid.uuid4().hex[:8]}",
            "role": Role(role).value,
            "region": region,
            "iat": now,
            "exp": now + ttl,
        }
        return jwt.encode(claims, self.private_key_file.read_text(), algorithm="RS256")


_bearer = HTTPBearer(auto_error=False)


async def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    """FastAPI dependency: the verified actor, or a 401 problem."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("this endpoint needs a bearer token (Authorization: Bearer <jwt>)")
    verifier: TokenVerifier = request.app.state.token_verifier
    token = credentials.credentials
    if verifier.jwks is not None and not verifier.remembers(token):
        # a new token may send PyJWKClient to the issuer's JWKS over blocking HTTP: not on the event loop
        actor = await asyncio.to_thread(verifier.verify, token)
    else:
        actor = verifier.verify(token)
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


class RoleNotAllowed(Forbidden):
    """The actor's role may not do this."""

    code = "role-not-allowed"


def role_in(roles: set[Role]):
    """A dependency type: the verified actor, if their role is one of `roles` (else 403)."""

    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise RoleNotAllowed(f"role {actor.role.value} may not do this")
        return actor

    return Annotated[Actor, Depends(check)]
