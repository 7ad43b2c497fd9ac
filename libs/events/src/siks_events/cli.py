"""`siks`: the operator's command line (tokens from the local issuer, the embedded stack)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from siks_events import stack
from siks_events.auth import Role

app = typer.Typer(help="SIKS-NG command line.", no_args_is_help=True, add_completion=False)


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="The actor's role.")],
    region: Annotated[str, typer.Option(help="Region code the actor works in; empty for national scope.")] = "",
    subject: Annotated[str | None, typer.Option(help="Subject (user or system id).")] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 3600,
) -> None:
    """Print a bearer token from the embedded stack's local issuer."""
    if region and (not region.isdigit() or len(region) not in (2, 4, 6, 10)):
        raise typer.BadParameter("a region code has 2, 4, 6 or 10 digits", param_hint="--region")
    typer.echo(stack.issuer().ensure_keys().issue(role=role, region=region, subject=subject, ttl=ttl))


@app.command()
def run() -> None:
    """Start PostgreSQL, the broker and all five services; Ctrl-C stops them all."""
    raise typer.Exit(stack.run(say=lambda text, **_: typer.echo(text)))


@app.command()
def asyncapi() -> None:
    """Print the AsyncAPI document of every topic and event type."""
    from siks_events.asyncapi import document

    typer.echo(json.dumps(document(), indent=2))


if __name__ == "__main__":
    app()
