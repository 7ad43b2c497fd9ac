"""Issue 19, acceptance 5 (first half): `siks status` shows each service's health, relay backlog, consumer lag and
dead letters, read from its /readyz and /metrics. The command against `siks run` itself: test_make_run.py."""

from __future__ import annotations

import httpx
from siks_events import status

from .conftest import eventually
from .test_death_report_flow import WIFE, known_to_integration, publish_inbound, register_family


async def test_status_reads_health_backlog_lag_and_dead_letters_of_each_service(services, tokens):
    registry, integration = services
    await register_family(registry, tokens)
    await known_to_integration(integration, tokens, WIFE)
    await publish_inbound(integration, None, raw=b"not a cloudevent")
    mounts = {"http://registry": httpx.ASGITransport(app=registry.app),
              "http://integration": httpx.ASGITransport(app=integration.app)}
    urls = {"registry": "http://registry", "integration": "http://integration", "lks": "http://127.0.0.1:9"}

    async def dead_letter_counted():
        async with httpx.AsyncClient(mounts=mounts) as client:
            found = {s.service: s for s in await status.collect(urls, client=client)}
        settled = found["integration"].dead_letters == 1 and not any(found["registry"].consumer_lag.values())
        return found if settled else None

    found = await eventually(dead_letter_counted, what="the dead letter to show in the status")
    assert found["registry"].health == "ready" and found["integration"].health == "ready"
    assert found["lks"].health == "down" and found["lks"].error
    assert found["registry"].relay_backlog == 0 and found["registry"].relay_backlog_oldest_seconds == 0
    assert found["registry"].dead_letters == 0
    groups = found["integration"].consumer_lag
    assert any(group.endswith("integration.siks-events") for group in groups)
    assert any(group.endswith("integration.dukcapil-inbound") for group in groups)
    assert all(lag >= 0 for lag in groups.values())

    lines = status.table(list(found.values()))
    assert lines[0].split()[:2] == ["service", "health"]
    registry_line = next(line for line in lines if line.startswith("registry"))
    assert registry_line.split() == ["registry", "ready", "0", "0.0", "0", "0"]
    assert next(line for line in lines if line.startswith("lks")).split() == ["lks", "down", "-", "-", "-", "-"]
    assert found["integration"].as_dict()["dead_letters"] == 1
