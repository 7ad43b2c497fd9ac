"""A test about to hit its timeout prints where each of its asyncio tasks waits.

pytest-timeout's report shows the threads' stacks, and of an event loop only that it polls: a task that
never stops (a cancellation swallowed inside a client library, a pool that never hands out a connection)
does not show there. Shortly before the timeout, a signal runs in the main thread, where the test's loop
runs, and prints every task's stack to stderr, which pytest shows with the failure.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

import pytest

WARNING_BEFORE = 30.0
"""Seconds before the timeout: time for the report to print before pytest-timeout ends the test."""


def _print_tasks(signum, frame) -> None:
    try:
        tasks = asyncio.all_tasks()  # the signal runs between two steps of the main thread, inside its loop
    except RuntimeError:  # no loop running: a test of plain functions, whose stack pytest-timeout shows
        return
    print(f"--- {len(tasks)} asyncio task(s) still running {WARNING_BEFORE:.0f} s before the timeout ---",
          file=sys.stderr)
    for task in tasks:
        task.print_stack(file=sys.stderr)


def _timeout_of(item: pytest.Item) -> float | None:
    marker = item.get_closest_marker("timeout")
    try:
        value = marker.args[0] if marker is not None and marker.args else item.config.getini("timeout")
        return float(value) if value else None
    except (ValueError, TypeError):  # no pytest-timeout, or a setting this does not read
        return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    timeout = _timeout_of(item)
    if timeout is None or timeout <= 2 * WARNING_BEFORE or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGUSR2, _print_tasks)
    timer = threading.Timer(timeout - WARNING_BEFORE, os.kill, (os.getpid(), signal.SIGUSR2))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR2, previous)
