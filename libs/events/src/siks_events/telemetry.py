"""JSON logs with NIKs masked, and OpenTelemetry traces carried HTTP -> store -> Kafka -> consumer."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

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


def configure_tracing(service: str) -> None:
    """Install a tracer provider for the service (exporters are added by deployment config)."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider(resource=Resource.create({"service.name": f"siks-{service}"})))


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to store with the events it causes."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None):
    return _propagator.extract({"traceparent": traceparent} if traceparent else {})


@contextlib.contextmanager
def server_span(name: str, traceparent: str | None, **attributes: Any) -> Iterator[trace.Span]:
    with tracer.start_as_current_span(
        name, context=context_from(traceparent), kind=SpanKind.SERVER, attributes=attributes
    ) as span:
        yield span


def collecting_spans() -> bool:
    """Whether any span processor would receive a span (an exporter is configured, or a test listens)."""
    provider = trace.get_tracer_provider()
    active = getattr(provider, "_active_span_processor", None)
    return bool(getattr(active, "_span_processors", ()))


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
        attributes={"messaging.system": "kafka", "messaging.consumer.group.name": consumer,
                    "cloudevents.event_id": envelope.id, "cloudevents.event_type": envelope.type},
    ) as span:
        yield span
