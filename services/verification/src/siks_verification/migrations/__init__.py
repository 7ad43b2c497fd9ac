"""Alembic revisions of the verification service's own tables.

They run after the shared event store tables (revision `siks_events_0001`), in the
service's own schema; add one with `depends_on = "siks_events_0001"`.
"""
