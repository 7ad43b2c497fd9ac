"""Alembic environment shared by every service: its own schema, migrated at start-up."""

from siks_events.migrations import run_env

run_env()
