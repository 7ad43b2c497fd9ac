"""A person's recorded details beside the columns searched on (marital status, education, occupation,
disability, birth place), so the DCI Member record is built from the read model alone.
Rows written before this revision get them at the next `siks-registry rebuild`.

Revision ID: registry_0004
Revises: registry_0003
"""

from alembic import op

revision = "registry_0004"
down_revision = "registry_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE persons ADD COLUMN details jsonb NOT NULL DEFAULT '{}'")


def downgrade() -> None:
    op.execute("ALTER TABLE persons DROP COLUMN IF EXISTS details")
