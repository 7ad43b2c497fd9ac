"""Subscribers' secrets are stored sealed (issue 17): the column never holds the secret, rows written in plain
text before are sealed by the migration, and deliveries are still signed with the secret itself."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
import siks_integration
from alembic import command
from siks_events import migrations
from siks_events.auth import Role
from siks_events.database import asyncpg_dsn
from siks_events.pytest_plugin import serving
from siks_events.sealing import SecretSealer, SecretsKeyMissing, is_sealed
from siks_integration.adapters.postgres.crvs_subscriptions import client_key_context
from siks_integration.adapters.postgres.subscriptions import secret_context
from siks_integration.main import create_app

SECRET = "kemenkes-callback-secret-2026"
REVISIONS = Path(siks_integration.__file__).parent / "migrations"


async def stored_rows(settings) -> list[str]:
    connection = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:  # every column of every row, as text: the secret may hide in none of them
        return [r[0] for r in await connection.fetch(f"SELECT s::text FROM {settings.schema_name}.subscriptions s")]
    finally:
        await connection.close()


async def test_the_stored_column_holds_the_secret_sealed_never_in_plain_text(service_settings, local_issuer):
    settings = service_settings("integration", consumers_enabled=False, relay_enabled=False)
    headers = {"Authorization": f"Bearer {local_issuer.issue(role=Role.SYSTEM, region='', subject='satusehat')}"}
    async with serving(create_app(settings)) as client:
        created = await client.post("/v1/subscriptions", headers=headers, json={
            "subscriber": "SATUSEHAT", "event_types": ["siks.registry.member-deceased.v1"],
            "callback_url": "http://127.0.0.1:9/hook", "secret": SECRET})
        assert created.status_code == 201, created.text
        shown = await client.get(f"/v1/subscriptions/{created.json()['subscription_id']}", headers=headers)
    assert SECRET not in shown.text
    [row] = await stored_rows(settings)
    assert SECRET not in row and "kemenkes" not in row
    pool = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        sealed = await pool.fetchval(f"SELECT secret FROM {settings.schema_name}.subscriptions")
    finally:
        await pool.close()
    assert is_sealed(sealed)
    subscription_id = created.json()["subscription_id"]
    assert SecretSealer.from_settings(settings).open(sealed, context=secret_context(subscription_id)) == SECRET


async def plain_row_before_sealing(settings) -> str:
    """A schema as it was before secrets were sealed, holding one subscription with its secret in plain text."""
    config = migrations.alembic_config(REVISIONS, settings.database_url, settings.schema_name)
    await asyncio.to_thread(command.upgrade, config, "integration_0003")
    subscription_id = str(uuid.uuid4())
    connection = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        await connection.execute(
            f"INSERT INTO {settings.schema_name}.subscriptions (subscription_id, subscriber, event_types,"
            " callback_url, secret, created_by) VALUES ($1, 'BPJS', ARRAY['x'], 'http://127.0.0.1:9/hook', $2, 'old')",
            subscription_id, SECRET)
    finally:
        await connection.close()
    return subscription_id


async def test_the_migration_seals_secrets_stored_in_plain_text_before(service_settings):
    settings = service_settings("integration", consumers_enabled=False, relay_enabled=False)
    subscription_id = await plain_row_before_sealing(settings)
    async with serving(create_app(settings)):  # the service migrates as it starts
        pass
    [row] = await stored_rows(settings)
    assert SECRET not in row
    connection = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        sealed = await connection.fetchval(f"SELECT secret FROM {settings.schema_name}.subscriptions")
    finally:
        await connection.close()
    assert SecretSealer.from_settings(settings).open(sealed, context=secret_context(subscription_id)) == SECRET


async def test_without_a_key_the_migration_refuses_to_leave_plain_secrets_behind(service_settings):
    settings = service_settings("integration", consumers_enabled=False, relay_enabled=False, secrets_keys=None)
    await plain_row_before_sealing(settings)
    with pytest.raises(SecretsKeyMissing, match="1 subscription secrets are stored in plain text"):
        await asyncio.to_thread(migrations.upgrade, REVISIONS, settings.database_url, settings.schema_name)
    [row] = await stored_rows(settings)
    assert SECRET in row  # nothing half done: the revision's transaction rolled back


async def test_a_service_that_keeps_secrets_will_not_start_without_the_key(service_settings):
    settings = service_settings("integration", consumers_enabled=False, relay_enabled=False, secrets_keys=None)
    with pytest.raises(SecretsKeyMissing, match="SIKS_SECRETS_KEYS"):
        async with serving(create_app(settings)):
            pass


async def test_the_migration_seals_a_crvs_signing_key_stored_in_plain_text_before(service_settings):
    settings = service_settings("integration", consumers_enabled=False, relay_enabled=False)
    config = migrations.alembic_config(REVISIONS, settings.database_url, settings.schema_name)
    await asyncio.to_thread(command.upgrade, config, "integration_0005_crvs")
    pem = "-----BEGIN PRIVATE KEY-----\nplain-crvs-key\n-----END PRIVATE KEY-----\n"
    connection = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        await connection.execute(f"INSERT INTO {settings.schema_name}.crvs_client_keys (client_id, pem)"
                                 " VALUES ('siks-ng', $1)", pem)
        async with serving(create_app(settings)):  # the service migrates as it starts
            pass
        stored = await connection.fetchval(f"SELECT pem FROM {settings.schema_name}.crvs_client_keys")
    finally:
        await connection.close()
    assert "plain-crvs-key" not in stored
    assert SecretSealer.from_settings(settings).open(stored, context=client_key_context("siks-ng")) == pem
