"""Issue 19, acceptance 2: every service's /metrics parses as Prometheus text and has the named series; consumer
lag rises while a consumer is held up and returns to zero after, counted in records on the embedded broker."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from prometheus_client.parser import text_string_to_metric_families
from siks_events.auth import Role
from siks_events.pytest_plugin import eventually as until
from siks_events.pytest_plugin import serving
from siks_events.settings import SERVICES

from .conftest import eventually
from .test_death_report_flow import WIFE, death, known_to_integration, publish_inbound, register_family

EVERY_SERVICE = {
    "siks_http_requests_total", "siks_http_request_duration_seconds_count", "siks_relay_backlog_events",
    "siks_relay_backlog_oldest_seconds", "siks_events_appended_total", "siks_http_requests_in_flight",
    "siks_db_pool_connections",
}
CONSUMING = {"siks_consumer_lag_events"}
OWN = {
    "registry": {"siks_deaths_applied_total", "siks_persons_deactivated_total", "siks_death_report_delay_seconds_count"},
    "proposals": {"siks_proposals"},
    "integration": {"siks_deliveries_failed_total", "siks_dead_letters_total"},
    # its projection's faust group is no ConsumerDefinition, yet its lag is there for `siks status`
    "eligibility": {"siks_projection_lag_events", "siks_projection_rebuild_progress_ratio", "siks_consumer_lag_events"},
}
# named by the contract but empty until something happens: their families must still be declared
DECLARED = {"siks_dead_letters"}
GROUP = "integration.siks-events"


def parse(text: str, service: str) -> tuple[set[str], dict[str, list]]:
    """The family names, and the samples of `service` (or of no service) by name."""
    families, samples = set(), {}
    for family in text_string_to_metric_families(text):
        families.add(family.name)
        for sample in family.samples:
            if sample.labels.get("service", service) == service:
                samples.setdefault(sample.name, []).append(sample)
    return families, samples


@pytest.fixture
async def every_service(service_settings, monkeypatch):
    import importlib

    monkeypatch.setenv("SIKS_DELIVERY_POLL_SECONDS", "0.1")
    monkeypatch.setenv("SIKS_BPJS_URL", "http://127.0.0.1:9/unreachable")  # every delivery fails: counted
    apps = {name: importlib.import_module(f"siks_{name}.main").create_app(service_settings(name))
            for name in SERVICES}
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            clients[name] = await stack.enter_async_context(serving(app))
            clients[name].app = app
        yield clients


def counted(text: str, service: str) -> dict[tuple, float]:
    """Each sample's value by name and labels: counters are the process's, so a test looks at what it added."""
    _, samples = parse(text, service)
    return {(name, tuple(sorted(s.labels.items()))): s.value for name, found in samples.items() for s in found}


def added(before: dict[tuple, float], after: dict[tuple, float], name: str, **labels: str) -> float:
    return sum(value - before.get(key, 0.0) for key, value in after.items()
               if key[0] == name and all(dict(key[1]).get(k) == v for k, v in labels.items()))


async def test_every_service_serves_the_named_series(every_service, tokens):
    registry, integration = every_service["registry"], every_service["integration"]
    prefix = integration.app.state.settings.topic_prefix
    before = counted((await registry.get("/metrics")).text, "registry")
    await register_family(registry, tokens, [{"nik": WIFE["nik"], "program": "PBI_JK", "start_date": "2025-01-01"}])
    await known_to_integration(integration, tokens, WIFE)
    await integration.post("/v1/dukcapil/death-reports", json=death(WIFE, "KM-0900"), headers=tokens(Role.DUKCAPIL))
    await publish_inbound(integration, None, raw=b"not a cloudevent")
    await registry.get(f"/v1/persons/{WIFE['nik']}", headers=tokens(Role.MINISTRY))
    for client in every_service.values():  # a request in every service
        await client.get("/v1/whoami", headers=tokens(Role.MINISTRY))

    async def death_applied():
        after = counted((await registry.get("/metrics")).text, "registry")
        return after if added(before, after, "siks_deaths_applied_total") == 1 else None

    after = await eventually(death_applied, what="the registry to count the death")

    async def delivery_failed():
        _, samples = parse((await integration.get("/metrics")).text, "integration")
        letters = [s for s in samples.get("siks_dead_letters_total", []) if s.labels["topic"].startswith(prefix)]
        return letters if samples["siks_deliveries_failed_total"][0].value >= 1 and letters else None

    (letter,) = await eventually(delivery_failed, what="a failed BPJS delivery and the dead letter to be counted")
    assert letter.labels["topic"] == prefix + "dukcapil.civil-events" and letter.labels["reason"] == "malformed"
    assert letter.value == 1
    eligibility = every_service["eligibility"]

    async def projection_served():  # its worker starts the first projection version on its own time
        _, samples = parse((await eligibility.get("/metrics")).text, "eligibility")
        return OWN["eligibility"] <= set(samples)

    await eventually(projection_served, what="eligibility's first projection version and its series")
    for name, client in every_service.items():
        answer = await client.get("/metrics")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
        families, samples = parse(answer.text, name)
        consuming = client.app.state.runtime.definition.consumers
        wanted = EVERY_SERVICE | (CONSUMING if consuming else set()) | OWN.get(name, set())
        if name not in ("registry", "integration"):
            wanted -= {"siks_events_appended_total"}  # nothing was recorded there in this test
        assert wanted <= set(samples), f"{name} lacks {sorted(wanted - set(samples))}"
        assert families >= DECLARED
        assert samples["siks_relay_backlog_events"][0].value >= 0
    assert added(before, after, "siks_events_appended_total", type="siks.registry.member-deceased.v1") == 1
    assert added(before, after, "siks_events_appended_total", type="siks.registry.household-registered.v1") == 1
    assert added(before, after, "siks_persons_deactivated_total", reason="deceased") == 1
    assert added(before, after, "siks_persons_deactivated_total", reason="moved_out") == 0
    assert added(before, after, "siks_death_report_delay_seconds_count") == 1
    routes = {dict(labels)["route"] for name, labels in after if name == "siks_http_requests_total"}
    assert "/v1/persons/{nik}" in routes and not any(WIFE["nik"] in route for route in routes)


async def lag_of(client, service: str, group: str) -> dict[str, int]:
    """The group's lag per topic:partition, as /metrics shows it."""
    _, samples = parse((await client.get("/metrics")).text, service)
    group = client.app.state.settings.topic_prefix + group
    return {f"{s.labels['topic']}:{s.labels['partition']}": int(s.value)
            for s in samples.get("siks_consumer_lag_events", []) if s.labels["group"] == group}


async def test_consumer_lag_rises_while_a_consumer_is_held_up_and_returns_to_zero(services, tokens):
    registry, integration = services
    await register_family(registry, tokens)
    await known_to_integration(integration, tokens, WIFE)
    await until(lambda: lag_of(integration, "integration", GROUP), lambda lag: bool(lag) and not any(lag.values()), timeout=90)

    # Hold the integration service's consumers up by holding every connection of its pool. (A lock on its
    # inbox would do too, but an exclusive lock takes a transaction id, and while a transaction id is open
    # no relay of the database publishes: the events would never reach the broker.)
    pool = integration.app.state.runtime.pool
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    try:
        before = await _stored(registry)
        await asyncio.gather(*(register_other(registry, tokens, i) for i in range(12)))
        published = await _stored(registry) - before

        # Every record counts, though the relay hands several to the broker in one batch per partition.
        await until(lambda: lag_of(integration, "integration", GROUP), lambda lag: sum(lag.values()) == published,
                    timeout=90)
    finally:
        for connection in held:
            await pool.release(connection)
    await until(lambda: lag_of(integration, "integration", GROUP), lambda lag: bool(lag) and not any(lag.values()), timeout=90)


async def _stored(registry) -> int:
    runtime = registry.app.state.runtime
    return await runtime.pool.fetchval("SELECT count(*) FROM events")


async def register_other(registry, tokens, i: int) -> None:
    nik = f"3571011505900{i + 1:03d}"
    response = await registry.post(
        "/v1/households", headers=tokens(Role.VILLAGE_OPERATOR, "3571011001"),
        json={"kk_number": f"357101010109{i + 101:04d}", "region_code": "3571011001", "address": f"Jl. Kenari {i}",
              "members": [{"nik": nik, "full_name": f"Warga {i}", "sex": "male", "birth_date": "1990-05-15",
                           "relationship": "head"}],
              "programs": [{"nik": nik, "program": "PKH", "start_date": "2026-01-01"}]})
    assert response.status_code == 201, response.text
