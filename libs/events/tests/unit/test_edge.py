"""The request edge: request metrics by route template, and no NIK in a log line, a span or a metric label
(issue 17: NIKs masked in URLs, query strings and trace attributes; issue 19: request rate, latency, errors)."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from siks_events import http, metrics, telemetry
from siks_events.model import NotFound

NIK = "3571014506880001"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class PersonNotFound(NotFound):
    """No such person."""

    code = "person-not-found"


def person_app(service: str) -> FastAPI:
    app = FastAPI(telemetry=http.FASTAPI_TELEMETRY)
    http.install(app, problem_base_uri="urn:test:", max_body_bytes=1000, service=service)

    @app.get("/v1/persons/{nik}")
    async def person(nik: str, detail: str = "") -> dict:
        if nik.endswith("9"):
            raise PersonNotFound(f"no person {nik}")
        return {"nik": nik}

    return app


@pytest.fixture
def access_log():
    stream = io.StringIO()
    telemetry.configure_logging("edge-test", "INFO", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_siks", False):
            logging.getLogger().removeHandler(handler)


async def call(app: FastAPI, path: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.get(path, **kwargs)


def samples(name: str, **labels: str) -> list:
    return [s for family in text_string_to_metric_families(metrics.render().decode()) for s in family.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]


async def test_a_request_is_counted_and_timed_under_its_route_template_never_its_path(access_log):
    app = person_app("edge-metrics")
    assert (await call(app, f"/v1/persons/{NIK}")).status_code == 200
    assert (await call(app, "/v1/persons/3571014506880009")).status_code == 404
    assert (await call(app, f"/nowhere/{NIK}")).status_code == 404

    route = {"service": "edge-metrics", "route": "/v1/persons/{nik}", "method": "GET"}
    assert [s.value for s in samples("siks_http_requests_total", status="200", **route)] == [1.0]
    assert [s.value for s in samples("siks_http_requests_total", status="404", **route)] == [1.0]
    assert [s.value for s in samples("siks_http_request_duration_seconds_count", **route)] == [2.0]
    assert [s.value for s in samples("siks_http_requests_in_flight", service="edge-metrics")] == [0.0]
    unmatched = samples("siks_http_requests_total", service="edge-metrics", route=metrics.UNMATCHED_ROUTE)
    assert [s.value for s in unmatched] == [1.0]
    assert NIK not in metrics.render().decode() and "3571014506880009" not in metrics.render().decode()


async def test_the_access_log_names_the_route_and_masks_the_nik_in_path_and_query(access_log):
    response = await call(person_app("edge-log"), f"/v1/persons/{NIK}", params={"detail": NIK},
                          headers={"x-request-id": "req-1"})
    assert response.headers["x-request-id"] == "req-1"
    (line,) = [line for line in access_log() if line["event"] == "request"]
    assert line["route"] == "/v1/persons/{nik}" and line["path"] == "/v1/persons/357101********01"
    assert line["status"] == 200 and line["request_id"] == "req-1"
    assert NIK not in json.dumps(access_log())


async def test_the_server_span_continues_the_callers_trace_and_carries_no_nik():
    with telemetry.listening(SimpleSpanProcessor(InMemorySpanExporter())) as processor:
        await call(person_app("edge-trace"), f"/v1/persons/{NIK}", params={"nik": NIK, "detail": "x"},
                   headers={"traceparent": TRACEPARENT})
    (span,) = processor.span_exporter.get_finished_spans()
    assert span.name == "GET /v1/persons/{nik}"
    assert format(span.context.trace_id, "032x") == TRACEPARENT.split("-")[1]
    assert span.attributes["http.route"] == "/v1/persons/{nik}"
    assert span.attributes["url.path"] == "/v1/persons/357101********01"
    assert span.attributes["url.query"] == "nik=357101********01&detail=x"
    assert span.attributes["http.response.status_code"] == 200
    assert NIK not in span.to_json()


async def test_without_a_listener_no_span_is_made_but_the_callers_trace_reaches_what_the_request_stores():
    app = person_app("edge-untraced")

    @app.get("/v1/cause")
    async def cause() -> dict:
        return {"traceparent": telemetry.current_traceparent()}

    assert not telemetry.collecting_spans()
    response = await call(app, "/v1/cause", headers={"traceparent": TRACEPARENT})
    assert response.json()["traceparent"] == TRACEPARENT


async def test_a_body_announced_too_large_is_refused_before_the_app_reads_it():
    app = person_app("edge-limit")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/v1/persons/1", content=b"x" * 2000, headers={"x-request-id": "big"})
    assert response.status_code == 413 and response.headers["x-request-id"] == "big"
    assert response.json()["type"] == "urn:test:payload-too-large"


async def test_a_request_counts_as_in_flight_while_it_is_answered():
    app = person_app("edge-busy")

    @app.get("/v1/busy")
    async def busy() -> dict:
        return {"in_flight": samples("siks_http_requests_in_flight", service="edge-busy")[0].value}

    assert (await call(app, "/v1/busy")).json() == {"in_flight": 1.0}
    assert [s.value for s in samples("siks_http_requests_in_flight", service="edge-busy")] == [0.0]
