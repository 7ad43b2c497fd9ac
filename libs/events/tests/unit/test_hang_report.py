"""A test about to time out prints where each of its asyncio tasks waits."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from siks_events import hang_report


async def test_the_signal_prints_the_stack_of_every_task_of_the_running_loop(capsys):
    stuck = asyncio.Event()

    async def waits_for_ever_in_a_named_function() -> None:
        await stuck.wait()

    task = asyncio.create_task(waits_for_ever_in_a_named_function())
    previous = signal.signal(signal.SIGUSR2, hang_report._print_tasks)
    try:
        await asyncio.sleep(0)  # the task starts waiting
        os.kill(os.getpid(), signal.SIGUSR2)
        await asyncio.sleep(0.05)  # the handler runs in this thread at its next step
    finally:
        signal.signal(signal.SIGUSR2, previous)
        task.cancel()
    printed = capsys.readouterr().err
    assert "asyncio task(s) still running 30 s before the timeout" in printed
    assert "waits_for_ever_in_a_named_function" in printed
    assert "await stuck.wait()" in printed


@pytest.mark.timeout(123)
def test_a_tests_own_timeout_mark_is_read_before_the_suites(request):
    assert hang_report._timeout_of(request.node) == 123.0


def test_the_suites_timeout_is_read_without_a_mark(request):
    assert hang_report._timeout_of(request.node) == float(request.config.getini("timeout"))
