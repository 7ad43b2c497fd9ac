"""JSON logs with NIKs masked, and OpenTelemetry traces carried HTTP -> store -> Kafka -> consumer."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from siks_events import metrics

_SIXTEEN_DIGITS = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{2})(?!\d)")
_propagator = TraceContextTextMapPropagator()
tracer = trace.get_tracer("siks")


def mask_niks(text: str) -> str:
    """Mask every 16-digit run (a NIK or KK number): only the first 6 and last 2 digits remain."""
    return _SIXTEEN_DIGITS.sub(r"\1********\2", text)


def _mask_rendered(_logger: Any, _name: str, line: str) -> str:
    # Masking the final line catches NIKs wherever they hide: message, extras, URLs, tracebacks.
    return mask_niks(line)


_shared_processors = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def json_formatter(service: str) -> logging.Formatter:
    def add_service(_logger: Any, _name: str, event: dict) -> dict:
        event.setdefault("service", service)
        return event

    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors, add_service],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(default=str),
            _mask_rendered,
        ],
    )


def configure_logging(service: str, level: str = "INFO", stream: Any = None) -> None:
    """Send every log record (ours, uvicorn's, aiokafka's) through one JSON formatter."""
    # A handler that cannot write (a closed stream) would otherwise print the raw record, NIKs unmasked.
    logging.raiseExceptions = False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter(service))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_siks", False):
            root.removeHandler(existing)
    handler._siks = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("aiokafka", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
    logging.getLogger("uvicorn.access").disabled = True  # our middleware writes access logs
    structlog.configure(
        processors=[*_shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


class _Listeners(SpanProcessor):
    """The span processors of this process, which may come and go (a test's in-memory exporter)."""

    def __init__(self) -> None:
        self.processors: list[SpanProcessor] = []

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        for processor in self.processors:
            processor.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        for processor in self.processors:
            processor.on_end(span)

    def shutdown(self) -> None:
        for processor in self.processors:
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return all(processor.force_flush(timeout_millis) for processor in self.processors)


_listeners = _Listeners()


def configure_tracing(service: str) -> None:
    """Install the process's tracer provider, exporting as the standard OTEL_* variables say.

    `OTEL_TRACES_EXPORTER` lists exporters: `otlp` (OTLP over HTTP, configured by `OTEL_EXPORTER_OTLP_*`),
    `console` (each span as JSON on standard output) or `none`. Unset, spans are exported over OTLP only
    when an OTLP endpoint is set, so the embedded stack makes none: nobody collecting, no span is even
    created (see `collecting_spans`). `OTEL_SDK_DISABLED=true`, `OTEL_SERVICE_NAME`,
    `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_TRACES_SAMPLER` mean what the specification says.
    """
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return
    named = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": f"siks-{service}"}
    provider = TracerProvider(resource=Resource.create(named))
    provider.add_span_processor(_listeners)
    trace.set_tracer_provider(provider)
    for exporter in _exporters_from_environment():
        _listeners.processors.append(BatchSpanProcessor(exporter))


def _exporters_from_environment() -> list[SpanExporter]:
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    names = os.environ.get("OTEL_TRACES_EXPORTER", "otlp" if endpoint else "none")
    exporters: list[SpanExporter] = []
    for name in (n.strip().lower() for n in names.split(",") if n.strip()):
        if name == "console":
            exporters.append(ConsoleSpanExporter(formatter=lambda span: mask_niks(span.to_json(indent=None)) + "\n"))
        elif name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        elif name != "none":
            logging.getLogger("siks.telemetry").warning("unknown OTEL_TRACES_EXPORTER ignored", extra={"exporter": name})
    return exporters


@contextlib.contextmanager
def listening(processor: SpanProcessor) -> Iterator[SpanProcessor]:
    """Let `processor` receive every span while the block runs (a test's in-memory exporter)."""
    configure_tracing("siks")
    _listeners.processors.append(processor)
    try:
        yield processor
    finally:
        _listeners.processors.remove(processor)


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to store with the events it causes."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None):
    return _propagator.extract({"traceparent": traceparent} if traceparent else {})


@contextlib.contextmanager
def server_span(name: str, traceparent: str | None, **attributes: Any) -> Iterator[trace.Span]:
    """A server span continuing the caller's trace; with nobody collecting spans, only the caller's context
    (what the request stores then carries the caller's traceparent, at no cost of a span)."""
    if not collecting_spans():
        with _current(context_from(traceparent)):
            yield trace.INVALID_SPAN
        return
    with tracer.start_as_current_span(
        name, context=context_from(traceparent), kind=SpanKind.SERVER,
        attributes={"siks.service": metrics.service_name.get(), **attributes},
    ) as span:
        yield span


def publication_traceparent(traceparent: str | None, event_type: str, recorded_at: datetime, **attributes: Any
                            ) -> str | None:
    """The traceparent a published record carries: with spans collected, that of a producer span, child of the
    event's own, from the event's storing to its hand-over to the broker (the relay's share of the trace);
    else the event's own, at no cost."""
    if not traceparent or not collecting_spans():
        return traceparent
    span = tracer.start_span(
        f"publish {event_type}", context=context_from(traceparent), kind=SpanKind.PRODUCER,
        attributes={"siks.service": metrics.service_name.get(), "messaging.system": "kafka",
                    "cloudevents.event_type": event_type, **attributes},
        start_time=int(recorded_at.timestamp() * 1e9),
    )
    span.end()
    return _traceparent_of(span)


@contextlib.contextmanager
def client_span(name: str, traceparent: str | None, **attributes: Any) -> Iterator[dict[str, str]]:
    """A client span for an outbound call caused by `traceparent`; yields the headers that carry the trace on
    (the caller's own traceparent when nobody collects spans)."""
    if not collecting_spans():
        yield {"traceparent": traceparent} if traceparent else {}
        return
    with tracer.start_as_current_span(
        name, context=context_from(traceparent), kind=SpanKind.CLIENT,
        attributes={"siks.service": metrics.service_name.get(), **attributes},
    ) as span:
        yield {"traceparent": _traceparent_of(span)}


def _traceparent_of(span: trace.Span) -> str:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier["traceparent"]


@contextlib.contextmanager
def _current(context) -> Iterator[None]:
    token = otel_context.attach(context)
    try:
        yield
    finally:
        otel_context.detach(token)


def collecting_spans() -> bool:
    """Whether any span processor would receive a span (an exporter is configured, or a test listens)."""
    provider = trace.get_tracer_provider()
    active = getattr(provider, "_active_span_processor", None)
    return any(p is not _listeners or _listeners.processors for p in getattr(active, "_span_processors", ()))


@contextlib.contextmanager
def consumer_span(envelope: Any, consumer: str) -> Iterator[trace.Span]:
    """A consumer span continuing the trace the event carries in its `traceparent`.

    With nobody collecting spans none is made: at about 0.1 ms each, per-event spans alone would cap a
    consumer near 7,000 events/s. Effects then carry the event's own traceparent, so the trace holds.
    """
    if not collecting_spans():
        yield trace.INVALID_SPAN
        return
    with tracer.start_as_current_span(
        f"consume {envelope.type}",
        context=context_from(envelope.traceparent),
        kind=SpanKind.CONSUMER,
        attributes={"siks.service": metrics.service_name.get(), "messaging.system": "kafka",
                    "messaging.consumer.group.name": consumer,
                    "cloudevents.event_id": envelope.id, "cloudevents.event_type": envelope.type},
    ) as span:
        yield span


@contextlib.contextmanager
def batch_span(envelopes: list[Any], consumer: str) -> Iterator[trace.Span]:
    """One consumer span for a batch handler's call: a batch serves many traces, so the span links to each
    event's trace instead of continuing one (made only while spans are collected)."""
    if not collecting_spans():
        yield trace.INVALID_SPAN
        return
    links = [trace.Link(trace.get_current_span(context_from(e.traceparent)).get_span_context())
             for e in envelopes if e.traceparent]
    with tracer.start_as_current_span(
        f"consume {len(envelopes)} events", kind=SpanKind.CONSUMER, links=links,
        attributes={"siks.service": metrics.service_name.get(), "messaging.system": "kafka",
                    "messaging.consumer.group.name": consumer, "messaging.batch.message_count": len(envelopes)},
    ) as span:
        yield span
