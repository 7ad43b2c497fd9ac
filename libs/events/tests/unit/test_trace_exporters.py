"""Spans go where the standard OTEL_* variables say: nowhere by default, to the console with one setting, over
OTLP when an endpoint is set; a span printed to the console carries no NIK."""

from __future__ import annotations

import io

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from siks_events import telemetry

NIK = "3571014506880001"


def test_no_exporter_unless_the_environment_names_one(monkeypatch):
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert telemetry._exporters_from_environment() == []
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert telemetry._exporters_from_environment() == []


def test_one_setting_prints_spans_and_an_endpoint_sends_them_over_otlp(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    assert [type(e) for e in telemetry._exporters_from_environment()] == [ConsoleSpanExporter]
    monkeypatch.delenv("OTEL_TRACES_EXPORTER")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert [type(e) for e in telemetry._exporters_from_environment()] == [OTLPSpanExporter]
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp,console")
    assert [type(e) for e in telemetry._exporters_from_environment()] == [OTLPSpanExporter, ConsoleSpanExporter]


def test_a_span_printed_to_the_console_is_masked(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    (console,) = telemetry._exporters_from_environment()
    console.out = out = io.StringIO()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(console))
    with provider.get_tracer("test").start_as_current_span(f"GET /v1/persons/{NIK}", attributes={"nik": NIK}):
        pass
    printed = out.getvalue()
    assert "357101********01" in printed and NIK not in printed
