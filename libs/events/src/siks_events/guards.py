"""Guards every request and response passes: a body-size limit that holds while streaming, security
headers on every answer, CORS closed unless origins are listed, a 422 for text PostgreSQL cannot store, and
a Retry-After on every 429."""

from __future__ import annotations

from collections.abc import Sequence

from asyncpg.exceptions import CharacterNotInRepertoireError, UntranslatableCharacterError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from siks_events.model import RateLimited

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}
# The interactive documentation loads Swagger UI / ReDoc scripts and styles: it keeps the browser's defaults.
DOCUMENTATION_PATHS = ("/docs", "/redoc")


class BodyTooLarge(HTTPException):
    """The request body exceeds `SIKS_MAX_BODY_BYTES`."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"bodies are limited to {limit} bytes")


class BodySizeLimit:
    """Counts the body as it arrives, so a chunked body without Content-Length is held to the limit too;
    the route reading past the limit raises `BodyTooLarge`, which the problem handler answers 413."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        await self.app(scope, counted, send)


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every response that does not set its own (a route's Cache-Control wins)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        documentation = scope["path"].startswith(DOCUMENTATION_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() in present or (documentation and name == "content-security-policy"):
                        continue
                    headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _unstorable_text(request: Request, exc: Exception) -> JSONResponse:
    from siks_events.http import problem  # the HTTP edge installs these guards

    return problem(request, status=422, code="unstorable-text", title="The request holds text that cannot be stored",
                   detail="text may not contain the NUL character (U+0000)")


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    from siks_events.http import problem

    assert isinstance(exc, RateLimited)
    return problem(request, status=429, code=exc.code, title="Too many requests", detail=exc.detail,
                   headers={"Retry-After": str(exc.retry_after)})


def wrap(app: FastAPI, *, cors_origins: Sequence[str]) -> None:
    """Security headers and CORS, added after the app's other middleware so they wrap them all; a NUL in
    any text the request brings (body, path or query) is the client's fault, not a 500; a 429 says when
    to come back."""
    # PostgreSQL's text and jsonb cannot hold U+0000; what refuses it is the statement, wherever it reads it.
    for error in (CharacterNotInRepertoireError, UntranslatableCharacterError):
        app.add_exception_handler(error, _unstorable_text)
    # More specific than the DomainError handler, so a 429 says when to come back.
    app.add_exception_handler(RateLimited, _rate_limited)
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["authorization", "content-type", "x-request-id", "traceparent"],
                           expose_headers=["x-request-id", "location", "retry-after"])
    app.add_middleware(SecurityHeaders)


def limit_bodies(app: FastAPI, *, max_body_bytes: int) -> None:
    """The streaming body limit; add it before the access-log middleware so its 413s are logged."""
    app.add_middleware(BodySizeLimit, max_body_bytes=max_body_bytes)
