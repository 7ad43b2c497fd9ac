"""Benchmark of the registry's bulk import, side by side with a raw COPY of the same rows.

    .venv/bin/python bench/registry_import.py [--households 100000] [--batch 1000]

Starts its own PostgreSQL (like the tests) unless DATABASE_URL is set. The data-island files are made
by the registry's generator in a child process, so this process's peak RSS is the import's own. Rows:
- read and merge: the CSV files read and merged by NIK (`merge`), all in memory by design;
- import: `import_households` (the domain decides each household, then a COPY per batch of events,
  households and persons, checks for present households and active NIKs per batch) vs a raw COPY of
  the very rows it wrote, prepared in memory beforehand, in transactions of the same batch size.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import asyncpg
import embedded  # bench/ is the script's folder
from siks_events import migrations
from siks_events.database import asyncpg_dsn, create_pool
from siks_events.model import Cause
from siks_registry.adapters.bulk.generator import MANIFEST_FILE
from siks_registry.adapters.bulk.merge import merge_streamed, parts_for
from siks_registry.adapters.postgres.bulk import EVENT_COLUMNS, bulk_registry
from siks_registry.adapters.postgres.projection import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from siks_registry.application.importing import import_households
from siks_registry.main import definition


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def generate_files(out_dir: Path, households: int) -> list[Path]:
    """The generator's CSV files, made in a child process so its memory is not counted as ours."""
    subprocess.run([sys.executable, "-c", "from siks_registry.cli import app; app()", "generate", str(out_dir), "--households",
                    str(households), "--seed", "7"], check=True, stdout=subprocess.DEVNULL)
    manifest = json.loads((out_dir / MANIFEST_FILE).read_text())
    return [out_dir / f["file"] for f in manifest["files"]]


async def migrated_pool(url: str, schema: str) -> asyncpg.Pool:
    await asyncio.to_thread(migrations.upgrade, definition.migrations, url, schema)
    return await create_pool(url, schema, max_size=2)


async def import_ours(pool: asyncpg.Pool, households, batch: int) -> tuple[float, int]:
    cause = Cause(actor="bench", role="system", command="ImportDataIslands")
    started, client_cpu = time.perf_counter(), time.process_time()
    async with bulk_registry(pool) as registry:
        backend = await registry.connection.fetchval("SELECT pg_backend_pid()")
        server_cpu = backend_cpu_seconds(backend)
        report = await import_households(households, registry, cause=cause, enrolled_on=date(2026, 1, 1),
                                         batch_size=batch)
        server_cpu = backend_cpu_seconds(backend) - server_cpu
    return time.perf_counter() - started, report.imported, time.process_time() - client_cpu, server_cpu


def backend_cpu_seconds(pid: int) -> float:
    """User and system CPU of a PostgreSQL backend on this machine (0 when it runs elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def rows_written(pool: asyncpg.Pool) -> list[tuple[list, list, list]]:
    """What the import wrote, grouped by household into batches later; jsonb kept as COPY-ready bytes."""
    async with pool.acquire() as connection:
        await connection.set_type_codec("jsonb", encoder=bytes, decoder=bytes, schema="pg_catalog", format="binary")
        events = await connection.fetch(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY position")
        homes = await connection.fetch(f"SELECT {', '.join(HOUSEHOLD_COLUMNS)} FROM households")
        persons = await connection.fetch(f"SELECT {', '.join(PERSON_COLUMNS)} FROM persons")
        await connection.reset_type_codec("jsonb", schema="pg_catalog")
    by_household: dict[str, tuple[list, list, list]] = {h["household_id"]: ([], [tuple(h)], []) for h in homes}
    for row in events:
        by_household[row["stream_id"]][0].append(tuple(row))
    for row in persons:
        by_household[row["household_id"]][2].append(tuple(row))
    return list(by_household.values())


async def copy_raw(pool: asyncpg.Pool, prepared: list[tuple[list, list, list]], batch: int) -> tuple[float, float]:
    async with pool.acquire() as connection:
        await connection.set_type_codec("jsonb", encoder=bytes, decoder=bytes, schema="pg_catalog", format="binary")
        server_cpu = backend_cpu_seconds(await connection.fetchval("SELECT pg_backend_pid()"))
        started = time.perf_counter()
        for start in range(0, len(prepared), batch):
            chunk = prepared[start:start + batch]
            async with connection.transaction():
                for index, (table, columns) in enumerate(
                        (("events", EVENT_COLUMNS), ("households", HOUSEHOLD_COLUMNS), ("persons", PERSON_COLUMNS))):
                    await connection.copy_records_to_table(
                        table, records=[row for household in chunk for row in household[index]], columns=columns)
        elapsed = time.perf_counter() - started
        server_cpu = backend_cpu_seconds(await connection.fetchval("SELECT pg_backend_pid()")) - server_cpu
        await connection.reset_type_codec("jsonb", schema="pg_catalog")
    return elapsed, server_cpu


async def run(database_url: str, households: int, batch: int, workdir: Path) -> dict:
    generated = time.perf_counter()
    files = generate_files(workdir / "islands", households)
    generated = time.perf_counter() - generated

    merged_in = time.perf_counter()
    parts = parts_for(files)
    merged = merge_streamed(files, spill_folder=workdir, parts=parts)
    merged_in = time.perf_counter() - merged_in
    rss_after_merge = peak_rss_mib()

    ours_schema, raw_schema = f"bench_{uuid.uuid4().hex[:8]}", f"bench_{uuid.uuid4().hex[:8]}"
    ours_pool = await migrated_pool(database_url, ours_schema)
    raw_pool = await migrated_pool(database_url, raw_schema)
    try:
        ours, imported, client_cpu, server_cpu = await import_ours(ours_pool, merged.households(), batch)
        rss_after_import = peak_rss_mib()
        events = await ours_pool.fetchval("SELECT count(*) FROM events")
        persons = await ours_pool.fetchval("SELECT count(*) FROM persons")
        del merged
        prepared = await rows_written(ours_pool)
        raw, raw_server_cpu = await copy_raw(raw_pool, prepared, batch)
    finally:
        await ours_pool.close()
        await raw_pool.close()
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
        for schema in (ours_schema, raw_schema):
            await connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await connection.close()
    return {"households": imported, "events": events, "persons": persons, "generate_s": generated,
            "merge_s": merged_in, "ours_s": ours, "client_cpu_s": client_cpu, "server_cpu_s": server_cpu,
            "raw_s": raw, "raw_server_cpu_s": raw_server_cpu, "rss_after_merge_mib": rss_after_merge,
            "rss_after_import_mib": rss_after_import, "parts": parts,
            "rows": sum(len(f.read_text().splitlines()) - 1 for f in files)}


def print_table(result: dict) -> None:
    n, ours, raw = result["households"], result["ours_s"], result["raw_s"]
    print(f"\n{n} households ({result['events']} events, {result['persons']} persons; "
          f"{result['rows']} CSV rows), households/s, higher is better\n")
    print(f"{'work':<40}{'SIKS-NG':>12}{'raw COPY':>12}{'ratio':>8}")
    print(f"{'read, check, sort rows into ' + str(result['parts']) + ' parts':<40}{n / result['merge_s']:>12,.0f}"
          f"{'':>12}{'':>8}")
    print(f"{'import (merge parts, decide, COPY per batch)':<40}{n / ours:>12,.0f}{n / raw:>12,.0f}{raw / ours:>8.2f}")
    us = 1e6 / n
    print(f"\nCPU per household: import {result['client_cpu_s'] * us:,.0f} us here + {result['server_cpu_s'] * us:,.0f} us"
          f" in its PostgreSQL backend; raw COPY {result['raw_server_cpu_s'] * us:,.0f} us in its backend")
    print(f"peak RSS: {result['rss_after_merge_mib']:,.0f} MiB after reading the files, "
          f"{result['rss_after_import_mib']:,.0f} MiB after the import")
    per_million = 1_000_000 * (ours + result["merge_s"]) / n
    print(f"one million households at this rate: import {1_000_000 * ours / n / 60:.1f} min, "
          f"merge + import {per_million / 60:.1f} min")


async def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print its table; returns the figures (for bench/backbone.py)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="siks-bench-import-"))
    with contextlib.ExitStack() as stack:
        result = await run(embedded.database(stack, workdir), args.households, args.batch, workdir)
    print_table(result)
    return result


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
