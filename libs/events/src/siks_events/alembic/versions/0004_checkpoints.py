"""Signed checkpoints of the event chain, one per region, each covering the one before it.

Revision ID: siks_events_0004
Revises: siks_events_0003
"""

from siks_events import schema

revision = "siks_events_0004"
down_revision = "siks_events_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.upgrade_checkpoints()


def downgrade() -> None:
    raise NotImplementedError("the checkpoint revision is not reversible; restore from a backup")
