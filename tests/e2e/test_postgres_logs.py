"""PostgreSQL's own log never carries an unmasked NIK, even when a unique violation quotes the key."""

from __future__ import annotations

import re

import asyncpg
import pytest
from siks_events.database import asyncpg_dsn
from siks_events.devstack import EmbeddedPostgres, free_port

NIK = "3571011705800001"
SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")


@pytest.mark.slow
async def test_a_unique_violation_on_a_nik_leaves_no_nik_in_the_postgres_log(tmp_path):
    log_file = tmp_path / "postgres.log"
    server = EmbeddedPostgres(tmp_path / "data", free_port(), durable=False, log_file=log_file)
    url = server.start()
    try:
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await connection.execute("CREATE TABLE persons (nik text PRIMARY KEY)")
            insert = "INSERT INTO persons (nik) VALUES ($1)"
            await connection.execute(insert, NIK)
            with pytest.raises(asyncpg.UniqueViolationError):
                await connection.execute(insert, NIK)  # a bind parameter, as every service sends it
        finally:
            await connection.close()
    finally:
        server.stop()
    log = log_file.read_text(errors="replace")
    assert "duplicate key value violates unique constraint" in log, "the error itself is still logged"
    assert SIXTEEN_DIGITS.findall(log) == [], log
