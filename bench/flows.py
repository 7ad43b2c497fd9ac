"""Benchmark of whole flows through the running system, on demand (never in CI).

    .venv/bin/python bench/flows.py [--rate 200] [--seconds 60] [--households 6000]
                                    [--search-rates 10,25,50,100,150,200] [--search-seconds 10] [--no-search]
                                    [--in-flight 64] [--lookup-seconds 15] [--concurrency 32] [--keep]

Starts `siks run` as real processes in a temporary SIKS_HOME (ports shifted by SIKS_PORT_OFFSET),
loads generated households with `siks-registry generate` + `siks-registry import`, waits until the
integration service's copy of DTKS has caught up and the stack is idle, runs the lookups, the
search and the steady load in that order (settling in between), then prints one table
(bench/README.md explains every column):
- death reports under a steady offered load: an open-loop generator POSTs
  `/v1/dukcapil/death-reports` at fixed times (never waiting for an answer before the next send);
  latency from the 202 answer to the person's deactivation in the registry (the
  `siks.registry.member-deceased.v1` event's recorded_at), also from the scheduled send; the
  achieved accept rate; CPU per report of every process;
- the highest load held with p99 under one second: short runs at rising rates until one fails (skip
  with --no-search);
- person lookup by NIK: `GET /v1/persons/{nik}` on the registry vs the same query straight to
  PostgreSQL, both at the same concurrency;
- memory (RSS, PSS) of every process of the stack after the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import psutil
from siks_events.auth import LocalIssuer, Role
from siks_events.settings import DEFAULT_PORTS

BIN = Path(sys.executable).parent
DECEASED = "siks.registry.member-deceased.v1"
PERSON_SQL = "SELECT * FROM persons WHERE nik = $1 ORDER BY (status = 'active') DESC, updated_at DESC LIMIT 1"
# the same statement the registry's GET /v1/persons/{nik} runs (siks_registry.application.queries.person)


def say(text: str = "") -> None:
    print(text, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


# ---------------------------------------------------------------------------------------------- the stack

def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_offset(start: int) -> int:
    for offset in range(start, start + 3000, 100):
        ports = [p + offset for p in DEFAULT_PORTS.values()] + [55432 + offset, 19092 + offset]
        if all(_port_free(p) for p in ports):
            return offset
    raise RuntimeError("no free port offset")


class SiksRun:
    """`siks run` as a real process (its own session), in a temporary SIKS_HOME."""

    def __init__(self, home: Path, offset: int) -> None:
        self.home, self.offset = home, offset
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"}}
        env.update(SIKS_HOME=str(home), SIKS_PORT_OFFSET=str(offset), PYTHONUNBUFFERED="1")
        self.env = env
        home.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, "-m", "siks_events.cli", "run"], cwd=home, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not any("is ready" in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("siks run did not become ready:\n" + "\n".join(self.lines[-40:]))
            time.sleep(0.3)

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{55432 + self.offset}/siks"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{DEFAULT_PORTS[service] + self.offset}"

    def pids(self) -> dict[str, int]:
        return {f.stem: int(f.read_text()) for f in sorted((self.home / "run").glob("*.pid"))}

    def restarts(self) -> list[str]:
        return [line for line in self.lines if "restart" in line]

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)  # what Ctrl-C does
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def process_tree(pid: int) -> list[psutil.Process]:
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    return []


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU (user + system) used so far by each process and its children (PostgreSQL's backends)."""
    used = {}
    for name, pid in pids.items():
        total = 0.0
        for process in process_tree(pid):
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        used[name] = total
    return used


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0.0) for name in after}


def load_data(stack: SiksRun, households: int, workdir: Path) -> tuple[float, str]:
    data = workdir / "data"
    subprocess.run([str(BIN / "siks-registry"), "generate", str(data), "--households", str(households),
                    "--islands", "DTKS", "--overlap", "0", "--seed", "14"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "siks-registry"), "import", str(data / "DTKS.csv"), "--report",
                           str(data / "import-report.json")], env={**stack.env, "DATABASE_URL": stack.database_url},
                          check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = [line for line in done.stdout.splitlines() if "households imported" in line]
    return time.perf_counter() - started, " ".join(said[-1].split()) if said else done.stdout.strip()[-200:]


async def wait_for_copy(connection: asyncpg.Connection, timeout: float = 600) -> float:
    """Until the integration service's DTKS copy holds every registry person (so no report is `pending`)."""
    started = time.perf_counter()
    persons = await connection.fetchval("SELECT count(*) FROM registry.persons")
    while True:
        copied = await connection.fetchval("SELECT count(*) FROM integration.dtks_memberships")
        if copied >= persons:
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"the DTKS copy has {copied} of {persons} persons after {timeout} s")
        await asyncio.sleep(0.5)


async def settle(stack: SiksRun, busy: float = 0.25, quiet_for: int = 3, timeout: float = 180) -> str:
    """Wait until the whole stack uses under `busy` cores for `quiet_for` seconds in a row (outbound
    deliveries, relays and consumers done with the previous run's backlog); say what it used then."""
    started, quiet = time.perf_counter(), 0
    pids = stack.pids()
    before = cpu_seconds(pids)
    while time.perf_counter() - started < timeout:
        await asyncio.sleep(1.0)
        now = cpu_seconds(pids)
        used = cpu_delta(before, now)
        before = now
        quiet = quiet + 1 if sum(used.values()) < busy else 0
        if quiet >= quiet_for:
            break
    idle = ", ".join(f"{k} {v:.2f}" for k, v in used.items() if v >= 0.01)
    return f"settled after {time.perf_counter() - started:.0f} s; cores used in the last second: {idle or 'none'}"


# ---------------------------------------------------------------------------------------------- death flow

@dataclass
class Sent:
    nik: str
    scheduled: float  # wall clock, when the open-loop schedule meant to send it
    sent: float = math.nan
    answered: float = math.nan  # wall clock of the 202
    status: int = 0
    report_status: str = ""
    error: str = ""


@dataclass
class FlowResult:
    rate: float
    seconds: float
    sent: list[Sent]
    applied: dict[str, float] = field(default_factory=dict)  # nik -> deactivation (recorded_at, epoch s)
    cpu: dict[str, float] = field(default_factory=dict)
    drained_in: float = math.nan

    @property
    def accepted(self) -> list[Sent]:
        return [s for s in self.sent if s.status == 202]

    @property
    def accept_rate(self) -> float:
        accepted = self.accepted
        if len(accepted) < 2:
            return 0.0
        return len(accepted) / (max(s.answered for s in accepted) - min(s.scheduled for s in self.sent))

    @property
    def send_lag(self) -> float:
        """How late requests went on the wire: waiting for one of the in-flight slots (the service is
        behind) or the generator's own loop starved of CPU. p99 of sent - scheduled."""
        return percentile([s.sent - s.scheduled for s in self.sent if not math.isnan(s.sent)], 99)

    def latencies(self, since: str = "answered") -> list[float]:
        return [self.applied[s.nik] - getattr(s, since) for s in self.accepted if s.nik in self.applied]

    @property
    def missing(self) -> int:
        return sum(1 for s in self.accepted if s.nik not in self.applied)

    def held(self, p99_limit: float = 1.0) -> bool:
        return (self.missing == 0 and len(self.accepted) == len(self.sent)
                and self.accept_rate >= 0.9 * self.rate and percentile(self.latencies(), 99) < p99_limit)


async def death_flow(stack: SiksRun, db: asyncpg.Connection, people: list[tuple[str, str]], rate: float,
                     seconds: float, token: str, drain_timeout: float, grace: float = 30,
                     drain_max: float = 300, in_flight: int = 64) -> FlowResult:
    """Offer `rate` death reports per second for `seconds`, open loop; wait until all are applied."""
    count = int(rate * seconds)
    batch, people[:] = people[:count], people[count:]
    if len(batch) < count:
        raise RuntimeError(f"only {len(batch)} living persons left for {count} reports: load more households")
    loop = asyncio.get_running_loop()
    wall = time.time() - loop.time()  # loop clock -> wall clock (PostgreSQL's recorded_at is wall clock)
    start = loop.time() + 0.5
    sent = [Sent(nik, wall + start + i / rate) for i, (nik, _) in enumerate(batch)]
    headers = {"Authorization": f"Bearer {token}"}
    # At most `in_flight` requests on the wire (httpx's pool rescans every waiting request on each change:
    # thousands queued inside it starve this process). The rest wait here, in schedule order; that wait
    # is in the latency from the scheduled send, as an open-loop client must count it.
    gate = asyncio.Semaphore(in_flight)
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    pids = stack.pids()
    cpu_before = cpu_seconds(pids)

    async def send(client: httpx.AsyncClient, record: Sent, name: str, i: int) -> None:
        report = {"nik": record.nik, "name": name, "died_on": "2026-10-02", "place_of_death": "Kediri",
                  "certificate_number": f"KM-BENCH-{record.nik}", "reporting_office": "Disdukcapil Kota Kediri"}
        async with gate:
            record.sent = time.time()
            try:
                response = await client.post("/v1/dukcapil/death-reports", json=report, headers=headers)
            except httpx.HTTPError as exc:
                record.error = type(exc).__name__
                return
        record.answered, record.status = time.time(), response.status_code
        if response.status_code == 202:
            record.report_status = response.json()["status"]
        else:
            record.error = response.text[:200]

    async with httpx.AsyncClient(base_url=stack.url("integration"), limits=limits,
                                 timeout=httpx.Timeout(60, pool=None)) as client:
        tasks = []
        for i, (record, (_, name)) in enumerate(zip(sent, batch, strict=True)):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(client, record, name, i)))
        _, late = await asyncio.wait(tasks, timeout=grace)
        for task in late:  # still queued or unanswered `grace` s after the schedule ended: not accepted
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for record in sent:
            if record.status == 0 and not record.error:
                record.error = f"no answer within {grace:g} s after the last scheduled send"
    result = FlowResult(rate, seconds, sent)
    waiting = {s.nik for s in result.accepted}
    drain_started = time.perf_counter()
    last_progress = drain_started
    since = min(s.scheduled for s in sent) - 5
    while (waiting and time.perf_counter() - last_progress < drain_timeout
           and time.perf_counter() - drain_started < drain_max):
        rows = await db.fetch(f"SELECT subject, extract(epoch FROM recorded_at)::float8 AS at FROM registry.events"
                              f" WHERE type = '{DECEASED}' AND recorded_at >= to_timestamp($1)", since)
        for row in rows:
            if row["subject"] in waiting:
                result.applied[row["subject"]] = row["at"]
                waiting.discard(row["subject"])
                last_progress = time.perf_counter()
        if waiting:
            await asyncio.sleep(1.0)
    result.drained_in = time.perf_counter() - drain_started
    result.cpu = cpu_delta(cpu_before, cpu_seconds(pids))
    return result


def describe_flow(result: FlowResult) -> None:
    lat, from_schedule = result.latencies("answered"), result.latencies("scheduled")
    accepted = result.accepted
    answers = {}
    for s in accepted:
        answers[s.report_status] = answers.get(s.report_status, 0) + 1
    failed: dict[str, int] = {}
    for s in result.sent:
        if s.status != 202:
            kind = "no answer in time" if s.error.startswith("no answer") else f"{s.status or ''} {s.error[:60]}"
            failed[kind.strip()] = failed.get(kind.strip(), 0) + 1
    say(f"  offered {result.rate:g}/s for {result.seconds:g} s = {len(result.sent)} reports; accepted (202) "
        f"{len(accepted)} at {result.accept_rate:,.1f}/s; answers {answers}; not accepted {failed or 0}")
    say(f"  accept -> deactivated:  p50 {ms(percentile(lat, 50))}  p95 {ms(percentile(lat, 95))}  "
        f"p99 {ms(percentile(lat, 99))}  max {ms(max(lat, default=math.nan))}")
    say(f"  scheduled send -> deactivated: p50 {ms(percentile(from_schedule, 50))}  "
        f"p99 {ms(percentile(from_schedule, 99))}  max {ms(max(from_schedule, default=math.nan))}")
    http = [s.answered - s.sent for s in accepted]
    say(f"  HTTP answer time: p50 {ms(percentile(http, 50))}  p99 {ms(percentile(http, 99))}; send lag "
        f"p99 {ms(result.send_lag)}; not applied {result.missing}; drain after last answer {result.drained_in:.1f} s")
    if accepted:
        per = {k: v / len(accepted) * 1000 for k, v in result.cpu.items() if v > 0.05}
        say("  CPU per accepted report: " + ", ".join(f"{k} {v:.1f} ms" for k, v in sorted(per.items(),
            key=lambda kv: -kv[1])) + f"; total {sum(per.values()):.1f} ms")


# ---------------------------------------------------------------------------------------------- lookups

@dataclass
class LookupResult:
    name: str
    latencies: list[float]
    seconds: float
    errors: int
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


async def closed_loop(name: str, concurrency: int, seconds: float, one) -> LookupResult:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                ok = await one()
            except Exception:  # noqa: BLE001 - counted, the bench keeps going
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LookupResult(name, latencies, time.perf_counter() - started, errors)


async def lookups(stack: SiksRun, niks: list[str], token: str, concurrency: int,
                  seconds: float) -> tuple[LookupResult, LookupResult]:
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {token}"}
    pids = stack.pids()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=stack.url("registry"), limits=limits, timeout=30) as client:
        async def api() -> bool:
            response = await client.get(f"/v1/persons/{rng.choice(niks)}", headers=headers)
            return response.status_code == 200

        await closed_loop("warm-up", concurrency, 2, api)
        before = cpu_seconds(pids)
        ours = await closed_loop("API", concurrency, seconds, api)
        ours.cpu = cpu_delta(before, cpu_seconds(pids))

    for attempt in range(5):
        try:
            pool = await asyncpg.create_pool(stack.database_url, min_size=concurrency, max_size=concurrency,
                                             server_settings={"search_path": "registry"})
            break
        except OSError:  # once seen refused on a loaded machine; PostgreSQL itself was up
            if attempt == 4:
                raise
            await asyncio.sleep(1)
    try:
        async def raw() -> bool:
            return await pool.fetchrow(PERSON_SQL, rng.choice(niks)) is not None

        await closed_loop("warm-up", concurrency, 2, raw)
        before = cpu_seconds(pids)
        direct = await closed_loop("raw", concurrency, seconds, raw)
        direct.cpu = cpu_delta(before, cpu_seconds(pids))
    finally:
        await pool.close()
    return ours, direct


# ---------------------------------------------------------------------------------------------- memory

def memory(stack: SiksRun) -> list[tuple[str, int, float, float, int]]:
    """(name, pid, RSS MiB, PSS MiB, processes) of each supervised process; PostgreSQL with its backends."""
    rows = []
    for name, pid in stack.pids().items():
        tree = process_tree(pid) if name == "postgres" else process_tree(pid)[:1]
        rss = pss = 0.0
        for process in tree:
            with contextlib.suppress(psutil.Error):
                info = process.memory_full_info()
                rss += info.rss / 2**20
                pss += getattr(info, "pss", info.rss) / 2**20
        rows.append((name, pid, rss, pss, len(tree)))
    return rows


# ---------------------------------------------------------------------------------------------- main

def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    ram = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} CPUs ({model}), {ram:.1f} GiB RAM, Python {platform.python_version()}"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


async def bench(args: argparse.Namespace, stack: SiksRun, workdir: Path) -> None:
    issuer = LocalIssuer(stack.home / "keys")
    dukcapil = issuer.issue(role=Role.DUKCAPIL, subject="dukcapil-bench", ttl=6 * 3600)
    ministry = issuer.issue(role=Role.MINISTRY, subject="bench-reader", ttl=6 * 3600)
    say(f"importing {args.households:,} generated households ...")
    took, line = await asyncio.to_thread(load_data, stack, args.households, workdir)
    say(f"  {line} ({took:.1f} s)")
    db = await asyncpg.connect(stack.database_url)
    try:
        caught_up = await wait_for_copy(db)
        events = await db.fetchval("SELECT count(*) FROM registry.events")
        say(f"  the integration service's DTKS copy caught up {caught_up:.1f} s after the import "
            f"({events:,} registry events, {events / (took + caught_up):,.0f}/s from the import's start)")
        rows = await db.fetch("SELECT nik, full_name FROM registry.persons WHERE status = 'active' ORDER BY nik")
        people = [(r["nik"], r["full_name"]) for r in rows]
        random.Random(14).shuffle(people)
        lookup_niks = [nik for nik, _ in people[-5000:]]  # never reported dead: the lookups read living people
        people = people[:-5000] if len(people) > 10000 else people
        say(f"  {len(people):,} living persons to report dead; {load()}")

        say(f"  {await settle(stack)}")
        say(f"\nperson lookup by NIK at concurrency {args.concurrency} for {args.lookup_seconds:g} s ({load()}) ...")
        ours, raw = await lookups(stack, lookup_niks, ministry, args.concurrency, args.lookup_seconds)
        say(f"  API {ours.rate:,.0f}/s, raw {raw.rate:,.0f}/s")

        flow_rows: list[tuple[str, FlowResult]] = []
        steps: list[FlowResult] = []
        if not args.no_search:
            for rate in args.search_rates:
                say(f"  {await settle(stack)}")
                say(f"\nsearch: {rate:g}/s for {args.search_seconds:g} s ({load()}) ...")
                step = await death_flow(stack, db, people, rate, args.search_seconds, dukcapil,
                                 args.drain_timeout, in_flight=args.in_flight)
                describe_flow(step)
                steps.append(step)
                flow_rows.append((f"{rate:g}/s x {args.search_seconds:g} s", step))
                if not step.held():
                    break
            held = [s.rate for s in steps if s.held()]
            if held and not steps[-1].held() and args.refine:  # one step between the last held and the failed
                rate = round((max(held) + steps[-1].rate) / 2 / 5) * 5
                if rate not in {s.rate for s in steps}:
                    say(f"  {await settle(stack)}")
                    say(f"\nsearch: {rate:g}/s for {args.search_seconds:g} s ({load()}) ...")
                    step = await death_flow(stack, db, people, rate, args.search_seconds, dukcapil,
                                 args.drain_timeout, in_flight=args.in_flight)
                    describe_flow(step)
                    steps.append(step)
                    flow_rows.append((f"{rate:g}/s x {args.search_seconds:g} s", step))

        say(f"  {await settle(stack)}")
        say(f"\ndeath reports at {args.rate:g}/s for {args.seconds:g} s ({load()}) ...")
        main_flow = await death_flow(stack, db, people, args.rate, args.seconds, dukcapil,
                                 args.drain_timeout, in_flight=args.in_flight)
        describe_flow(main_flow)
        flow_rows.insert(0, (f"{args.rate:g}/s x {args.seconds:g} s", main_flow))
        say(f"  {await settle(stack, timeout=args.drain_timeout)}")
    finally:
        await db.close()
    mem = memory(stack)

    say("\n" + "=" * 100)
    say(f"SIKS-NG flows, {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}; {load()} at the end")
    say(f"{args.households:,} households imported; every process of `siks run` on this machine, the load generator"
        " too: figures are noisy on a shared machine")
    say("\nDeath report -> person deactivated in the registry (open-loop offered load; latency from the 202)")
    say(f"{'offered':<18}{'accepted/s':>11}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}{'sched p99':>11}"
        f"{'no 202':>8}{'lost':>6}{'CPU/report':>12}")
    for label, r in flow_rows:
        lat = r.latencies()
        cpu = sum(r.cpu.values()) / max(1, len(r.accepted)) * 1000
        say(f"{label:<18}{r.accept_rate:>11,.1f}{ms(percentile(lat, 50)):>10}{ms(percentile(lat, 95)):>10}"
            f"{ms(percentile(lat, 99)):>10}{ms(max(lat, default=math.nan)):>10}"
            f"{ms(percentile(r.latencies('scheduled'), 99)):>11}{len(r.sent) - len(r.accepted):>8}{r.missing:>6}"
            f"{cpu:>9.1f} ms")
    if steps:
        held = [s.rate for s in steps if s.held()]
        say(f"highest load held (all accepted at >= 90% of the offered rate, all applied, p99 < 1 s): "
            f"{f'{max(held):g}/s' if held else f'none of {[s.rate for s in steps]}'}")
    say(f"\nPerson lookup by NIK, concurrency {args.concurrency}, {args.lookup_seconds:g} s each"
        f" (goal: API p99 < 20 ms and >= 0.3x raw)")
    say(f"{'path':<44}{'req/s':>10}{'p50':>10}{'p99':>10}{'errors':>8}{'ratio':>8}")
    for r in (ours, raw):
        say(f"{'GET /v1/persons/{nik} (registry API)' if r is ours else 'same SELECT straight to PostgreSQL':<44}"
            f"{r.rate:>10,.0f}{ms(percentile(r.latencies, 50)):>10}{ms(percentile(r.latencies, 99)):>10}"
            f"{r.errors:>8}{r.rate / raw.rate:>8.2f}")
    per_request = {k: v / max(1, len(ours.latencies)) * 1000 for k, v in ours.cpu.items() if v > 0.05}
    say("CPU per API lookup: " + ", ".join(f"{k} {v:.2f} ms" for k, v in per_request.items()))
    say("\nMemory after the runs")
    say(f"{'process':<14}{'pid':>8}{'RSS MiB':>10}{'PSS MiB':>10}")
    for name, pid, rss, pss, n in mem:
        label = f"{name} (+{n - 1})" if n > 1 else name
        say(f"{label:<14}{pid:>8}{rss:>10,.0f}{pss:>10,.0f}")
    say("(postgres: the postmaster with its backends; PSS shares shared_buffers fairly, RSS counts them per backend)")
    if stack.restarts():
        say("supervisor restarts during the run: " + "; ".join(stack.restarts()))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="death reports offered per second")
    parser.add_argument("--seconds", type=float, default=60, help="how long to offer them")
    parser.add_argument("--households", type=int, default=6000, help="generated households to import first")
    parser.add_argument("--search-rates", type=lambda s: [float(r) for r in s.split(",")],
                        default=[10, 25, 50, 100, 150, 200], help="offered rates tried in turn to find the highest held")
    parser.add_argument("--search-seconds", type=float, default=10)
    parser.add_argument("--no-search", action="store_true", help="skip the search for the highest load held")
    parser.add_argument("--no-refine", dest="refine", action="store_false",
                        help="do not try one rate between the last held and the first failed")
    parser.add_argument("--in-flight", type=int, default=64,
                        help="death reports on the wire at once; later ones wait (counted in 'sched p99')")
    parser.add_argument("--lookup-seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--drain-timeout", type=float, default=120,
                        help="give up waiting for deactivations after this long without progress")
    parser.add_argument("--port-offset", type=int, default=6400,
                        help="first SIKS_PORT_OFFSET to try (PostgreSQL, 55432 + it, above the ephemeral range)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SIKS_HOME (logs, data)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    workdir = Path(tempfile.mkdtemp(prefix="siks-flows-"))
    offset = free_offset(args.port_offset)
    say(f"starting `siks run` in {workdir / 'siks'} with SIKS_PORT_OFFSET={offset} ({machine()}; {load()})")
    stack = SiksRun(workdir / "siks", offset)
    try:
        stack.wait_ready()
        asyncio.run(bench(args, stack, workdir))
    finally:
        stack.stop()
        if args.keep:
            say(f"kept {workdir}")
        else:
            subprocess.run(["rm", "-rf", str(workdir)], check=False)


if __name__ == "__main__":
    main()
