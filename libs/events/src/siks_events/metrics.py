"""Prometheus metrics every service exposes at /metrics.

One registry per process (prometheus_client's default, which also carries the process's CPU, memory
and file descriptors); every series names its service, so two services in one process (the tests)
stay apart. Counters count as things happen; gauges that describe state elsewhere (the relay's
backlog in the store, a consumer's lag behind the broker) are refreshed when /metrics is read.
No label ever holds a raw path or a NIK: HTTP series carry the route template.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable

import prometheus_client
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram

prometheus_client.disable_created_metrics()  # one `_created` series per counter doubles the output for nothing

CONTENT_TYPE = CONTENT_TYPE_LATEST

service_name: contextvars.ContextVar[str] = contextvars.ContextVar("siks_service", default="siks")
"""The service on whose behalf the current task works: set per request and per background loop."""

UNMATCHED_ROUTE = "(unmatched)"
"""The route label of a request no route answered (never its path: it may hold a NIK)."""

http_requests = Counter(
    "siks_http_requests", "HTTP requests answered, by route template and status.",
    ["service", "route", "method", "status"])
http_request_duration = Histogram(
    "siks_http_request_duration_seconds", "Time from a request's arrival to the end of its response.",
    ["service", "route", "method"])
http_requests_in_flight = Gauge(
    "siks_http_requests_in_flight", "HTTP requests being answered now (saturation of the event loop).", ["service"])
db_pool_connections = Gauge(
    "siks_db_pool_connections", "The service's database connections: in use, idle, and the pool's most.",
    ["service", "state"])
events_appended = Counter(
    "siks_events_appended", "Events committed to the service's event store, by type.", ["service", "type"])
relay_backlog = Gauge(
    "siks_relay_backlog_events", "Events stored but not yet published by the outbox relay.", ["service"])
relay_backlog_oldest = Gauge(
    "siks_relay_backlog_oldest_seconds", "Age of the oldest event stored but not yet published (0 when none).",
    ["service"])
relay_published = Gauge(
    "siks_relay_published_events", "Events the relay has published since its state was created.", ["service"])
consumer_lag = Gauge(
    "siks_consumer_lag_events",
    "Records a consumer group has not applied yet, per assigned partition (from the partition's last record).",
    ["service", "group", "topic", "partition"])
consumer_applied = Counter(
    "siks_consumer_events_applied", "Events a consumer applied (redeliveries it ignored not counted).",
    ["service", "group"])
dead_letters = Counter(
    "siks_dead_letters", "Records a consumer gave up on and dead-lettered, by source topic and reason code.",
    ["service", "topic", "reason"])
dead_letters_unreplayed = Gauge(
    "siks_dead_letters_unreplayed", "Dead letters recorded in the store and not replayed yet.",
    ["service", "topic", "reason"])
projection_lag = Gauge(
    "siks_projection_lag_events", "Events on the projection's source topic that it has not applied yet.",
    ["projection"])
projection_rebuild_progress = Gauge(
    "siks_projection_rebuild_progress_ratio", "Share of the log a rebuild set out to replay that it has applied "
    "(1 when no rebuild runs).", ["projection"])


def render() -> bytes:
    """Every series of this process in the Prometheus text format."""
    return prometheus_client.generate_latest(REGISTRY)


def count_appended(types: Iterable[str]) -> None:
    """Count committed events (call once their transaction has committed)."""
    service = service_name.get()
    for event_type in types:
        events_appended.labels(service, event_type).inc()


class LabelledGauges:
    """The label sets one owner last set on some gauges, so sets it no longer reports (a partition that went
    to another group member) disappear instead of staying at their last value."""

    def __init__(self) -> None:
        self._set: dict[Gauge, set[tuple[str, ...]]] = {}

    def publish(self, gauge: Gauge, values: dict[tuple[str, ...], float]) -> None:
        for labels, value in values.items():
            gauge.labels(*labels).set(value)
        for gone in self._set.get(gauge, set()) - values.keys():
            gauge.remove(*gone)
        self._set[gauge] = set(values)

    def forget(self) -> None:
        """Remove every label set this owner set (it stops: its last values would otherwise stay)."""
        for gauge in list(self._set):
            self.publish(gauge, {})
