"""The database and broker a benchmark runs against: DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else an
embedded PostgreSQL (in `workdir`) and Tansu started here and stopped when `stack` closes."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from siks_events.devstack import EmbeddedPostgres, TansuBroker, free_port


def database(stack: contextlib.ExitStack, workdir: Path) -> str:
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        server = EmbeddedPostgres(workdir / "pg", free_port(), durable=True)
        database_url = server.start()
        stack.callback(server.stop)
    return database_url


def broker(stack: contextlib.ExitStack) -> str:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        tansu = TansuBroker(free_port())
        bootstrap = tansu.start()
        stack.callback(tansu.stop)
    return bootstrap
