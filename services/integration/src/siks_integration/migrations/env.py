"""Alembic environment of the integration service: its own schema, migrated at start-up."""

from siks_events.migrations import run_env

run_env()
