"""The statement-letter key is stored sealed (issue 17): never in plain text, and a key stored in plain text
before is sealed by the migration, so letters issued with it still verify."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import siks_registry
from alembic import command
from siks_events import migrations
from siks_events.database import asyncpg_dsn
from siks_events.pytest_plugin import serving
from siks_events.sealing import SecretSealer, is_sealed, service_secret_context
from siks_registry.adapters.letters import SECRET_NAME, LetterCodes
from siks_registry.main import create_app

from ..builders import SITI, household

REVISIONS = Path(siks_registry.__file__).parent / "migrations"
PLAIN_KEY = "9f" * 32


async def stored_key(settings) -> str:
    connection = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        return await connection.fetchval(f"SELECT value FROM {settings.schema_name}.service_secrets WHERE name = $1",
                                         SECRET_NAME)
    finally:
        await connection.close()


async def test_the_letter_key_is_stored_sealed_and_the_letters_it_signs_verify(service_settings, token):
    settings = service_settings("registry", consumers_enabled=False, relay_enabled=False)
    async with serving(create_app(settings)) as client:
        await client.post("/v1/households", json=household(), headers=token())
        issued = await client.post("/v1/statement-letters", json={"nik": SITI["nik"]}, headers=token())
        assert issued.status_code == 200, issued.text
        code = issued.headers["x-verification-code"]
        assert (await client.get(f"/v1/public/statement-letters/{code}")).status_code == 200
    stored = await stored_key(settings)
    assert is_sealed(stored)
    key = SecretSealer.from_settings(settings).open(stored, context=service_secret_context(SECRET_NAME))
    assert key not in stored and LetterCodes(bytes.fromhex(key)).is_genuine(code)


async def test_a_key_stored_in_plain_text_before_is_sealed_by_the_migration(service_settings):
    settings = service_settings("registry", consumers_enabled=False, relay_enabled=False)
    config = migrations.alembic_config(REVISIONS, settings.database_url, settings.schema_name)
    await asyncio.to_thread(command.upgrade, config, "registry_0005")
    connection = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        await connection.execute(f"INSERT INTO {settings.schema_name}.service_secrets (name, value) VALUES ($1, $2)",
                                 SECRET_NAME, PLAIN_KEY)
    finally:
        await connection.close()
    code = LetterCodes(bytes.fromhex(PLAIN_KEY)).issue()  # a letter issued before the key was sealed

    async with serving(create_app(settings)):  # the service migrates as it starts
        pass
    stored = await stored_key(settings)
    assert PLAIN_KEY not in stored
    key = SecretSealer.from_settings(settings).open(stored, context=service_secret_context(SECRET_NAME))
    assert key == PLAIN_KEY and LetterCodes(bytes.fromhex(key)).is_genuine(code)
