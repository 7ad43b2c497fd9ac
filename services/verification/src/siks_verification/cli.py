"""`siks-verification`: read-model rebuild."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
from siks_events.database import create_pool

from siks_verification.adapters.postgres.rebuild import rebuild as rebuild_read_models

app = typer.Typer(help="Verification (verivali) tools.", no_args_is_help=True, add_completion=False)


@app.callback()
def main() -> None:
    """Verification (verivali) tools."""


@app.command()
def rebuild(
    schema: Annotated[str, typer.Option(help="the verification service's schema")] = "verification",
    chunk: Annotated[int, typer.Option(help="prelist entries replayed per transaction")] = 500,
) -> None:
    """Rebuild the prelist and visit read models from the event store, a chunk per transaction, while serving."""
    url = os.environ.get("VERIFICATION_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        raise typer.BadParameter("set DATABASE_URL (or VERIFICATION_DATABASE_URL)")

    async def run() -> int:
        pool = await create_pool(url, schema, max_size=1)
        try:
            return await rebuild_read_models(
                pool, lambda done, total: typer.echo(f"replayed {done} of {total} entries", err=True), chunk=chunk)
        finally:
            await pool.close()

    typer.echo(f"replayed {asyncio.run(run())} prelist entries with their visits", err=True)
