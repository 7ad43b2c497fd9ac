"""`siks-proposals`: tools against the running system (the guided demo of the monthly update)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import httpx
import typer
from rich.console import Console
from siks_events.auth import Role
from siks_events.stack import issuer

from siks_proposals.demo import Clients, DemoFailed, Tokens, walk

app = typer.Typer(help="Proposals tools: demo.", no_args_is_help=True, add_completion=False)
console = Console()


@app.callback()
def main() -> None:
    """Proposals (usulan) tools."""


@app.command()
def demo(
    village: Annotated[str, typer.Option(help="the village (10-digit code) that proposes")] = "3571011001",
    registry_url: Annotated[str, typer.Option(help="the registry service")] = "http://127.0.0.1:8001",
    proposals_url: Annotated[str, typer.Option(help="the proposals service")] = "http://127.0.0.1:8002",
    verification_url: Annotated[str, typer.Option(help="the verification service")] = "http://127.0.0.1:8003",
) -> None:
    """Walk one new-household proposal from the village to the registry, showing each step."""
    keys = issuer().ensure_keys()

    def bearer(role: Role, region: str, subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys.issue(role=role, region=region, subject=subject)}"}

    tokens = Tokens(operator=bearer(Role.VILLAGE_OPERATOR, village, "operator-demo"),
                    supervisor=bearer(Role.SUPERVISOR, village, "supervisor-demo"),
                    enumerator=bearer(Role.ENUMERATOR, village, "enumerator-demo"),
                    office=bearer(Role.DISTRICT_OFFICE, village[:4], "dinsos-demo"))

    def say(heading: str, answer) -> None:
        console.rule(heading)
        console.print(answer)

    async def run() -> None:
        async with httpx.AsyncClient(base_url=registry_url, timeout=30) as registry, \
                httpx.AsyncClient(base_url=proposals_url, timeout=30) as proposals, \
                httpx.AsyncClient(base_url=verification_url, timeout=30) as verification:
            await walk(Clients(registry, proposals, verification), tokens, village, say)

    try:
        asyncio.run(run())
    except DemoFailed as failed:
        console.print(f"[red]{failed}")
        raise typer.Exit(1) from None
