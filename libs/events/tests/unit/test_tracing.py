"""traceparent travels from an HTTP request to the stored event, the Kafka record and the consumer."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI, Request
from siks_events import http, telemetry
from siks_events.auth import Actor, Role
from siks_events.consumer import cause_of
from siks_events.store import RecordedEvent

INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACE_ID = INCOMING.split("-")[1]


async def test_a_request_trace_reaches_the_event_and_continues_in_the_consumer():
    telemetry.configure_tracing("test")
    app = FastAPI()
    http.install(app, problem_base_uri="urn:test:", max_body_bytes=1000)

    @app.post("/command")
    async def command(request: Request) -> dict:
        cause = http.cause_for(request, Actor("op-1", Role.VILLAGE_OPERATOR, "3571011001"), "DoSomething")
        return cause.as_metadata()

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/command", headers={"traceparent": INCOMING, "x-request-id": "req-7"})
    metadata = response.json()
    assert metadata["traceparent"].split("-")[1] == TRACE_ID
    assert metadata["request_id"] == "req-7" and metadata["actor"] == "op-1"

    stored = RecordedEvent(position=1, stream_id="h-1", version=1, event_id="e-1", type="t", topic="x",
                           subject="h-1", data={}, metadata=metadata, recorded_at=datetime.now(UTC))
    envelope = stored.envelope("/siks-ng/test")
    assert envelope.traceparent.split("-")[1] == TRACE_ID
    assert envelope.extensions["requestid"] == "req-7"

    with telemetry.consumer_span(envelope, "c"):
        follow_up = cause_of(envelope, "c")
    assert follow_up.traceparent.split("-")[1] == TRACE_ID
    assert follow_up.causation_id == "e-1" and follow_up.actor == "op-1"


def test_a_batch_handlers_span_links_to_the_trace_of_each_event_it_applies():
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    envelopes = []
    for n, traceparent in enumerate([INCOMING, other, None]):
        stored = RecordedEvent(position=n, stream_id="h-1", version=n + 1, event_id=f"e-{n}", type="t", topic="x",
                               subject="h-1", data={}, metadata={"traceparent": traceparent} if traceparent else {},
                               recorded_at=datetime.now(UTC))
        envelopes.append(stored.envelope("/siks-ng/test"))
    with (telemetry.listening(SimpleSpanProcessor(InMemorySpanExporter())) as processor,
          telemetry.batch_span(envelopes, "test.projection")):
        pass
    (span,) = processor.span_exporter.get_finished_spans()
    assert span.name == "consume 3 events"
    assert [format(link.context.trace_id, "032x") for link in span.links] == [TRACE_ID, other.split("-")[1]]
