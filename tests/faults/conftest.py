"""The fault suite's closing summary: one line per scenario with its outcome and recovery time."""

from __future__ import annotations

from .fault_support import OUTCOMES


def pytest_terminal_summary(terminalreporter) -> None:
    if OUTCOMES:
        terminalreporter.section("fault scenarios")
        for line in OUTCOMES:
            terminalreporter.write_line(line)
