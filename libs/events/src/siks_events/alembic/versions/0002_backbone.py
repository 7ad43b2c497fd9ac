"""The backbone at national volume: relay leader epoch, dead letters as an outbox, inbox pruning, relay wake-up.

Revision ID: siks_events_0002
Revises: siks_events_0001
"""

from siks_events import schema

revision = "siks_events_0002"
down_revision = "siks_events_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.upgrade_backbone()


def downgrade() -> None:
    raise NotImplementedError("the backbone revision is not reversible; restore from a backup")
