"""The request edge every service shares: request ids, the server span, request metrics and the access log.

A plain ASGI middleware: Starlette's BaseHTTPMiddleware ran each request in an extra task with memory
streams between it and the app, a visible share of a person lookup's CPU. Paths and query strings reach
logs and spans only with NIKs masked; metrics name the route template, never the path.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from siks_events import metrics, telemetry

access_log = logging.getLogger("siks.access")


class Edge:
    """Request id, server span, `siks_http_*` metrics and one JSON access-log line per HTTP request; a body
    announced larger than `max_body_bytes` is refused 413 before the app reads it."""

    def __init__(self, app: ASGIApp, *, service: str, max_body_bytes: int) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        headers = _headers(scope)
        request_id = headers.get("x-request-id") or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        service_token = metrics.service_name.set(self.service)
        method = scope["method"]
        status = 500  # an exception on its way out becomes the server error handler's 500
        masked_path = telemetry.mask_niks(scope["path"])

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", request_id.encode())]}
            await send(message)

        attributes = {"http.request.method": method, "url.path": masked_path, "url.scheme": scope.get("scheme", "http")}
        if scope.get("query_string"):
            attributes["url.query"] = telemetry.mask_niks(scope["query_string"].decode("latin-1"))
        in_flight = metrics.http_requests_in_flight.labels(self.service)
        in_flight.inc()
        with telemetry.server_span(method, headers.get("traceparent"), **attributes) as span:
            try:
                length = headers.get("content-length")
                if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
                    await self._too_large(scope, receive, send_with_request_id)
                else:
                    await self.app(scope, receive, send_with_request_id)
            finally:
                in_flight.dec()
                route = _route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                elapsed = time.perf_counter() - started
                metrics.http_requests.labels(self.service, route, method, str(status)).inc()
                metrics.http_request_duration.labels(self.service, route, method).observe(elapsed)
                actor = scope["state"].get("actor")
                client = scope.get("client")
                access_log.info("request", extra={
                    "method": method, "path": masked_path, "route": route, "status": status,
                    "duration_ms": round(elapsed * 1000, 2), "request_id": request_id,
                    "actor": actor.subject if actor else None, "client": client[0] if client else None,
                })
                metrics.service_name.reset(service_token)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        from siks_events.http import problem  # http installs this middleware

        response = problem(Request(scope, receive), status=413, code="payload-too-large",
                           title="The request body is too large",
                           detail=f"bodies are limited to {self.max_body_bytes} bytes")
        await response(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", ())}


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else metrics.UNMATCHED_ROUTE
