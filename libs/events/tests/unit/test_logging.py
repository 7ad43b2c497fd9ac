"""Acceptance 6: a NIK never appears unmasked in a log line (the formatter here; real service logs in tests/logs)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from siks_events import telemetry

NIK = "3571014506880001"


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    telemetry.configure_logging("test", "INFO", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_siks", False):
            logging.getLogger().removeHandler(handler)


def test_a_nik_in_a_message_an_extra_field_and_a_url_is_masked(log_lines):
    log = logging.getLogger("siks.test")
    log.info("looked up %s", NIK)
    log.warning("lookup", extra={"nik": NIK, "path": f"/v1/persons/{NIK}"})
    try:
        raise ValueError(f"no person {NIK}")
    except ValueError:
        log.exception("failed")
    lines = log_lines()
    text = json.dumps(lines)
    assert NIK not in text
    assert lines[0]["event"] == "looked up 357101********01"
    assert lines[1]["nik"] == "357101********01"
    assert lines[1]["path"] == "/v1/persons/357101********01"
    assert "357101********01" in lines[2]["exception"]


def test_log_lines_are_json_with_service_level_and_time(log_lines):
    logging.getLogger("siks.test").info("hello")
    (line,) = log_lines()
    assert line["service"] == "test" and line["level"] == "info" and line["timestamp"].endswith("Z")


def test_longer_digit_runs_are_not_mistaken_for_a_nik():
    assert telemetry.mask_niks("account 12345678901234567890") == "account 12345678901234567890"
