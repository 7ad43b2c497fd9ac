"""Issue 19, acceptance 1: one HTTP death report yields one trace spanning the integration service and the
registry, from the request through the events, their publication and each consumer, to the BPJS delivery."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from siks_events import telemetry
from siks_events.auth import Role

from .conftest import StubServer, eventually
from .test_death_report_flow import WIFE, death, known_to_integration, register_family

TRACE_ID = "5b8efff798038103d269b633813fc60c"
INCOMING = f"00-{TRACE_ID}-eee19b7ec3c1b174-01"
NIK = WIFE["nik"]


@pytest.fixture
def spans():
    with telemetry.listening(SimpleSpanProcessor(InMemorySpanExporter())) as processor:
        yield processor.span_exporter


@pytest.fixture
async def bpjs(monkeypatch):
    stub = StubServer()
    monkeypatch.setenv("SIKS_BPJS_URL", stub.url)
    async with stub.running():
        yield stub


async def test_a_death_report_is_one_trace_from_the_request_to_the_bpjs_delivery(spans, bpjs, services, tokens):
    registry, integration = services
    await register_family(registry, tokens, [{"nik": NIK, "program": "PBI_JK", "start_date": "2025-01-01"}])
    await known_to_integration(integration, tokens, WIFE)

    accepted = await integration.post("/v1/dukcapil/death-reports", json=death(WIFE, "KM-0700"),
                                      headers={**tokens(Role.DUKCAPIL), "traceparent": INCOMING})
    assert accepted.status_code == 202, accepted.text

    async def ending_delivered():
        return [headers for headers, body in bpjs.received if b'"change":"end"' in body]

    (delivered_headers,) = await eventually(ending_delivered, timeout=90, what="BPJS to hear of the ended PBI JK")

    def trace() -> list:
        return [s for s in spans.get_finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]

    async def delivery_span_ended():
        return [s for s in trace() if s.kind is SpanKind.CLIENT]

    await eventually(delivery_span_ended, what="the delivery's span to end")
    found = trace()
    by_id = {s.context.span_id: s for s in found}
    hops = {(s.attributes.get("siks.service"), s.kind, s.name) for s in found}
    assert ("integration", SpanKind.SERVER, "POST /v1/dukcapil/death-reports") in hops
    assert ("integration", SpanKind.PRODUCER, "publish siks.integration.deceased-reported.v1") in hops
    assert ("registry", SpanKind.CONSUMER, "consume siks.integration.deceased-reported.v1") in hops
    assert ("registry", SpanKind.PRODUCER, "publish siks.registry.member-deceased.v1") in hops
    assert ("registry", SpanKind.PRODUCER, "publish siks.registry.program-ended.v1") in hops
    assert ("integration", SpanKind.CONSUMER, "consume siks.registry.program-ended.v1") in hops
    assert ("integration", SpanKind.CLIENT, "POST bpjs") in hops

    # One tree: every span's parent is in the trace, up to the caller's span.
    for span in found:
        assert span.parent is not None
        assert span.parent.span_id in by_id or format(span.parent.span_id, "016x") == INCOMING.split("-")[2]
    # the delivery is the last hop of the chain, and BPJS was handed the trace to continue
    (delivery,) = [s for s in found if s.kind is SpanKind.CLIENT]
    chain = []
    while delivery.parent.span_id in by_id:
        delivery = by_id[delivery.parent.span_id]
        chain.append((delivery.attributes.get("siks.service"), delivery.kind))
    assert chain == [("integration", SpanKind.CONSUMER), ("registry", SpanKind.PRODUCER),
                     ("registry", SpanKind.CONSUMER), ("integration", SpanKind.PRODUCER),
                     ("integration", SpanKind.SERVER)]
    assert delivered_headers["traceparent"].split("-")[1] == TRACE_ID
    assert not any(NIK in s.to_json() for s in found), "span names and attributes carry no NIK"
