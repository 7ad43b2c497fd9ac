"""Schemathesis against each service's own OpenAPI document, in process on the real database.

Every operation the document lists is called with requests generated from its schema (a bounded
number, the same ones every run) by a caller the permission table allows, so a new route is fuzzed
without anyone adding it here. No answer may be a 5xx or break the schema the document gives for it,
and a request the schema calls valid may not be refused as malformed: the schema states the
constraints the handler enforces.
"""

from __future__ import annotations

import importlib

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, configuration, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance
from siks_events.settings import SERVICES

EXAMPLES = 20
"""Generated requests per operation and mode (about 100 operations: the whole test stays well under a minute)."""


class SchemaNarrowerThanHandler(Failure):
    """A request the schema accepts was refused as malformed: the schema omits a constraint the handler has."""

    def __init__(self, *, operation: str, message: str) -> None:
        self.operation = operation
        self.title = "The schema accepts what the handler refuses"
        self.message = message
        self.code = "schema_narrower_than_handler"
        self.case_id = None
        self.severity = None

    @property
    def _unique_key(self) -> str:
        return self.message


def schema_states_what_the_handler_checks(ctx, response, case) -> None:
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and response.status_code == 422 and b"validation-error" in response.content:
        raise SchemaNarrowerThanHandler(operation=case.operation.label, message=response.content.decode()[:500])


@pytest.fixture
def hypothesis_home(tmp_path):
    """Hypothesis keeps a cache of the constants it finds in the code; outside the work tree."""
    configuration.set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    configuration.set_hypothesis_home_dir(None)


CHECKS = [not_a_server_error, response_schema_conformance, schema_states_what_the_handler_checks]


def fuzz(operation, client, headers: dict, mode: GenerationMode) -> None:
    """Call one operation with generated requests; raise the first failure, shrunk to a small example."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    def called(case) -> None:
        case.validate_response(case.call(session=client, headers=headers), checks=CHECKS)

    called()


@pytest.mark.parametrize("service", SERVICES)
def test_generated_requests_get_no_server_error_and_every_answer_keeps_to_its_schema(
        service, service_settings, allowed_caller, hypothesis_home, tmp_path):
    app = importlib.import_module(f"siks_{service}.main").create_app(
        service_settings(service, consumers_enabled=False, relay_enabled=False, blob_dir=tmp_path / "blobs"))
    headers_for = allowed_caller(app)
    failures: list[str] = []
    operations = 0
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        with asgi.get_client(app) as client:
            for result in schema.get_all_operations():
                operation = result.ok()
                headers = headers_for(operation.method, operation.path)
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    try:
                        fuzz(operation, client, headers, mode)
                    except Unsatisfiable:  # an operation without parameters or body has no invalid request
                        assert mode is GenerationMode.NEGATIVE, operation.label
                    except (FailureGroup, Exception) as failure:  # noqa: BLE001 - checks' failures, or the app's exception
                        failures.append(f"{operation.label} ({mode.value}): {type(failure).__name__}: {failure}")
                operations += 1
    finally:
        asgi.shutdown_lifespans()
    assert operations >= 5
    assert not failures, "\n\n".join(failures)
