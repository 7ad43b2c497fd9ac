"""Acceptance 5: three overlapping data-island files become one person per NIK, conflicts reported exactly."""

from __future__ import annotations

import asyncio
import csv
import json

import asyncpg
from siks_events.database import asyncpg_dsn
from siks_registry.cli import app
from typer.testing import CliRunner


def test_three_overlapping_files_give_one_person_per_nik_and_report_the_planted_conflicts(
    tmp_path, siks_database_url, schema_name
):
    runner = CliRunner()
    generated = runner.invoke(app, ["generate", str(tmp_path / "islands"), "--households", "150", "--islands",
                                    "DTKS,PKH,BPNT", "--overlap", "0.4", "--conflicts", "6", "--seed", "11"])
    assert generated.exit_code == 0, generated.output
    manifest = json.loads((tmp_path / "islands" / "manifest.json").read_text())
    files = [str(tmp_path / "islands" / f["file"]) for f in manifest["files"]]
    assert len(files) == 3

    report_path = tmp_path / "report.json"
    imported = runner.invoke(app, ["import", *files, "--report", str(report_path), "--schema", schema_name],
                             env={"DATABASE_URL": siks_database_url})
    assert imported.exit_code == 0, imported.output
    report = json.loads(report_path.read_text())

    planted = {(c["nik"], c["field"]) for c in manifest["conflicts"]}
    reported = {(c["nik"], c["field"]) for c in report["conflicts"]}
    assert reported == planted and len(planted) == 6
    assert report["rejected_rows"] == []
    # A household whose head is held back by a conflict cannot stand without a head: refused, and said so.
    headless = {c["kk_number"] for c in manifest["conflicts"] if c["nik"] in _heads(files)}
    assert headless, "the seed plants no conflict on a head: the refusal goes untested"
    assert {r["kk_number"]: r["code"] for r in report["households_refused"]} == dict.fromkeys(headless, "head-required")

    rows, households = asyncio.run(_read_models(siks_database_url, schema_name, drop=False))
    niks = [r["nik"] for r in rows]
    assert len(niks) == len(set(niks)), "a NIK is registered twice"
    assert not {nik for nik, _ in planted} & set(niks), "a conflicting person was imported by guessing"
    assert households == report["households_imported"] == manifest["households"] - len(report["households_refused"])

    again = runner.invoke(app, ["import", *files, "--report", str(report_path), "--schema", schema_name],
                          env={"DATABASE_URL": siks_database_url})
    assert again.exit_code == 0, again.output
    assert json.loads(report_path.read_text())["households_already_present"] == households
    asyncio.run(_read_models(siks_database_url, schema_name, drop=True))


def _heads(files: list[str]) -> set[str]:
    """NIKs listed as head of their household in any of the files."""
    heads = set()
    for file in files:
        with open(file, encoding="utf-8", newline="") as rows:
            heads |= {row["nik"] for row in csv.DictReader(rows) if row["relationship"] == "head"}
    return heads


async def _read_models(url: str, schema: str, *, drop: bool):
    connection = await asyncpg.connect(asyncpg_dsn(url), server_settings={"search_path": schema})
    try:
        return (await connection.fetch("SELECT nik, household_id FROM persons"),
                await connection.fetchval("SELECT count(*) FROM households"))
    finally:
        if drop:
            await connection.execute(f"DROP SCHEMA {schema} CASCADE")
        await connection.close()
