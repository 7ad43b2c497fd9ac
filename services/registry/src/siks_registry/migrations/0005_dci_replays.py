"""A subscription asking for events from a past date keeps `replay_pending` until its replay has been
queued, so a worker that stops half way leaves it for the next one.

Revision ID: registry_0005
Revises: registry_0004
"""

from alembic import op

revision = "registry_0005"
down_revision = "registry_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE dci_subscriptions ADD COLUMN replay_pending boolean NOT NULL DEFAULT false")
    op.execute("CREATE INDEX dci_subscriptions_replay ON dci_subscriptions (created_at) WHERE replay_pending")


def downgrade() -> None:
    op.execute("ALTER TABLE dci_subscriptions DROP COLUMN IF EXISTS replay_pending")
