"""What the fault scenarios share: `siks run` as a real process, data through the real APIs and
tools, Dukcapil's two ways in (HTTP and its inbound topic), and the exact end state read from
each service's own schema.

Sizes scale with FAULT_SCALE (default 1 in `make test`; `make soak` runs at 10).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from siks_events import kafka
from siks_events.auth import LocalIssuer, Role
from siks_events.catalog.dukcapil import TOPIC as DUKCAPIL_TOPIC
from siks_events.catalog.dukcapil import DukcapilDeathRecorded
from siks_events.database import create_pool
from siks_events.envelope import Envelope
from siks_events.model import Cause
from siks_events.settings import DEFAULT_PORTS, SERVICES
from siks_events.stack import BROKER_PORT, DATABASE, POSTGRES_PORT

FAULT_SCALE = int(os.environ.get("FAULT_SCALE", "1"))
DECEASED = "siks.registry.member-deceased.v1"
APPLIED = "siks.integration.civil-report-applied.v1"


def scaled(size: int) -> int:
    return size * FAULT_SCALE


OUTCOMES: list[str] = []
"""One line per scenario run, not yet reported: conftest.py moves each onto its test's report, and
tests/conftest.py prints them all at the end of the session."""


def report(outcome: str) -> None:
    """Say how a scenario went: in its captured output (`-rP`) and in the session's closing summary."""
    print(outcome)
    OUTCOMES.append(outcome)


async def eventually(check: Callable[[], Awaitable[object]], timeout: float, what: str, every: float = 0.5):
    """Poll `check` until it returns something truthy; raise when `timeout` seconds (times FAULT_SCALE:
    ten times the work may take ten times as long) pass first."""
    timeout *= FAULT_SCALE
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {result!r})")
        await asyncio.sleep(every)


class SiksRun:
    """`siks run` as a real process in its own SIKS_HOME and port offset, its output collected."""

    def __init__(self, home: Path, offset: int, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.offset = offset
        base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"}}
        base.update(SIKS_HOME=str(home), SIKS_PORT_OFFSET=str(offset), PYTHONUNBUFFERED="1", **(env or {}))
        self.database_url = base.get("DATABASE_URL") or f"postgresql://postgres@127.0.0.1:{POSTGRES_PORT + offset}/{DATABASE}"
        self.bootstrap_servers = base.get("KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{BROKER_PORT + offset}"
        home.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, "-m", "siks_events.cli", "run"], cwd=home.parent, env=base,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: list[str] = []
        self.mark = 0
        threading.Thread(target=self._collect, daemon=True).start()
        self.issuer = LocalIssuer(home / "keys")

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines[-80:])

    async def said(self, text: str, timeout: float) -> str:
        """A line with `text` printed since the last kill."""
        async def line() -> str | None:
            if self.process.poll() is not None:
                raise AssertionError(f"siks run exited with {self.process.returncode}:\n{self.output}")
            return next((line for line in self.lines[self.mark:] if text in line), None)

        return await eventually(line, timeout, f"{text!r} from siks run:\n{self.output}", every=0.1)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{DEFAULT_PORTS[service] + self.offset}"

    def pid(self, name: str) -> int:
        return int((self.home / "run" / f"{name}.pid").read_text())

    def kill(self, name: str, sig: int = signal.SIGKILL) -> float:
        """Signal one supervised process; when it was signalled."""
        pid = self.pid(name)
        self.mark = len(self.lines)
        os.kill(pid, sig)
        return time.monotonic()

    def auth(self, role: Role, region: str = "", subject: str = "fault-suite") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(role=role, region=region, subject=subject)}"}

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@dataclass
class Stack:
    """A running `siks run` with a pool on each service's schema."""

    run: SiksRun
    pools: dict[str, asyncpg.Pool]

    @property
    def registry(self) -> asyncpg.Pool:
        return self.pools["registry"]

    @property
    def integration(self) -> asyncpg.Pool:
        return self.pools["integration"]


@contextlib.asynccontextmanager
async def siks_run(home: Path, offset: int, env: dict[str, str] | None = None):
    run = SiksRun(home, offset, env)
    pools: dict[str, asyncpg.Pool] = {}
    try:
        await run.said("is ready", timeout=180)
        for service in SERVICES:
            pools[service] = await create_pool(run.database_url, service, min_size=0, max_size=2)
        yield Stack(run, pools)
    finally:
        for pool in pools.values():
            pool.terminate()
        await asyncio.to_thread(run.stop)


# --- data -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    nik: str
    full_name: str


async def import_people(stack: Stack, folder: Path, persons: int, seed: int) -> list[Person]:
    """Bulk-import generated households (the `siks-registry import` path) until `persons` people exist,
    and wait until the integration service's copy of DTKS knows every one of them."""
    from siks_registry.adapters.bulk.generator import generate
    from siks_registry.adapters.bulk.merge import merge
    from siks_registry.adapters.postgres.bulk import bulk_registry
    from siks_registry.application.importing import import_households

    manifest = generate(folder, households=max(10, persons // 3), islands=("DTKS",), overlap=0.0, seed=seed)
    merged = merge(manifest.paths(folder))
    people = [Person(p.nik, p.full_name) for h in merged.households for p in h.members]
    assert len(people) >= persons, f"{len(people)} generated persons, {persons} needed"
    pool = await create_pool(stack.run.database_url, "registry", min_size=1, max_size=2)
    try:
        async with bulk_registry(pool) as writer:
            outcome = await import_households(merged.households, writer, cause=Cause(actor="fault-suite", role="system"),
                                              enrolled_on=date(2026, 1, 1))
    finally:
        await pool.close()
    assert outcome.refused == []

    async def mirrored() -> bool:
        return await stack.integration.fetchval(
            "SELECT count(DISTINCT nik) FROM dtks_memberships WHERE status = 'active'") == len(people)

    await eventually(mirrored, 120, "the integration service's DTKS copy to know every imported person")
    return people[:persons]


def death_report(person: Person, certificate: str) -> dict:
    return {"nik": person.nik, "name": person.full_name, "died_on": "2026-10-02", "certificate_number": certificate,
            "reporting_office": "Disdukcapil Kota Kediri"}


class HttpReporter:
    """Dukcapil over HTTP: sends death reports, keeps every answer, resends what was not accepted."""

    def __init__(self, stack: Stack, concurrency: int = 16) -> None:
        self.stack = stack
        self.headers = stack.run.auth(Role.DUKCAPIL, subject="dukcapil-jatim")
        self.gate = asyncio.Semaphore(concurrency)
        self.statuses: Counter[int] = Counter()
        self.unavailable: list[tuple[int, str, str]] = []
        """(status, content type, body) of every answer that was not a 202."""
        self.accepted: set[str] = set()

    async def send(self, client: httpx.AsyncClient, body: dict, *, retry: bool = True) -> None:
        while True:
            async with self.gate:
                try:
                    response = await client.post("/v1/dukcapil/death-reports", json=body, headers=self.headers)
                except httpx.TransportError:  # the integration service itself is not killed here; count it
                    self.statuses[0] += 1
                    response = None
            if response is not None:
                self.statuses[response.status_code] += 1
                if response.status_code == 202:
                    self.accepted.add(body["certificate_number"])
                    return
                self.unavailable.append((response.status_code, response.headers.get("content-type", ""),
                                         response.text[:300]))
            if not retry:
                return
            await asyncio.sleep(0.5)

    async def send_all(self, bodies: Iterable[dict], *, pace: float = 0.0) -> None:
        async with httpx.AsyncClient(base_url=self.stack.run.url("integration"), timeout=30) as client:
            tasks = []
            for body in bodies:
                tasks.append(asyncio.create_task(self.send(client, body)))
                if pace:
                    await asyncio.sleep(pace)
            await asyncio.gather(*tasks)


def cloud_event(event, event_id: str) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    envelope = Envelope(id=event_id, source="/dukcapil/jawa-timur", type=event.type, subject=event.subject(),
                        time=datetime.now(UTC), data=event.model_dump(mode="json"), key=event.subject())
    return envelope.to_kafka()


def death_event(person: Person, certificate: str) -> DukcapilDeathRecorded:
    return DukcapilDeathRecorded(nik=person.nik, name=person.full_name, died_on=date(2026, 10, 2),
                                 certificate_number=certificate, reporting_office="Disdukcapil Kota Kediri")


class TopicReporter:
    """Dukcapil on its inbound topic: publishes CloudEvents, each with a fixed event id, and publishes
    again (same id) what the integration service has not taken in, as a producer that keeps its own
    outbox does: the embedded broker loses what was not consumed when it dies (README)."""

    def __init__(self, stack: Stack, bootstrap_servers: str | None = None) -> None:
        self.stack = stack
        self.bootstrap_servers = bootstrap_servers or stack.run.bootstrap_servers
        self.topic = DUKCAPIL_TOPIC
        self.published = 0
        self.republished = 0

    async def publish(self, records: list[tuple[bytes | None, bytes, list]], *, pace: float = 0.0) -> None:
        """Publish each record until the broker acknowledges it (reconnecting while the broker is away)."""
        pending = list(records)
        while pending:
            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap_servers, request_timeout_ms=5000,
                                        retry_backoff_ms=200)
            try:
                await asyncio.wait_for(producer.start(), 10)
                while pending:
                    key, value, headers = pending[0]
                    await asyncio.wait_for(producer.send_and_wait(self.topic, value, key=key, headers=headers), 10)
                    pending.pop(0)
                    self.published += 1
                    if pace:
                        await asyncio.sleep(pace)
            except Exception:  # noqa: BLE001 - broker away: reconnect and go on where we were
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(producer.stop(), 5)

    async def republish_missing(self, events: dict[str, DukcapilDeathRecorded]) -> int:
        """Publish again (same event id) the reports by certificate the integration service does not have."""
        known = {r["certificate_number"] for r in await self.stack.integration.fetch(
            "SELECT data->>'certificate_number' AS certificate_number FROM events"
            " WHERE type = 'siks.integration.deceased-reported.v1'")}
        missing = [(cert, e) for cert, e in events.items() if cert not in known]
        await self.publish([cloud_event(e, f"dk-{cert}") for cert, e in missing])
        self.republished += len(missing)
        return len(missing)


# --- end state ------------------------------------------------------------------------------------

async def deaths(stack: Stack) -> tuple[int, int]:
    """(member-deceased events, distinct persons they name) in the registry's store."""
    row = await stack.registry.fetchrow("SELECT count(*), count(DISTINCT subject) FROM events WHERE type = $1",
                                        DECEASED)
    return row[0], row[1]


async def person_statuses(stack: Stack, niks: list[str]) -> dict[str, int]:
    rows = await stack.registry.fetch("SELECT status, count(*) FROM persons WHERE nik = ANY($1) GROUP BY status", niks)
    return {r["status"]: r["count"] for r in rows}


async def report_statuses(stack: Stack, certificates: list[str]) -> dict[str, int]:
    rows = await stack.integration.fetch(
        "SELECT status, count(*) FROM civil_reports WHERE report_id = ANY($1) GROUP BY status",
        [f"death-{c}" for c in certificates])
    return {r["status"]: r["count"] for r in rows}


async def applied_confirmations(stack: Stack) -> tuple[int, int]:
    row = await stack.integration.fetchrow("SELECT count(*), count(DISTINCT subject) FROM events WHERE type = $1",
                                           APPLIED)
    return row[0], row[1]


async def dead_letters(stack: Stack) -> dict[str, int]:
    """Dead letters per service schema and consumer."""
    found: dict[str, int] = {}
    for service, pool in stack.pools.items():
        for row in await pool.fetch("SELECT consumer, count(*) FROM dead_letters GROUP BY consumer"):
            found[f"{service}:{row['consumer']}"] = row["count"]
    return found


async def relay_backlog(stack: Stack) -> dict[str, int]:
    """Events stored but not yet published, per service (relay.py `backlog()`, read from outside)."""
    backlog = {}
    for service, pool in stack.pools.items():
        backlog[service] = await pool.fetchval(
            "SELECT count(*) FROM events e, (SELECT coalesce(max(watermark), 0) AS w, max(window_end) AS we,"
            " max(after_position) AS ap FROM relay_state WHERE watermark = (SELECT max(watermark) FROM relay_state)) s"
            " WHERE e.txid >= s.w AND NOT (e.txid < coalesce(s.we, 0) AND e.position <= coalesce(s.ap, 0))")
    return backlog


async def consumer_lag(stack: Stack, bootstrap_servers: str | None = None) -> dict[str, int]:
    """Per consumer, records on its partitions past its stored position (end offsets minus positions)."""
    stored: dict[str, dict[TopicPartition, int]] = {}
    for service, pool in stack.pools.items():
        for row in await pool.fetch("SELECT consumer, topic, partition, next_offset FROM consumer_positions"):
            stored.setdefault(f"{service}:{row['consumer']}", {})[TopicPartition(row["topic"], row["partition"])] = (
                row["next_offset"])
    partitions = {tp for positions in stored.values() for tp in positions}
    if not partitions:
        return {}
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers or stack.run.bootstrap_servers,
                              enable_auto_commit=False, request_timeout_ms=5000)
    await asyncio.wait_for(reader.start(), 10)
    try:
        # A restarted embedded broker may recreate a topic with fewer partitions: positions kept for
        # partitions that no longer exist have nothing left to read.
        topics = await reader.topics()
        partitions = {tp for tp in partitions
                      if tp.topic in topics and tp.partition in (reader.partitions_for_topic(tp.topic) or ())}
        # the true ends: the embedded broker reports the start of a partition's last batch
        ends = await asyncio.wait_for(kafka.last_offsets(reader, list(partitions)), 10) if partitions else {}
    finally:
        await reader.stop()
    return {consumer: sum(max(0, ends[tp] - offset) for tp, offset in positions.items() if tp in ends)
            for consumer, positions in stored.items()}


async def read_dead_letter_topic(bootstrap_servers: str, topic: str, expected: int, timeout: float) -> list:
    """Every record on a dead-letter topic, one per `dlq_id` (a copy may be sent twice), once `expected` are there."""
    reader = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest",
                              enable_auto_commit=False)
    await reader.start()
    letters: dict[bytes, object] = {}
    try:
        async def enough() -> bool:
            for records in (await reader.getmany(timeout_ms=500)).values():
                for record in records:
                    letters[dict(record.headers)["dlq_id"]] = record
            return len(letters) >= expected

        with contextlib.suppress(AssertionError):
            await eventually(enough, timeout, f"{expected} records on {topic}", every=0.1)
        # anything beyond the expected count would be a fault: give it a moment to show
        for records in (await reader.getmany(timeout_ms=1000)).values():
            for record in records:
                letters[dict(record.headers)["dlq_id"]] = record
    finally:
        await reader.stop()
    return list(letters.values())
