"""A huge page number or an empty body is answered with a 4xx problem, never a 500.

The routes come from each service's OpenAPI document, so a new list route or a new POST/PUT route is
covered without anyone adding it here. Each is called by a role the permission table allows it.
"""

from __future__ import annotations

import importlib
import re
import uuid

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from siks_events.auth import REGIONAL_ROLES, Role
from siks_events.dci import DciRoute
from siks_events.permissions import PERMISSIONS, route_operations
from siks_events.pytest_plugin import serving
from siks_events.settings import SERVICES

VILLAGE = "3571011001"
HUGE = 10**12
PAGING = ("page", "size", "limit")
# National roles first: their region check passes, so the input itself is what gets judged.
ROLE_ORDER = (Role.MINISTRY, Role.SYSTEM, Role.AUDITOR, Role.DIRECTORATE_LKS, Role.DUKCAPIL, Role.BPJS,
              Role.DCI_PARTNER, Role.PROVINCE_OFFICE, Role.DISTRICT_OFFICE, Role.SUPERVISOR, Role.VILLAGE_OPERATOR,
              Role.ENUMERATOR, Role.LKS)
PATH_VALUES = {"nik": "3571011705809999", "region_code": VILLAGE, "regency_code": VILLAGE[:4], "period": "2026-11",
               "sha256": "0" * 64, "service": "child", "code": "SKT-0000-0000"}


def path_with_values(path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: PATH_VALUES.get(m.group(1), str(uuid.uuid4())), path)


def caller(app, local_issuer):
    operations = {(method.lower(), path): ops for method, path, ops in route_operations(app)}

    def headers(method: str, path: str) -> dict:
        ops = operations.get((method, path)) or frozenset()
        if not ops:  # public routes (self-check, letter verification) need no token
            return {}
        [operation] = ops
        role = next(r for r in ROLE_ORDER if r in PERMISSIONS[operation])
        region = VILLAGE if role in REGIONAL_ROLES else ""
        return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject='hostile')}"}

    return headers


def dci_paths(app) -> set[str]:
    """Routes of the DCI standard, which answer its own ERR acknowledgement instead of a problem."""
    return {c.path for c in iter_route_contexts(app.routes) if isinstance(c.original_route, DciRoute)}


def assert_problem(response: httpx.Response, where: str, *, dci: bool = False) -> None:
    assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if dci:
        assert response.json()["message"]["error"]["code"] == "err.request.bad", f"{where}: {response.text[:300]}"
        return
    assert response.headers["content-type"] == "application/problem+json", f"{where}: {response.text[:300]}"


@pytest.mark.parametrize("service", SERVICES)
async def test_a_huge_page_or_limit_and_an_empty_body_get_a_4xx_problem_on_every_route(
        service, service_settings, local_issuer, tmp_path):
    app = importlib.import_module(f"siks_{service}.main").create_app(
        service_settings(service, consumers_enabled=False, relay_enabled=False, blob_dir=tmp_path / "blobs"))
    headers = caller(app, local_issuer)
    paged = written = 0
    async with serving(app) as client:
        for path, item in app.openapi()["paths"].items():
            for method, operation in item.items():
                url = path_with_values(path)
                if method == "get":
                    for name in [p["name"] for p in operation.get("parameters", []) if p["name"] in PAGING]:
                        response = await client.get(url, params={name: HUGE}, headers=headers(method, path))
                        assert_problem(response, f"GET {path}?{name}={HUGE}")
                        if "{" not in path:  # nothing to look up first: the parameter itself is refused
                            assert response.status_code == 422
                            assert {"pointer": f"#/{name}"}.items() <= response.json()["errors"][0].items()
                        paged += 1
                if method in ("post", "put"):
                    response = await client.request(method, url, content=b"", headers={
                        "content-type": "application/json", **headers(method, path)})
                    assert_problem(response, f"{method.upper()} {path} with an empty body", dci=path in dci_paths(app))
                    written += 1
    assert written > 0
    if service in ("registry", "proposals", "integration"):
        assert paged > 0
