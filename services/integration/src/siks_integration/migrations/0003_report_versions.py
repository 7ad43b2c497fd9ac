"""A report's read-model row remembers the stream version it was written from.

A decision that records no event (a pending report found to name somebody) is written at the
version it read; a writer who read an older version than the row holds must not overwrite it
(the registry's confirmation could otherwise be turned back into `translated`).

Revision ID: integration_0003
Revises: integration_0002
"""

from alembic import op

revision = "integration_0003"
down_revision = "integration_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE civil_reports ADD COLUMN version integer NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.execute("ALTER TABLE civil_reports DROP COLUMN version")
