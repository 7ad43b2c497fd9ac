"""A pytest plugin that reads every log line the test suite writes for an unmasked NIK (issue 17, acceptance 7).

Three places are read:
- every log record, rendered by the services' own JSON formatter (a root handler for the whole session);
- what each test's process writes to stdout and stderr (pytest's captured output: prints, records a handler
  wrote raw, child processes that inherit the descriptors);
- at the end of the session, every `*.log` file under the session's temporary directory: the embedded
  PostgreSQL servers, the broker, and the services that `siks run` started as processes. Under xdist
  the controller's temporary directory holds each worker's, and it reads them once the workers stopped.

A test whose records or output show a 16-digit run fails, naming the line with the run masked; a leak in a
log file fails the session. With capture off (`-s`) the second place is not seen.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from siks_events import telemetry

UNMASKED_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
"""A run of exactly 16 digits (a NIK or a KK number), what the services' masking never lets through."""
SHOWN = 20


def leaking_lines(text: str) -> list[str]:
    """The lines of `text` that show a 16-digit run, with the run masked for the report."""
    return [telemetry.mask_niks(line)[:300] for line in text.splitlines() if UNMASKED_NIK.search(line)]


class _Rendered(logging.Handler):
    """Renders each record as the services do and keeps the lines that leak, until the running test takes them."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(telemetry.json_formatter("test-suite"))
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - a record that cannot be rendered is not written either
            return
        self.leaks += leaking_lines(line)

    def take(self) -> list[str]:
        leaks, self.leaks = self.leaks, []
        return leaks


class LogWatch:
    def __init__(self) -> None:
        self.records = _Rendered()
        self.file_leaks: list[str] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        written = "\n".join(text for title, text in report.sections
                            if title.startswith(("Captured stdout", "Captured stderr")) and title.endswith(call.when))
        leaks = self.records.take() + leaking_lines(written)
        # The report is written too (a terminal, a CI log): it shows what was captured, masked. pytest's own
        # rendering of raw records ("Captured log") is masked as well; the services' rendering is checked above.
        report.sections = [(title, telemetry.mask_niks(text)) for title, text in report.sections]
        if leaks and not report.failed:
            report.outcome = "failed"
            report.longrepr = (f"{item.nodeid} wrote {len(leaks)} log line(s) with an unmasked NIK ({call.when});"
                               " the 16-digit runs are masked here:\n" + "\n".join(leaks[:SHOWN]))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        factory = getattr(session.config, "_tmp_path_factory", None)
        if factory is None:
            return
        for log in sorted(Path(factory.getbasetemp()).rglob("*.log")):
            if log.is_file():
                self.file_leaks += [f"{log}: {line}" for line in leaking_lines(log.read_text(errors="replace"))]
        if self.file_leaks:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.file_leaks:
            terminalreporter.section("unmasked NIKs in log files", red=True)
            for line in self.file_leaks[:SHOWN]:
                terminalreporter.line(line)


def pytest_configure(config: pytest.Config) -> None:
    watch = LogWatch()
    logging.getLogger().addHandler(watch.records)
    config.pluginmanager.register(watch, "siks-log-watch")


def pytest_unconfigure(config: pytest.Config) -> None:
    watch = config.pluginmanager.get_plugin("siks-log-watch")
    if watch is not None:
        logging.getLogger().removeHandler(watch.records)
