"""The event store, relay state, inbox, consumer positions and dead letters of a service.

Revision ID: siks_events_0001
Revises:
"""

from siks_events import schema

revision = "siks_events_0001"
down_revision = None
branch_labels = ("siks_events",)
depends_on = None


def upgrade() -> None:
    schema.upgrade()


def downgrade() -> None:
    schema.downgrade()
