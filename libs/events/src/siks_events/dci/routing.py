"""FastAPI routes that answer failures in the DCI standard's shapes instead of problem+json.

A route of a `DciRoute` router that fails with a token problem answers 401 and one with a role
problem 403, both as `HttpErrorResponse` (`{"errors": [{"code": "err.request.unauthorized", ...}]}`);
a malformed body, a bad signature or any other `DciRejected` answers an `ERR` acknowledgement with
the standard's error code (HTTP 400 unless the code names another status).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from siks_events.auth import Unauthenticated
from siks_events.dci.envelope import (
    Acknowledgement,
    AckStatus,
    DciError,
    DciRejected,
    ErrorCode,
    HttpErrors,
    new_id,
)
from siks_events.model import DomainError, Forbidden

_TRANSPORT_ERRORS = {ErrorCode.REQUEST_UNAUTHORIZED, ErrorCode.REQUEST_FORBIDDEN}


def rejection(exc: DciRejected) -> JSONResponse:
    """The answer to a refused message: HTTP errors for 401/403, an ERR acknowledgement otherwise."""
    error = DciError(code=exc.code, message=exc.message[:999])
    if exc.code in _TRANSPORT_ERRORS:
        headers = {"WWW-Authenticate": 'Bearer realm="siks-ng"'} if exc.code == ErrorCode.REQUEST_UNAUTHORIZED else None
        return JSONResponse(HttpErrors(errors=[error]).wire(), status_code=exc.http_status, headers=headers)
    return JSONResponse(Acknowledgement.of(AckStatus.ERR, new_id(), error).wire(), status_code=exc.http_status)


def _validation_summary(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return "the message does not follow the standard: " + "; ".join(parts)


class DciRoute(APIRoute):
    """`APIRouter(route_class=DciRoute)`: the router's failures are answered as the standard's errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except DciRejected as exc:
                return rejection(exc)
            except Unauthenticated as exc:
                return rejection(DciRejected(ErrorCode.REQUEST_UNAUTHORIZED, exc.detail))
            except Forbidden as exc:
                return rejection(DciRejected(ErrorCode.REQUEST_FORBIDDEN, exc.detail))
            except RequestValidationError as exc:
                return rejection(DciRejected(ErrorCode.REQUEST_BAD, _validation_summary(exc)))
            except DomainError as exc:
                return rejection(DciRejected(ErrorCode.REQUEST_BAD, exc.detail))

        return answer
