"""The event store, relay state, inbox and consumer positions of the registry service.

Revision ID: 0001
Revises:
"""

from siks_events import schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.upgrade()


def downgrade() -> None:
    schema.downgrade()
