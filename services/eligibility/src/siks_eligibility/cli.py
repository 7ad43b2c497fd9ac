"""`siks-eligibility`: run the projection worker, rebuild a new version beside the served one, show status."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from siks_events import migrations
from siks_events.catalog.registry import Program
from siks_events.database import create_pool
from siks_events.relay import OutboxRelay

from siks_eligibility import worker
from siks_eligibility.adapters.postgres import slots, versions
from siks_eligibility.application.backtest import backtest as run_backtest
from siks_eligibility.application.simulation import simulate_decile_limits
from siks_eligibility.lifecycle import Lifecycle, Progress
from siks_eligibility.settings import EligibilitySettings

app = typer.Typer(help="The eligibility projection of the registry's events.", no_args_is_help=True,
                  add_completion=False)
console = Console(soft_wrap=True)  # one line per version, whatever the terminal width
MIGRATIONS = Path(__file__).parent / "migrations"
SOURCE = "/siks-ng/eligibility"

AssessedOn = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="the day decided (default: today, UTC)")]


def _day(on: datetime | None) -> date:
    return on.date() if on else datetime.now(UTC).date()


@asynccontextmanager
async def _lifecycle() -> AsyncIterator[Lifecycle]:
    settings = EligibilitySettings()
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, settings.database_url, settings.db_schema)
    pool = await create_pool(settings.database_url, settings.db_schema, max_size=12)
    try:
        yield Lifecycle(pool, settings.kafka_bootstrap_servers, topic_prefix=settings.topic_prefix,
                        partitions=settings.kafka_partitions, session_timeout_ms=settings.kafka_session_timeout_ms,
                        batch_size=settings.consumer_batch_size)
    finally:
        await pool.close()


def _line(progress: Progress) -> str:
    left = f", about {progress.seconds_left:.0f} s left" if progress.seconds_left is not None else ""
    return (f"v{progress.version} {progress.state}: {progress.done}/{progress.total} events,"
            f" {progress.rate:.0f} events/s{left}")


@app.command()
def run(on: AssessedOn = None) -> None:
    """Keep the served version current with the registry's events (the first version starts if there is none),
    and publish the service's own events (slots granted, ended, reallocated) through its outbox."""
    async def main() -> None:
        settings = EligibilitySettings()
        async with _lifecycle() as lifecycle:
            relay = OutboxRelay(lifecycle.pool, bootstrap_servers=settings.kafka_bootstrap_servers, source=SOURCE,
                                topic_prefix=settings.topic_prefix, partitions=settings.kafka_partitions)
            await asyncio.gather(worker.run(lifecycle, on=_day(on)), relay.run())

    asyncio.run(main())


@app.command()
def quota(program: Program, regency: Annotated[str, typer.Argument(help="the 4-digit regency code")],
          slots_: Annotated[int | None, typer.Argument(metavar="SLOTS", help="omit to remove the quota")] = None) -> None:
    """Set a programme's quota of slots in a regency (or remove it) and reallocate the regency's slots under it."""
    if not (len(regency) == 4 and regency.isdigit()) or (slots_ is not None and slots_ < 0):
        raise typer.BadParameter("a regency is 4 digits and a quota is 0 or more")

    async def main() -> None:
        async with _lifecycle() as lifecycle:
            await slots.set_quota(lifecycle.pool, program, regency, slots_)
            served = await versions.current(lifecycle.pool)
            if served is not None:  # a raised quota grants at once; a lowered one evicts nobody
                await lifecycle.reallocate(served, [regency])
            for row in await slots.all_quotas(lifecycle.pool):
                console.print(f"{row['program']} {row['regency']}: {row['quota']}")

    asyncio.run(main())


@app.command()
def rebuild(on: AssessedOn = None,
            keep_previous: Annotated[bool, typer.Option(help="keep the previous version's tables")] = False) -> None:
    """Replay the whole registry log into a new version, then serve it (the current one answers meanwhile)."""
    async def main() -> None:
        async with _lifecycle() as lifecycle:
            last = [0.0]

            def report(progress: Progress) -> None:
                now = asyncio.get_running_loop().time()
                if now - last[0] >= 1 or progress.caught_up:
                    last[0] = now
                    console.print(_line(progress))
                if progress.caught_up:
                    console.print("replayed: folding, ranking and deciding every household")

            version = await worker.rebuild(lifecycle, on=_day(on), report=report, drop_previous=not keep_previous)
            console.print(f"serving v{version.version} (assessing {version.assessed_on})")

    asyncio.run(main())


def _limits(items: list[str]) -> dict[Program, int]:
    """PROGRAM=DECILE arguments as decile limits per programme."""
    try:
        proposed = {Program(name.upper()): int(limit) for name, _, limit in (item.partition("=") for item in items)}
    except ValueError as exc:
        raise typer.BadParameter(f"write PROGRAM=DECILE with a programme of {[p.value for p in Program]}") from exc
    if not all(1 <= limit <= 10 for limit in proposed.values()):
        raise typer.BadParameter("a decile limit is 1 to 10")
    return proposed


@app.command()
def simulate(limits: Annotated[list[str], typer.Argument(metavar="PROGRAM=DECILE...",
                                                         help="proposed decile limits, e.g. PKH=3 SEMBAKO=2")]) -> None:
    """Count, per regency and programme, the households the proposed decile limits would add and drop (the served
    version is read, never changed)."""
    proposed = _limits(limits)

    async def main() -> None:
        async with _lifecycle() as lifecycle:
            found = await simulate_decile_limits(lifecycle.pool, proposed)
            if found is None:
                console.print("no projection version is served yet")
                return
            console.print(f"against v{found.projection_version} (assessing {found.on}), rules {found.current}")
            for shift in found.shifts:
                console.print(f"{shift.regency} {shift.program.value}: +{shift.households_gaining}"
                              f" -{shift.households_losing} households")

    asyncio.run(main())


@app.command()
def backtest(months: Annotated[int, typer.Option(min=1, max=120, help="month ends to assess")] = 12,
             until: Annotated[datetime | None, typer.Option(
                 formats=["%Y-%m-%d"], help="the last day (default: the day the served version assesses)")] = None,
             limits: Annotated[list[str] | None, typer.Argument(metavar="[PROGRAM=DECILE]...",
                                                                help="proposed decile limits, e.g. PKH=3")] = None) -> None:
    """How the eligible set would have moved over the last month ends, each as the registry knew it then, under the
    rules in force on the last day (or with proposed decile limits)."""
    proposed = _limits(limits or [])

    async def main() -> None:
        async with _lifecycle() as lifecycle:
            found = await run_backtest(lifecycle.pool, until=until.date() if until else None, months=months,
                                       limits=proposed)
            if found is None:
                console.print("no projection version is served yet")
                return
            console.print(f"against v{found.projection_version}, rules {found.rule_versions}")
            for month in found.months:
                console.print(f"{month.month_end} {month.program.value}: {month.eligible} eligible"
                              f" ({month.households} households), +{month.entered} -{month.left}")

    asyncio.run(main())


@app.command()
def status() -> None:
    """Every version: its state, what it assesses, and how far its consumer has read."""
    async def main() -> None:
        async with _lifecycle() as lifecycle:
            served = await versions.current(lifecycle.pool)
            for version in await versions.all_versions(lifecycle.pool):
                mark = "*" if version.version == served else " "
                if version.state is versions.VersionState.RETIRED:
                    detail = f"v{version.version} retired"
                else:
                    lag = await lifecycle.lag(version.version)
                    positions = await versions.positions(lifecycle.pool, version.version)
                    detail = (f"{_line(await lifecycle.progress(version.version))}; lag {sum(lag.values())} events;"
                              f" next offsets {dict(sorted(positions.items()))}")
                console.print(f"{mark} {detail}; on {version.assessed_on}, rules {version.rule_versions},"
                              f" weights {version.weights_version}")

    asyncio.run(main())


if __name__ == "__main__":
    app()
