"""`siks status`: each running service's health, relay backlog, consumer lag and dead letters, read from its
/readyz and /metrics (the numbers Prometheus scrapes, so the table and the dashboards agree)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass
class ServiceStatus:
    """One service as its endpoints describe it; `health` is ready, not-ready or down."""

    service: str
    url: str
    health: str
    checks: dict[str, str] = field(default_factory=dict)
    relay_backlog: int | None = None
    relay_backlog_oldest_seconds: float | None = None
    consumer_lag: dict[str, int] = field(default_factory=dict)
    """Per consumer group, the records not applied yet over all its partitions."""
    dead_letters: int | None = None
    """Dead letters recorded and not replayed."""
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


async def collect(urls: dict[str, str], timeout: float = 10.0, client: httpx.AsyncClient | None = None
                  ) -> list[ServiceStatus]:
    """The status of every service at its base URL, side by side."""
    async with httpx.AsyncClient(timeout=timeout) if client is None else contextlib.nullcontext(client) as http:
        return list(await asyncio.gather(*(_one(http, service, url) for service, url in urls.items())))


async def _one(client: httpx.AsyncClient, service: str, url: str) -> ServiceStatus:
    try:
        ready = await client.get(f"{url}/readyz")
        scraped = await client.get(f"{url}/metrics")
    except httpx.HTTPError as exc:
        return ServiceStatus(service, url, "down", error=repr(exc))
    body = ready.json() if ready.headers.get("content-type", "").startswith("application/json") else {}
    status = ServiceStatus(service, url, "ready" if ready.status_code == 200 else "not-ready",
                           checks=body.get("checks", {}))
    if scraped.status_code != 200:
        status.error = f"/metrics answered {scraped.status_code}"
        return status
    dead_letters = 0
    for family in text_string_to_metric_families(scraped.text):
        for sample in family.samples:
            if sample.labels.get("service", service) != service:
                continue  # another service sharing the process (tests)
            if sample.name == "siks_relay_backlog_events":
                status.relay_backlog = int(sample.value)
            elif sample.name == "siks_relay_backlog_oldest_seconds":
                status.relay_backlog_oldest_seconds = sample.value
            elif sample.name == "siks_consumer_lag_events":
                group = sample.labels["group"]
                status.consumer_lag[group] = status.consumer_lag.get(group, 0) + int(sample.value)
            elif sample.name == "siks_dead_letters_unreplayed":
                dead_letters += int(sample.value)
    status.dead_letters = dead_letters
    return status


def table(statuses: list[ServiceStatus]) -> list[str]:
    """The statuses as lines of a table, one per service, then one per consumer group."""
    lines = [f"{'service':<14}{'health':<11}{'relay backlog':>14}{'oldest (s)':>12}{'consumer lag':>14}"
             f"{'dead letters':>14}"]
    for s in statuses:
        lag = sum(s.consumer_lag.values()) if s.consumer_lag else None
        lines.append(f"{s.service:<14}{s.health:<11}{_number(s.relay_backlog):>14}"
                     f"{_number(s.relay_backlog_oldest_seconds, '.1f'):>12}{_number(lag):>14}"
                     f"{_number(s.dead_letters):>14}")
        for group, behind in sorted(s.consumer_lag.items()):
            lines.append(f"  {group:<51}{behind:>14}")
        for check, outcome in s.checks.items():
            if outcome != "ok":
                lines.append(f"  {check}: {outcome}")
        if s.error and s.health != "down":
            lines.append(f"  {s.error}")
    return lines


def _number(value: float | None, spec: str = "d") -> str:
    if value is None:
        return "-"
    return format(int(value) if spec == "d" else value, spec)
