"""Hooks for every suite under tests/. This file sits on `make test`'s paths, so the xdist controller
loads it too: it sees every test's report, wherever the test ran."""

from __future__ import annotations

import pytest

FAULT_SCENARIOS: list[str] = []
"""What tests/faults/conftest.py attached to its reports: one line per scenario run."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    FAULT_SCENARIOS.extend(line for name, line in report.user_properties if name == "fault scenario")


def pytest_terminal_summary(terminalreporter) -> None:
    if FAULT_SCENARIOS:
        terminalreporter.section("fault scenarios")
        for line in FAULT_SCENARIOS:
            terminalreporter.write_line(line)
