"""The embedded PostgreSQL starts from a data directory at any depth: a clone at a long path must still `make run`."""

from __future__ import annotations

import asyncpg
import pytest
from siks_events.database import asyncpg_dsn
from siks_events.devstack import EmbeddedPostgres, free_port


@pytest.mark.slow
async def test_a_data_directory_past_the_unix_socket_path_limit_still_serves_over_tcp(tmp_path):
    # a Unix socket path holds at most 107 bytes; PostgreSQL refused to start when its socket went in such a folder
    deep = tmp_path / ("a-folder-with-a-long-name-" * 5) / "postgres" / "data"
    assert len(str(deep / ".s.PGSQL.55432")) > 107
    server = EmbeddedPostgres(deep, free_port(), durable=False, log_file=tmp_path / "postgres.log")
    url = server.start()
    try:
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            assert await connection.fetchval("SELECT 1") == 1
        finally:
            await connection.close()
    finally:
        server.stop()
