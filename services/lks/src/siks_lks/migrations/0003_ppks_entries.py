"""PPKS prelist entries and their verification, for the offices' lists and the progress recap.

Revision ID: lks_0003
Revises: lks_0002
"""

from alembic import op

revision = "lks_0003"
down_revision = "lks_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE ppks_entries (
            entry_id     text PRIMARY KEY,
            region_code  text NOT NULL,
            name         text NOT NULL,
            category     text NOT NULL,
            outcome      text,
            instrument   text,
            version      integer NOT NULL
        )""")
    op.execute("CREATE INDEX ppks_entries_region ON ppks_entries (region_code text_pattern_ops, outcome)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS ppks_entries")
