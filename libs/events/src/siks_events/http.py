"""HTTP shared by every service: RFC 9457 problems and the middleware around every request (see edge.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from siks_events import database, guards, telemetry
from siks_events.auth import Actor, Unauthenticated
from siks_events.blobs import BlobTooLarge, UnsupportedContentType
from siks_events.edge import Edge
from siks_events.model import Cause, Conflict, DomainError, Forbidden, NotFound, RateLimited, RuleViolated
from siks_events.uow import PoolExhausted

log = logging.getLogger("siks.http")

PROBLEM_JSON = "application/problem+json"
MAX_PAGE = 10_000
"""Deepest page a list route serves; past it a client narrows its filters (an offset that deep scans millions)."""
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page number, from 1 up to {MAX_PAGE}")]
PageSize = Annotated[int, Query(ge=1, le=500, description="items per page, up to 500")]

FASTAPI_TELEMETRY = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's own OpenTelemetry instrumentation, off: it records raw paths and query strings (NIKs) in its spans,
and the edge makes the server span and the request metrics already (`FastAPI(telemetry=FASTAPI_TELEMETRY)`)."""

_STATUS = [(Unauthenticated, 401), (NotFound, 404), (Conflict, 409), (RuleViolated, 422), (Forbidden, 403),
           (RateLimited, 429), (BlobTooLarge, 413), (UnsupportedContentType, 415)]


def problem(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An `application/problem+json` response; `errors` point at the fields at fault."""
    base = getattr(request.app.state, "problem_base_uri", "urn:siks-ng:problem:")
    body: dict[str, Any] = {
        "type": base + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def cause_for(request: Request, actor: Actor, command: str) -> Cause:
    """Who asks for a change and why, recorded with every event the change causes."""
    return Cause(
        actor=actor.subject,
        role=actor.role.value,
        region=actor.region,
        command=command,
        request_id=getattr(request.state, "request_id", None),
        traceparent=telemetry.current_traceparent(),
    )


def status_of(error: DomainError) -> int:
    return next((status for cls, status in _STATUS if isinstance(error, cls)), 400)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    errors = [{"pointer": f"#/{field}", "detail": detail} for field, detail in exc.field_errors()] or None
    headers = {"WWW-Authenticate": 'Bearer realm="siks-ng"'} if status == 401 else None
    title = (type(exc).__doc__ or exc.code).strip().splitlines()[0]
    return problem(request, status=status, code=exc.code, title=title, detail=exc.detail, errors=errors,
                   headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        location = list(err.get("loc", ()))
        if location and location[0] in ("body", "query", "path", "header"):
            location = location[1:]
        pointer = "#/" + "/".join(str(part) for part in location)
        errors.append({"pointer": pointer, "detail": err.get("msg", "invalid")})
    fields = ", ".join(e["pointer"][2:] or "(body)" for e in errors)
    return problem(
        request,
        status=422,
        code="validation-error",
        title="The request is not valid",
        detail=f"invalid field(s): {fields}",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}.get(exc.status_code, "http-error")
    return problem(request, status=exc.status_code, code=code, title=str(exc.detail), detail=str(exc.detail),
                   headers=getattr(exc, "headers", None))


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    # Every connection is in use: a client that waits a moment will likely get one.
    log.warning("no database connection free in time", extra={"path": request.url.path})
    return problem(request, status=503, code="database-busy", title="The database is busy",
                   detail="no database connection became free in time; try again shortly",
                   headers={"Retry-After": "1"})


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if not database.unavailable(exc):
        raise exc  # an error we cannot name: the server error handler answers 500 and logs the traceback
    # The reason goes to our log only: driver messages name hosts and ports, never for a client's eyes.
    log.warning("database unavailable", extra={"path": request.url.path, "error": type(exc).__name__,
                                                "reason": str(exc)})
    return problem(request, status=503, code="database-unavailable", title="The database is unavailable",
                   detail="the database cannot be reached right now; try again shortly",
                   headers={"Retry-After": "5"})


def install(app: FastAPI, *, problem_base_uri: str, max_body_bytes: int, cors_origins: Sequence[str] = (),
            service: str = "siks") -> None:
    """Problem handlers, body-size limit, the request edge (request ids, server spans, request metrics, JSON
    access logs), security headers and CORS (closed unless `cors_origins` lists origins)."""
    app.state.problem_base_uri = problem_base_uri
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolExhausted, _database_busy)
    for error in database.MAYBE_UNAVAILABLE:
        app.add_exception_handler(error, _database_unavailable)
    guards.limit_bodies(app, max_body_bytes=max_body_bytes)

    app.add_middleware(Edge, service=service, max_body_bytes=max_body_bytes)
    guards.wrap(app, cors_origins=cors_origins)
