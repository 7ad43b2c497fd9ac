"""`siks`: the operator's command line (tokens from the local issuer, the embedded stack and its status, dead
letters)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Awaitable
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import asyncpg
import typer
from aiokafka.errors import KafkaError

from siks_events import dead_letters, stack
from siks_events.auth import Role
from siks_events.database import asyncpg_dsn, create_pool
from siks_events.model import DomainError
from siks_events.settings import DEFAULT_PORTS, SERVICES

app = typer.Typer(help="SIKS-NG command line.", no_args_is_help=True, add_completion=False)
dlq = typer.Typer(help="Dead letters: records a service's consumers gave up on. List, show, replay.",
                  no_args_is_help=True)
app.add_typer(dlq, name="dlq")

Service = Enum("Service", {name: name for name in SERVICES}, type=str)
T = TypeVar("T")


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


@app.command()
def docs(
    folder: Annotated[Path, typer.Option(help="where the published documents live")] = Path("docs"),
    check: Annotated[bool, typer.Option("--check", help="only say which copies are out of date (exit 1)")] = False,
) -> None:
    """Write the AsyncAPI catalogue and every service's OpenAPI document under docs/ (or check them)."""
    from siks_events import published

    if check:
        out_of_date = published.stale(folder)
        for name in out_of_date:
            typer.echo(f"out of date: {folder / name}")
        raise typer.Exit(1 if out_of_date else 0)
    for path in published.write(folder):
        typer.echo(f"wrote {path}")


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each service.")] = 10.0,
) -> None:
    """Each running service's health, relay backlog, consumer lag and dead letters (the ports of `siks run`,
    shifted by SIKS_PORT_OFFSET); exit 1 unless every service is ready."""
    from siks_events import status as service_status

    offset = stack.port_offset()
    urls = {service: f"http://127.0.0.1:{port + offset}" for service, port in DEFAULT_PORTS.items()}
    statuses = asyncio.run(service_status.collect(urls, timeout=timeout))
    if as_json:
        typer.echo(json.dumps({s.service: s.as_dict() for s in statuses}, indent=2))
    else:
        for line in service_status.table(statuses):
            typer.echo(line)
    raise typer.Exit(0 if all(s.health == "ready" for s in statuses) else 1)


ServiceOption = Annotated[Service, typer.Option("--service", help="The service whose dead letters to read.")]
SchemaOption = Annotated[str | None, typer.Option(
    help="The service's database schema (default: SIKS_DB_SCHEMA, else the service's name, as under siks run).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _database_url(service: str) -> str:
    """As the service itself finds it: `<SERVICE>_DATABASE_URL`, `DATABASE_URL`, else `siks run`'s."""
    return (os.environ.get(f"{service.upper()}_DATABASE_URL") or os.environ.get("DATABASE_URL")
            or stack.embedded_database_url(stack.port_offset()))


@contextlib.asynccontextmanager
async def _service_pool(service: str, schema: str | None) -> AsyncIterator[asyncpg.Pool]:
    url = _database_url(service)
    schema = schema or os.environ.get("SIKS_DB_SCHEMA") or service
    # look before connecting the pool: opening one would create a mistyped schema
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        has_table = await connection.fetchval(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'dead_letters'", schema)
    finally:
        await connection.close()
    if not has_table:
        raise typer.BadParameter(f"no dead_letters table in schema {schema!r} (has {service} started once?)",
                                 param_hint="--service/--schema")
    pool = await create_pool(url, schema, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


def _run(work: Awaitable[T]) -> T:
    """Run one async step; a refusal or an unreachable server ends the command with its reason."""
    try:
        return asyncio.run(work)
    except DomainError as refused:
        typer.echo(f"refused: {refused.detail}", err=True)
        raise typer.Exit(1) from None
    except (OSError, asyncpg.PostgresError, KafkaError, TimeoutError) as exc:
        typer.echo(f"failed: {exc!r}", err=True)
        raise typer.Exit(1) from None


@dlq.command("list")
def dlq_list(
    service: ServiceOption,
    consumer: Annotated[str | None, typer.Option(help="Only this consumer's, e.g. integration.dukcapil-inbound.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only records from this topic (full name, prefix included).")] = None,
    reason_code: Annotated[str | None, typer.Option(
        help="Only this reason: malformed, unknown-type, invalid-data, handler-failed, ...")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a service's dead letters, newest first."""

    async def fetch() -> list[dead_letters.DeadLetter]:
        async with _service_pool(service.value, schema) as pool:
            return await dead_letters.list_dead_letters(pool, consumer=consumer, topic=topic,
                                                        reason_code=reason_code, limit=limit)

    letters = [letter.summary() for letter in _run(fetch())]
    if as_json:
        typer.echo(json.dumps(letters, indent=2))
        return
    if not letters:
        typer.echo("no dead letters")
        return
    typer.echo(f"{'id':>6}  {'recorded (UTC)':<19}  {'consumer':<28}  {'topic[partition]@offset':<40}  "
               f"{'reason code':<20}  {'replayed':<8}  reason")
    for letter in letters:
        where = f"{letter['topic']}[{letter['partition']}]@{letter['offset']}"
        typer.echo(f"{letter['id']:>6}  {letter['recorded_at'][:19]:<19}  {letter['consumer']:<28}  {where:<40}  "
                   f"{letter['reason_code']:<20}  {'yes' if letter['replayed_at'] else '':<8}  "
                   f"{_one_line(letter['reason'], 80)}")


@dlq.command("show")
def dlq_show(
    id: Annotated[int, typer.Argument(help="The dead letter's id (from siks dlq list).")],
    service: ServiceOption,
    schema: SchemaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one dead letter: why, where from, and the record's key, value and headers (NIKs masked)."""

    async def fetch() -> dead_letters.DeadLetter:
        async with _service_pool(service.value, schema) as pool:
            return await dead_letters.get_dead_letter(pool, id)

    letter = _run(fetch()).details()
    if as_json:
        typer.echo(json.dumps(letter, indent=2))
        return
    for name in ("id", "consumer", "topic", "partition", "offset", "reason_code", "reason", "event_id",
                 "recorded_at", "sent_at", "replayed_at", "key"):
        typer.echo(f"{name + ':':<13}{'-' if letter[name] is None else letter[name]}")
    typer.echo("headers:")
    for name, value in letter["headers"]:
        typer.echo(f"  {name}: {'-' if value is None else value}")
    if letter["value_is_text"]:
        typer.echo(f"value:\n{letter['value'] if letter['value'] is not None else '-'}")
    else:
        typer.echo(f"value:       ({letter['value_bytes']} bytes, not UTF-8)")


@dlq.command("replay")
def dlq_replay(
    id: Annotated[int, typer.Argument(help="The dead letter's id (from siks dlq list).")],
    service: ServiceOption,
    force: Annotated[bool, typer.Option("--force", help="Replay even if it was replayed before.")] = False,
    schema: SchemaOption = None,
) -> None:
    """Send a dead letter's original record to its original topic again, marked siks_replay_of=<id>."""
    bootstrap_servers = (os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
                         or stack.embedded_bootstrap_servers(stack.port_offset()))
    topic_prefix = os.environ.get("SIKS_TOPIC_PREFIX", "")

    async def send() -> dead_letters.DeadLetter:
        async with _service_pool(service.value, schema) as pool:
            return await dead_letters.replay(pool, bootstrap_servers, id, topic_prefix=topic_prefix, force=force)

    letter = _run(send())
    typer.echo(f"replayed dead letter {letter.id} to {letter.topic} at {letter.replayed_at:%Y-%m-%d %H:%M:%S %Z}")


def _one_line(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


if __name__ == "__main__":
    app()


audit = typer.Typer(help="The event store's tamper-evident chain.", no_args_is_help=True)
app.add_typer(audit, name="audit")


@audit.command("verify")
def audit_verify(service: Annotated[Service, typer.Option("--service", help="The service whose event store to check.")],
                 schema: SchemaOption = None) -> None:
    """Recompute the service's event chain from its stored events and check its signed checkpoints (with the keys
    in SIKS_CHAIN_SIGNING_KEYS); name the first broken link or checkpoint (exit 1)."""
    from siks_events import chain, checkpoints

    keys = os.environ.get("SIKS_CHAIN_SIGNING_KEYS", "").strip()
    signer = checkpoints.CheckpointSigner.from_text(keys) if keys else None

    async def check():
        async with _service_pool(service.value, schema) as pool, pool.acquire() as connection:
            checked, broken = await chain.verify(connection)
            signed = await checkpoints.verify(connection, signer) if broken is None and signer else None
            return checked, broken, signed

    checked, broken, signed = _run(check())
    if broken is not None:
        typer.echo(f"broken at position {broken.position} (stream {broken.stream_id}, version {broken.version},"
                   f" link {broken.seq}): {broken.reason}; {checked} links before it hold")
        raise typer.Exit(1)
    if signed is None:
        typer.echo(f"the chain of {service.value} holds: {checked} events sealed, none altered"
                   " (checkpoints not checked: SIKS_CHAIN_SIGNING_KEYS is not set)")
        return
    held, forged = signed
    if forged is not None:
        typer.echo(f"checkpoint {forged.seq} (region {forged.region}, up to link {forged.up_to_seq}) does not hold:"
                   f" {forged.reason}; {held} checkpoints before it hold")
        raise typer.Exit(1)
    typer.echo(f"the chain of {service.value} holds: {checked} events sealed, none altered; {held} signed checkpoints hold")
