"""The fault suite's closing summary: one line per scenario with its outcome and recovery time.

Each line leaves with its test's report, so it reaches the terminal from an xdist worker too;
tests/conftest.py, which the controller loads as well, collects the lines and writes the summary."""

from __future__ import annotations

import pytest

from .fault_support import OUTCOMES


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    while OUTCOMES:
        report.user_properties.append(("fault scenario", OUTCOMES.pop(0)))
