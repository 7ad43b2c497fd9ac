"""Alembic environment of the proposals service: its own schema, migrated at start-up."""

from siks_events.migrations import run_env

run_env()
