"""`siks-registry`: synthetic data, bulk import from data-island CSV files, read-model rebuild."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from siks_events import migrations
from siks_events.database import create_pool
from siks_events.model import Cause

from siks_registry.adapters.bulk.generator import generate as generate_files
from siks_registry.adapters.bulk.merge import merge_streamed, parts_for
from siks_registry.adapters.postgres.bulk import bulk_registry
from siks_registry.adapters.postgres.rebuild import rebuild as rebuild_read_models
from siks_registry.application.importing import import_households
from siks_registry.main import definition

app = typer.Typer(help="DTKS registry tools.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def _data_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return max(0, sum(1 for _ in lines) - 1)


def _database_url() -> str:
    url = os.environ.get("REGISTRY_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        raise typer.BadParameter("set DATABASE_URL (or REGISTRY_DATABASE_URL) to the registry's database")
    return url


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(help="folder for the CSV files and manifest.json")],
    households: Annotated[int, typer.Option(help="households to make")] = 1000,
    regency: Annotated[str, typer.Option(help="4-digit regency/city code, e.g. 3571 (Kota Kediri)")] = "3571",
    islands: Annotated[str, typer.Option(help="comma-separated data islands, one file each")] = "DTKS,PKH,BPNT,BST",
    overlap: Annotated[float, typer.Option(help="share of households listed in two or more files")] = 0.3,
    conflicts: Annotated[int, typer.Option(help="persons to plant with a conflicting name or birth date")] = 0,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Write realistic data-island CSV files (Faker id_ID, valid NIKs, real region codes)."""
    with _progress() as bar:
        task = bar.add_task("generating households", total=households)
        manifest = generate_files(out_dir, households=households, regency=regency,
                                  islands=tuple(i.strip() for i in islands.split(",")), overlap=overlap,
                                  conflicts=conflicts, seed=seed, progress=lambda n: bar.advance(task, n))
    console.print(f"wrote {manifest.households} households, {manifest.persons} persons into "
                  f"{', '.join(str(p) for p in manifest.paths(out_dir))}")


@app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(help="CSV files, one per data island (DTKS, PKH, BPNT, BST ...)")],
    report: Annotated[Path, typer.Option(help="where to write the conflict and refusal report (JSON)")] = Path(
        "import-report.json"),
    schema: Annotated[str, typer.Option(help="the registry's schema")] = "registry",
) -> None:
    """Merge the files by NIK and load them; conflicts are reported, never guessed."""
    result = asyncio.run(_import(files, report, schema))
    raise typer.Exit(0 if result else 1)


async def _import(files: list[Path], report_path: Path, schema: str) -> bool:
    url = _database_url()
    await asyncio.to_thread(migrations.upgrade, definition.migrations, url, schema)
    total_rows = sum(_data_lines(f) for f in files)
    pool = await create_pool(url, schema, max_size=2)
    try:
        cause = Cause(actor="bulk-import", role="system", command="ImportDataIslands:" + ",".join(f.name for f in files))
        with tempfile.TemporaryDirectory(prefix="siks-import-") as spill, _progress() as bar:
            task = bar.add_task("reading and sorting rows", total=total_rows)
            merged = merge_streamed(files, spill_folder=Path(spill), parts=parts_for(files),
                                    progress=lambda n: bar.advance(task, n))
            # how many households the files hold is known only once the last part is decided
            task = bar.add_task("merging and registering households", total=None)
            async with bulk_registry(pool) as registry:
                outcome = await import_households(
                    merged.households(), registry, cause=cause, enrolled_on=date.today(),
                    progress=lambda n: bar.advance(task, n))
    finally:
        await pool.close()
    report = {
        "files": [str(f) for f in files],
        "households_imported": outcome.imported,
        "households_already_present": outcome.already_present,
        "households_refused": outcome.refused,
        "conflicts": [c.model_dump(mode="json") if hasattr(c, "model_dump") else c.__dict__ for c in merged.conflicts],
        "rejected_rows": [r.model_dump(mode="json") if hasattr(r, "model_dump") else r.__dict__
                          for r in merged.rejected],
    }
    report_path.write_text(json.dumps(report, indent=2, default=str))
    console.print(f"{outcome.imported} households imported, {outcome.already_present} already present, "
                  f"{len(outcome.refused)} refused, {len(merged.conflicts)} conflicts, "
                  f"{len(merged.rejected)} rejected rows; report in {report_path}")
    return True


@app.command()
def rebuild(
    schema: Annotated[str, typer.Option(help="the registry's schema")] = "registry",
    chunk: Annotated[int, typer.Option(help="household streams replayed per transaction")] = 500,
) -> None:
    """Rebuild the households and persons read models from the event store, a chunk per transaction, while serving."""

    async def run():
        pool = await create_pool(_database_url(), schema, max_size=1)
        try:
            with _progress() as bar:
                task = bar.add_task("replaying households", total=None)
                return await rebuild_read_models(
                    pool, lambda done, total: bar.update(task, completed=done, total=total), chunk=chunk)
        finally:
            await pool.close()

    report = asyncio.run(run())
    console.print(f"replayed {report.replayed} households in {report.chunks} transactions; {report.kept_newer} "
                  f"kept as written meanwhile, {report.removed} no longer in the store removed")
