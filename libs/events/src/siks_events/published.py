"""The documents other systems read to talk to us: the AsyncAPI event catalogue and each service's OpenAPI
document, generated from the code and kept as files under `docs/` so a partner can read them without
running anything (`siks docs` writes them; a test proves the copies current)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from siks_events import asyncapi
from siks_events.settings import SERVICES, Settings


def _settings(service: str) -> Settings:
    # Building an app reads settings; none of these is contacted to produce its document.
    return Settings(service=service, database_url="postgresql://docs@localhost/docs",
                    kafka_bootstrap_servers="localhost:9092", auth_jwks_url="https://issuer.invalid/jwks")


def documents() -> dict[str, Any]:
    """Each published document by its path under `docs/`."""
    found: dict[str, Any] = {"asyncapi.json": asyncapi.document()}
    for service in SERVICES:
        app = importlib.import_module(f"siks_{service}.main").create_app(_settings(service))
        found[f"openapi/{service}.json"] = app.openapi()
    return found


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(folder: Path) -> list[Path]:
    """Write every document under `folder`; the paths written."""
    written = []
    for name, document in documents().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document))
        written.append(path)
    return written


def stale(folder: Path) -> list[str]:
    """The documents under `folder` that differ from what the code generates now (or are missing)."""
    return [name for name, document in documents().items()
            if not (folder / name).exists() or (folder / name).read_text() != render(document)]
