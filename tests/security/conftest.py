"""Callers for tests that walk every route of a service: a token of a role the permission table allows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from siks_events.auth import REGIONAL_ROLES, Role
from siks_events.permissions import PERMISSIONS, route_operations

VILLAGE = "3571011001"  # Bandar Lor, Kota Kediri: where a regional caller works
# National roles first: their region check passes, so the input itself is what gets judged.
NATIONAL_FIRST = (Role.MINISTRY, Role.SYSTEM, Role.AUDITOR, Role.DIRECTORATE_LKS, Role.DUKCAPIL, Role.BPJS,
                  Role.DCI_PARTNER, Role.PROVINCE_OFFICE, Role.DISTRICT_OFFICE, Role.SUPERVISOR, Role.VILLAGE_OPERATOR,
                  Role.ENUMERATOR, Role.LKS)


@pytest.fixture
def allowed_caller(local_issuer) -> Callable:
    """For an app: a function of (method, path template) giving the headers of a caller allowed there.

    A route that declares no operation (health, whoami, the public ones) gets a ministry token, which the
    public routes ignore."""

    def for_app(app) -> Callable[[str, str], dict]:
        operations = {(method.lower(), path): ops for method, path, ops in route_operations(app)}

        def headers(method: str, path: str) -> dict:
            ops = operations.get((method.lower(), path)) or frozenset()
            role = Role.MINISTRY
            if ops:
                [operation] = ops
                role = next(r for r in NATIONAL_FIRST if r in PERMISSIONS[operation])
            region = VILLAGE if role in REGIONAL_ROLES else ""
            return {"Authorization": f"Bearer {local_issuer.issue(role=role, region=region, subject='allowed')}"}

        return headers

    return for_app
