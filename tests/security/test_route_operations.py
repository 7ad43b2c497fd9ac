"""Every route of every service declares its operation in the one permission table."""

from __future__ import annotations

import importlib

import pytest
from fastapi import FastAPI
from siks_events.auth import CurrentActor, Role
from siks_events.permissions import PERMISSIONS, Operation, allowed_to, exempt, route_operations
from siks_events.settings import Settings

SERVICES = ("registry", "proposals", "verification", "integration", "lks", "eligibility")


@pytest.fixture
def service_app(local_issuer, monkeypatch):
    monkeypatch.setenv("SIKS_SIMULATORS", "1")  # the partner stand-ins are routes too

    def build(service: str) -> FastAPI:
        settings = Settings(service=service, database_url="postgresql://nobody@127.0.0.1:1/none",
                            kafka_bootstrap_servers="127.0.0.1:1", auth_public_key_file=local_issuer.public_key_file)
        return importlib.import_module(f"siks_{service}.main").create_app(settings)

    return build


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_but_health_docs_and_public_ones_declares_an_operation(service_app, service):
    routes = list(route_operations(service_app(service)))
    undeclared = [f"{method} {path}" for method, path, operations in routes if not operations and not exempt(path)]
    assert undeclared == [], f"{service}: routes that declare no operation (use siks_events.permissions.allowed_to)"
    assert sum(1 for _, path, _ in routes if not exempt(path)) >= 5  # the enumeration does see the service's routes


def test_a_route_that_only_asks_for_a_token_is_found_undeclared():
    app = FastAPI()

    @app.get("/v1/things/{thing_id}")
    async def thing(thing_id: str, actor: CurrentActor) -> dict:
        return {}

    @app.get("/v1/others")
    async def others(actor: allowed_to(Operation.PERSON_READ)) -> dict:
        return {}

    found = {path: operations for _, path, operations in route_operations(app)}
    assert found["/v1/things/{thing_id}"] == frozenset()
    assert found["/v1/others"] == {Operation.PERSON_READ}


def test_every_operation_names_the_roles_allowed_to_perform_it():
    assert set(PERMISSIONS) == set(Operation)
    assert all(PERMISSIONS[operation] for operation in Operation)
    assert not any(Role.PUBLIC in roles for roles in PERMISSIONS.values())


def test_the_dukcapil_and_bpjs_accounts_may_call_only_their_own_endpoints():
    def operations_of(role: Role) -> set[Operation]:
        return {operation for operation, roles in PERMISSIONS.items() if role in roles}

    assert operations_of(Role.DUKCAPIL) == {Operation.DUKCAPIL_REPORT_SUBMIT, Operation.DUKCAPIL_REPORT_READ}
    assert operations_of(Role.BPJS) == {Operation.BPJS_NOTIFICATION_READ, Operation.SUBSCRIPTION_CREATE,
                                        Operation.SUBSCRIPTION_READ, Operation.DELIVERY_READ}
    assert operations_of(Role.DCI_PARTNER) == {Operation.SUBSCRIPTION_CREATE, Operation.SUBSCRIPTION_READ,
                                               Operation.DELIVERY_READ, Operation.DCI_SEARCH, Operation.DCI_SUBSCRIBE,
                                               Operation.DCI_NOTIFY, Operation.DCI_TXN_STATUS}


def test_every_role_the_issue_names_exists_and_old_tokens_keep_their_role():
    assert {role.value for role in Role} >= {
        "village_operator", "enumerator", "supervisor", "district_office", "province_office", "ministry",
        "directorate_lks", "lks", "dukcapil", "bpjs", "dci_partner", "auditor", "system"}
    assert Role.REGENCY_OFFICE is Role.DISTRICT_OFFICE and Role("district_office") is Role.REGENCY_OFFICE


@pytest.mark.parametrize("service", SERVICES)
async def test_metrics_and_health_are_public_like_healthz(service_app, service):
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    app = service_app(service)
    assert exempt("/metrics") and exempt("/healthz")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        assert (await client.get("/healthz")).status_code == 200
        answer = await client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    families = {family.name for family in text_string_to_metric_families(answer.text)}
    assert {"siks_http_requests", "siks_http_request_duration_seconds"} <= families
