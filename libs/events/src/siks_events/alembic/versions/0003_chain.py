"""The tamper-evident chain of the event store: each sealed event's hash covers the one before it.

Revision ID: siks_events_0003
Revises: siks_events_0002
"""

from siks_events import schema

revision = "siks_events_0003"
down_revision = "siks_events_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.upgrade_chain()


def downgrade() -> None:
    raise NotImplementedError("the chain revision is not reversible; restore from a backup")
