"""Acceptance 5: `make run` from a fresh clone brings up all five services, and Ctrl-C stops them all."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest
from siks_events.settings import DEFAULT_PORTS

REPO = Path(__file__).resolve().parents[2]
OFFSET = 6000  # clear of a developer's `make run`; every port it shifts stays outside the ephemeral range (32768-60999)


def _listening(port: int) -> bool:
    return any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
               for c in psutil.net_connections(kind="tcp"))


def _leftovers(clone: Path, ports: list[int]) -> list[str]:
    left = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(clone) in cmdline or any(f"127.0.0.1:{p}" in cmdline for p in ports):
            left.append(f"{process.info['pid']}: {cmdline[:120]}")
    return left + [f"port {p} still listening" for p in ports if _listening(p)]


@pytest.mark.slow
def test_make_run_from_a_fresh_clone_serves_every_service_and_ctrl_c_leaves_nothing(tmp_path_factory):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.fail("this test needs the project's git repository to clone")
    # (A clone at any depth runs: the embedded PostgreSQL has no Unix socket; test_postgres_long_path.py.)
    clone = tmp_path_factory.mktemp("run") / "siks-ng"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items()
           # VENV or PYTHON from the caller's environment would make the clone's make install into the caller's venv
           if k not in {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL", "MFLAGS",
                        "VENV", "PYTHON", "BIN", "PYTHONPATH"}}
    env["SIKS_PORT_OFFSET"] = str(OFFSET)
    ports = [p + OFFSET for p in DEFAULT_PORTS.values()] + [55432 + OFFSET, 19092 + OFFSET]
    make = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    output: list[str] = []
    try:
        deadline = time.monotonic() + 600
        for line in make.stdout:
            output.append(line)
            if "is ready" in line or time.monotonic() > deadline:
                break
        assert any("is ready" in line for line in output), "".join(output[-40:])
        printed = "".join(output)
        for service, port in DEFAULT_PORTS.items():
            url = f"http://127.0.0.1:{port + OFFSET}"
            assert f"{url}/docs" in printed, f"{service}'s URL is not printed"
            assert httpx.get(f"{url}/readyz", timeout=5).status_code == 200, service
            assert httpx.get(f"{url}/docs", timeout=5).status_code == 200, service
        # issue 19, acceptance 5: `siks status` shows the running system's numbers. A service is ready
        # before its consumers have joined their groups: lag per partition appears once they hold some.
        deadline = time.monotonic() + 90
        while True:
            shown = subprocess.run([str(clone / ".venv" / "bin" / "siks"), "status", "--json"], cwd=clone, env=env,
                                   capture_output=True, text=True, timeout=120)
            assert shown.returncode == 0, shown.stdout + shown.stderr
            statuses = json.loads(shown.stdout)
            assert set(statuses) == set(DEFAULT_PORTS)
            for status in statuses.values():
                assert status["health"] == "ready", status
                assert status["relay_backlog"] is not None and status["dead_letters"] == 0, status
            if statuses["registry"]["consumer_lag"] and statuses["integration"]["consumer_lag"]:
                break
            assert time.monotonic() < deadline, f"no consumer lag shown within 90 s: {statuses}"
            time.sleep(2)
        table = subprocess.run([str(clone / ".venv" / "bin" / "siks"), "status"], cwd=clone, env=env,
                               capture_output=True, text=True, timeout=120)
        assert all(any(line.startswith(service) for line in table.stdout.splitlines()) for service in DEFAULT_PORTS)
    finally:
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
        make.wait(90)
    rest = make.stdout.read()
    deadline = time.monotonic() + 30
    while _leftovers(clone, ports) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _leftovers(clone, ports) == [], rest
    assert "stopped." in rest
    assert (clone / ".siks" / "postgres" / "PG_VERSION").exists(), "data lives in the ignored .siks directory"
    assert "?? .siks/" not in subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True,
                                            text=True).stdout
