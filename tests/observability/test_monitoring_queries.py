"""Issue 19, acceptance 3: every metric a Grafana panel or a PrometheusRule alert in deploy/k8s/monitoring
queries is one the services export on /metrics (a renamed metric would leave a panel empty and an alert
silent, with nobody told)."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from siks_events.settings import SERVICES, Settings

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "monitoring"

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPINGS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_FUNCTIONS = re.compile(r"\b[a-zA-Z_][a-zA-Z0-9_]*\s*\(")
_IDENTIFIERS = re.compile(r"(?<![\w$.])[a-zA-Z_:][a-zA-Z0-9_:]*")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right",
             "inf", "nan"}
_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count"),
             "gauge": ("",), "untyped": ("",), "info": ("_info",)}


def metric_names(expression: str) -> set[str]:
    """The metric names a PromQL expression selects (Grafana's `$variables` aside)."""
    text = _STRINGS.sub(" ", expression)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPINGS.sub(" ", text)
    text = _FUNCTIONS.sub(" (", text)
    return {name for name in _IDENTIFIERS.findall(text) if name.lower() not in _KEYWORDS}


def dashboard_expressions() -> dict[str, str]:
    found = {}

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            title = node.get("title", where)
            for key, value in node.items():
                if key == "expr" and isinstance(value, str) and value.strip():
                    found[f"{where}: {title}"] = value
                else:
                    walk(value, title if isinstance(title, str) else where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for path in sorted((MONITORING / "dashboards").glob("*.json")):
        walk(json.loads(path.read_text()), path.name)
    return found


def alert_expressions() -> dict[str, str]:
    found = {}
    for path in sorted(MONITORING.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if not document or document.get("kind") != "PrometheusRule":
                continue
            for group in document["spec"]["groups"]:
                for rule in group["rules"]:
                    found[f"{path.name}: {rule.get('alert') or rule.get('record')}"] = rule["expr"]
    return found


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, str]:
    """Every sample name the services' /metrics can carry, with its family's type: a family is declared (HELP,
    TYPE) from the start even where its first sample waits for a first event."""
    from siks_events.auth import LocalIssuer

    keys = LocalIssuer(tmp_path_factory.mktemp("keys")).ensure_keys()
    names: dict[str, str] = {}
    import asyncio

    async def scrape(service: str) -> str:
        settings = Settings(service=service, database_url="postgresql://nobody@127.0.0.1:1/none",
                            kafka_bootstrap_servers="127.0.0.1:1", auth_public_key_file=keys.public_key_file)
        app = importlib.import_module(f"siks_{service}.main").create_app(settings)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
            answer = await client.get("/metrics")
        assert answer.status_code == 200, service
        return answer.text

    for service in SERVICES:
        for family in text_string_to_metric_families(asyncio.run(scrape(service))):
            for suffix in _SUFFIXES.get(family.type, ("",)):
                names[family.name + suffix] = family.type
    return names


def test_the_monitoring_folder_has_dashboards_and_alerts():
    assert len(dashboard_expressions()) >= 10 and len(alert_expressions()) >= 5


@pytest.mark.parametrize("source", ["dashboards", "alerts"])
def test_every_metric_a_panel_or_an_alert_queries_is_exported(exported, source):
    expressions = dashboard_expressions() if source == "dashboards" else alert_expressions()
    missing = {where: sorted(metric_names(expr) - exported.keys()) for where, expr in expressions.items()}
    missing = {where: names for where, names in missing.items() if names}
    assert missing == {}, f"queried but exported by no service: {missing}"


def test_the_query_reader_finds_metrics_and_only_metrics():
    expression = ('histogram_quantile(0.99, sum by (service, le) (rate(siks_http_request_duration_seconds_bucket'
                  '{service=~"$service", route!="/metrics"}[$__rate_interval]))) > 2 and on(service) '
                  'delta(siks_consumer_lag_events[15m]) > 0 unless absent(up{job="x"})')
    assert metric_names(expression) == {"siks_http_request_duration_seconds_bucket", "siks_consumer_lag_events", "up"}
