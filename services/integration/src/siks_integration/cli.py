"""`siks-integration`: the Dukcapil simulator and the guided demo, against the running system."""

from __future__ import annotations

import asyncio
import json
import os
import random
from datetime import date
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from siks_events.auth import Role
from siks_events.stack import issuer
from siks_events.telemetry import mask_niks

from siks_integration import simulator

app = typer.Typer(help="Integration tools: Dukcapil simulator, demo.", no_args_is_help=True, add_completion=False)
dukcapil_app = typer.Typer(help="Simulate Dukcapil (the civil registry).", no_args_is_help=True)
app.add_typer(dukcapil_app, name="dukcapil")
console = Console()

RegistryUrl = Annotated[str, typer.Option(help="the registry service")]
IntegrationUrl = Annotated[str, typer.Option(help="the integration service")]


def _endpoints(registry_url: str, integration_url: str) -> simulator.Endpoints:
    keys = issuer().ensure_keys()
    return simulator.Endpoints(
        registry=registry_url, integration=integration_url,
        registry_token=keys.issue(role=Role.MINISTRY, subject="dukcapil-simulator"),
        dukcapil_token=keys.issue(role=Role.DUKCAPIL, subject="dukcapil-simulator"))


@dukcapil_app.command()
def simulate(
    deaths: Annotated[int, typer.Option(help="death reports to send")] = 10,
    moves: Annotated[int, typer.Option(help="domicile moves to send")] = 5,
    region: Annotated[str, typer.Option(help="region code prefix to pick people from")] = "3571",
    via: Annotated[str, typer.Option(help="http (the API), kafka (Dukcapil's inbound topic) or dci (the DCI CRVS"
                                          " API, through the civil registry stand-in)")] = "http",
    seed: Annotated[int | None, typer.Option(help="for repeatable picks")] = None,
    registry_url: RegistryUrl = "http://127.0.0.1:8001",
    integration_url: IntegrationUrl = "http://127.0.0.1:8005",
) -> None:
    """Send realistic death and move reports for people who are in the running registry."""
    if via not in ("http", "kafka", "dci"):
        raise typer.BadParameter("http, kafka or dci", param_hint="--via")
    rng = random.Random(seed)
    endpoints = _endpoints(registry_url, integration_url)

    async def run() -> None:
        people = await simulator.people_in(endpoints, region, deaths + moves)
        if len(people) < deaths + moves:
            raise typer.BadParameter(f"only {len(people)} active persons in region {region}; load data first")
        picked = rng.sample(people, deaths + moves)
        today = date.today()
        reports = [simulator.death_of(p, rng, today) for p in picked[:deaths]]
        reports += [simulator.move_of(p, rng, today) for p in picked[deaths:]]
        with Progress(console=console) as bar:
            task = bar.add_task(f"sending via {via}", total=len(reports))

            def sent(answer: dict) -> None:
                bar.advance(task)
                _show(answer)

            if via == "http":
                await simulator.send_http(endpoints, reports, sent)
            elif via == "dci":
                await simulator.send_dci(endpoints, reports, sent)
            else:
                await simulator.send_kafka(os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
                                           os.environ.get("SIKS_TOPIC_PREFIX", ""), reports, sent)

    asyncio.run(run())


@app.command()
def demo(
    region: Annotated[str, typer.Option(help="region code prefix with loaded data")] = "3571",
    registry_url: RegistryUrl = "http://127.0.0.1:8001",
    integration_url: IntegrationUrl = "http://127.0.0.1:8005",
) -> None:
    """Walk one death report and one move through the running system, showing each step."""
    asyncio.run(_demo(_endpoints(registry_url, integration_url), region))


async def _wait_applied(client: httpx.AsyncClient, report_id: str, headers: dict) -> dict:
    for _ in range(150):
        report = (await client.get(f"/v1/dukcapil/reports/{report_id}", headers=headers)).json()
        if report["status"] in ("applied", "held"):
            return report
        await asyncio.sleep(0.2)
    return report


def _show(value) -> None:
    """Print an answer as JSON with every NIK and KK number masked: demo output ends up in terminals and logs."""
    console.print_json(mask_niks(json.dumps(value, default=str)))


async def arrive_in_new_village(registry: httpx.AsyncClient, mover: dict, village: str, rng: random.Random) -> None:
    """The destination village sees the mover on its arrivals list and registers a household for them."""
    operator = {"Authorization": f"Bearer {issuer().issue(role=Role.VILLAGE_OPERATOR, region=village, subject='demo')}"}
    console.rule(f"6. The mover is on the arrivals list of village {village} (GET /v1/villages/{village}/arrivals)")
    for _ in range(150):
        arrivals = (await registry.get(f"/v1/villages/{village}/arrivals", headers=operator)).json()
        if any(a["nik"] == mover["nik"] for a in arrivals):
            break
        await asyncio.sleep(0.2)
    _show(arrivals)
    console.rule("7. The village operator there registers a household for them (POST /v1/arrivals/attachment)")
    attachment = {"nik": mover["nik"], "kk_number": f"{village[:6]}{rng.randrange(10**10):010d}",
                  "address": "Jl. Baru 1, RT 01 RW 01"}
    _show((await registry.post("/v1/arrivals/attachment", json=attachment, headers=operator)).json())
    _show((await registry.get(f"/v1/persons/{mover['nik']}", headers=operator)).json())


async def _demo(endpoints: simulator.Endpoints, region: str) -> None:
    rng = random.Random()
    reader = {"Authorization": f"Bearer {endpoints.registry_token}"}
    sender = {"Authorization": f"Bearer {endpoints.dukcapil_token}"}
    people = await simulator.people_in(endpoints, region, 200)
    if len(people) < 2:
        console.print(f"[red]No active persons in region {region}: load a regency first (make demo does).")
        raise typer.Exit(1)
    with_programme = [p for p in people if any(x["active"] for x in p["programs"])] or people
    dying = rng.choice(with_programme)
    mover = rng.choice([p for p in people if p["household_id"] != dying["household_id"]])
    async with httpx.AsyncClient(base_url=endpoints.registry) as registry, \
            httpx.AsyncClient(base_url=endpoints.integration) as integration:
        console.rule("1. A beneficiary in DTKS")
        _show((await registry.get(f"/v1/persons/{dying['nik']}", headers=reader)).json())
        console.rule("2. Dukcapil reports the death (POST /v1/dukcapil/death-reports)")
        death = simulator.death_of(dying, rng, date.today())
        receipt = (await integration.post("/v1/dukcapil/death-reports", json=death.model_dump(mode="json"),
                                          headers=sender)).json()
        _show(receipt)
        console.rule("3. The report travels: integration -> Kafka -> registry")
        report = await _wait_applied(integration, receipt["report_id"], reader)
        _show({"status": report["status"], "steps": [s["type"] for s in report["history"]]})
        console.rule("4. The registry shows the person deceased and the programmes ended")
        _show((await registry.get(f"/v1/persons/{dying['nik']}", headers=reader)).json())
        console.rule("5. Dukcapil reports a move of domicile (POST /v1/dukcapil/domicile-moves)")
        move = simulator.move_of(mover, rng, date.today())
        receipt = (await integration.post("/v1/dukcapil/domicile-moves", json=move.model_dump(mode="json"),
                                          headers=sender)).json()
        _show(receipt)
        report = await _wait_applied(integration, receipt["report_id"], reader)
        _show({"status": report["status"], "steps": [s["type"] for s in report["history"]]})
        _show((await registry.get(f"/v1/persons/{mover['nik']}", headers=reader)).json())
        await arrive_in_new_village(registry, mover, move.to_region, rng)
    console.rule("Where to look")
    console.print(f"household timeline: {endpoints.registry}/v1/households/{dying['household_id']}/timeline")
    console.print(f"report status:      {receipt['status_url']}")
    console.print(f"API docs:           {endpoints.registry}/docs and {endpoints.integration}/docs")
    console.print("logs:               .siks/logs/*.log (JSON, NIKs masked)")
