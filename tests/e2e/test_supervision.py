"""`siks run` supervises like Kubernetes: a killed service, broker or PostgreSQL comes back alone,
and the rest of the stack keeps serving and recovers on its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest
from siks_events.auth import LocalIssuer, Role
from siks_events.settings import DEFAULT_PORTS
from siks_events.stack import Child

OFFSET = 6100  # clear of a developer's `make run` and test_make_run; ports outside the ephemeral range


def eventually(check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `check` until it returns something truthy; raise when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def answers(service: str, path: str, timeout: float = 1.0) -> bool:
    try:
        return httpx.get(url(service, path), timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def url(service: str, path: str) -> str:
    return f"http://127.0.0.1:{DEFAULT_PORTS[service] + OFFSET}{path}"


def a_death_still_flows_both_ways(home: Path) -> None:
    """Registry -> broker -> integration and back: relays and consumers of both services work again."""
    issuer = LocalIssuer(home / "keys")

    def auth(role: Role, region: str = "") -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(role=role, region=region, subject='supervision-test')}"}

    head = {"nik": "3571011705800001", "full_name": "Budi Santoso", "sex": "male", "birth_date": "1980-05-17",
            "relationship": "head"}
    registered = httpx.post(url("registry", "/v1/households"), headers=auth(Role.VILLAGE_OPERATOR, "3571011001"), json={
        "kk_number": "3571010101090001", "region_code": "3571011001", "address": "Jl. Mayor Bismo 12",
        "members": [head]}, timeout=10)
    assert registered.status_code == 201, registered.text
    check = {"nik": head["nik"], "name": head["full_name"], "birth_date": head["birth_date"]}
    eventually(lambda: httpx.post(url("integration", "/v1/dukcapil/nik-check"), headers=auth(Role.SYSTEM), json=check,
                                  timeout=5).json()["found"], 45, "the registry's event to reach the integration service")
    report = {"nik": head["nik"], "name": head["full_name"], "died_on": "2026-10-02", "place_of_death": "Kediri",
              "certificate_number": "KM-SUPERVISION-1", "reporting_office": "Disdukcapil Kota Kediri"}
    accepted = httpx.post(url("integration", "/v1/dukcapil/death-reports"), headers=auth(Role.DUKCAPIL), json=report,
                          timeout=10)
    assert accepted.status_code == 202, accepted.text
    eventually(lambda: httpx.get(url("registry", f"/v1/persons/{head['nik']}"), headers=auth(Role.MINISTRY),
                                 timeout=5).json().get("status") == "deceased", 45, "the death to reach the registry")


class SiksRun:
    """`siks run` as a real process in a temporary SIKS_HOME, its output collected as it comes."""

    def __init__(self, home: Path) -> None:
        self.home = home
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"}}
        env.update(SIKS_HOME=str(home), SIKS_PORT_OFFSET=str(OFFSET), PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen([sys.executable, "-m", "siks_events.cli", "run"], cwd=home.parent, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: list[str] = []
        self.mark = 0
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def said(self, text: str, timeout: float) -> str:
        """Wait for a line with `text` printed since the last kill or stop."""
        def line() -> str | None:
            if self.process.poll() is not None:
                raise AssertionError(f"siks run exited with {self.process.returncode}:\n{self.output}")
            return next((line for line in self.lines[self.mark:] if text in line), None)

        return eventually(line, timeout, f"{text!r} in the output of siks run:\n{self.output}")

    def pid(self, name: str) -> int:
        return int((self.home / "run" / f"{name}.pid").read_text())

    def kill(self, name: str, sig: int = signal.SIGKILL) -> tuple[int, float]:
        """Signal one supervised process (SIGKILL: it dies; SIGSTOP: it hangs); its pid and when."""
        pid = self.pid(name)
        self.mark = len(self.lines)
        os.kill(pid, sig)
        return pid, time.monotonic()

    def interrupt(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # Ctrl-C
            self.process.wait(90)


class HealthWatch:
    """Polls /healthz of the given services in the background and records every miss."""

    def __init__(self, services: list[str]) -> None:
        self.services = services
        self.misses: list[str] = []
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for service in self.services:
                if not answers(service, "/healthz", timeout=3):  # 2 shared cores: slow is not down
                    self.misses.append(f"{service} at {time.strftime('%X')}")
            self.polls += 1
            self._stop.wait(0.25)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def test_restart_backoff_doubles_up_to_thirty_seconds_and_starts_over_after_a_steady_minute():
    child = Child("registry", launch=lambda: None)  # type: ignore[arg-type, return-value]
    child.started_at = 1000.0
    delays = [child.schedule_restart(1000.0 + i) for i in range(7)]
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert child.schedule_restart(child.started_at + 60) == 1, "a minute up means it had recovered"


@pytest.mark.slow
def test_siks_run_restarts_what_dies_alone_and_the_stack_recovers(tmp_path):
    stack = SiksRun(tmp_path / "siks")
    others = [s for s in DEFAULT_PORTS if s != "registry"]
    watch: HealthWatch | None = None
    try:
        stack.said("is ready", timeout=150)
        watch = HealthWatch(others)

        registry_pid, killed_at = stack.kill("registry")
        stack.said("registry exited with code -9; restarting in 1 s", timeout=10)
        stack.said("registry restarted", timeout=10)
        eventually(lambda: answers("registry", "/readyz"), 60, "the restarted registry to be ready")
        print(f"registry ready again {time.monotonic() - killed_at:.1f} s after SIGKILL")
        assert stack.pid("registry") != registry_pid

        broker_pid, killed_at = stack.kill("broker")
        stack.said("broker exited with code -9; restarting in 1 s", timeout=10)
        stack.said("broker restarted", timeout=15)
        eventually(lambda: answers("registry", "/readyz"), 60, "the registry to be ready after the broker restart")
        print(f"registry ready again {time.monotonic() - killed_at:.1f} s after the broker's SIGKILL")
        assert stack.pid("broker") != broker_pid

        postgres_pid, killed_at = stack.kill("postgres")
        stack.said("postgres exited with code -9; restarting in 1 s", timeout=10)
        stack.said("postgres restarted", timeout=60)
        eventually(lambda: answers("registry", "/readyz"), 60, "the registry to be ready after PostgreSQL's restart")
        print(f"registry ready again {time.monotonic() - killed_at:.1f} s after PostgreSQL's SIGKILL")
        assert stack.pid("postgres") != postgres_pid

        hung_pid, hung_at = stack.kill("broker", signal.SIGSTOP)  # alive as a process, answering nothing
        stack.said("broker failed 3 liveness probes and was killed", timeout=20)
        stack.said("broker restarted", timeout=15)
        assert not psutil.pid_exists(hung_pid) or psutil.Process(hung_pid).status() == psutil.STATUS_ZOMBIE
        eventually(lambda: answers("registry", "/readyz"), 60, "the registry to be ready after the hung broker's restart")
        print(f"registry ready again {time.monotonic() - hung_at:.1f} s after the broker hung")

        watch.stop()
        assert watch.polls > 10 and watch.misses == [], f"other services stopped answering: {watch.misses}"
        assert all(answers(s, "/readyz") for s in DEFAULT_PORTS), "every service recovers on its own"
        started = time.monotonic()
        a_death_still_flows_both_ways(tmp_path / "siks")
        print(f"a death report crossed both services {time.monotonic() - started:.1f} s after the last restart")
        restarted = {line.split()[0] for line in stack.lines if " exited with code " in line or " liveness " in line}
        assert restarted == {"registry", "broker", "postgres"}, f"only the killed ones restart:\n{stack.output}"
        print("\n".join(line for line in stack.lines if "restart" in line or "ready again" in line))
    finally:
        if watch is not None:
            watch.stop()
        stack.interrupt()
    assert "stopped." in stack.output
    assert not list((tmp_path / "siks" / "run").glob("*.pid")), "pid files are removed on stop"
    left = [p.info["pid"] for p in psutil.process_iter(["pid", "cmdline"])
            if str(tmp_path) in " ".join(p.info["cmdline"] or [])
            or any(f"127.0.0.1:{DEFAULT_PORTS[s] + OFFSET}" in " ".join(p.info["cmdline"] or []) for s in DEFAULT_PORTS)
            or any(f"--port {DEFAULT_PORTS[s] + OFFSET}" in " ".join(p.info["cmdline"] or []) for s in DEFAULT_PORTS)]
    assert left == [], f"processes left after Ctrl-C: {left}"
