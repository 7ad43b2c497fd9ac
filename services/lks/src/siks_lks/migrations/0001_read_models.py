"""Read models of the LKS service: institutions and aid proposals, by region and status.

Revision ID: lks_0001
Revises:
Depends on: siks_events_0001
"""

from alembic import op

revision = "lks_0001"
down_revision = None
branch_labels = ("lks",)
depends_on = "siks_events_0001"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE institutions (
            lks_id       text PRIMARY KEY,
            name         text NOT NULL,
            region_code  text NOT NULL,
            scope        text NOT NULL,
            status       text NOT NULL,
            version      integer NOT NULL
        )""")
    op.execute("CREATE INDEX institutions_region ON institutions (region_code text_pattern_ops)")
    op.execute("""
        CREATE TABLE aid_proposals (
            aid_proposal_id  text PRIMARY KEY,
            lks_id           text NOT NULL,
            region_code      text NOT NULL,
            amount           bigint NOT NULL,
            status           text NOT NULL,
            at_level         text NOT NULL,
            reason           text NOT NULL DEFAULT '',
            version          integer NOT NULL
        )""")
    op.execute("CREATE INDEX aid_proposals_region ON aid_proposals (region_code text_pattern_ops, status)")


def downgrade() -> None:
    for table in ("aid_proposals", "institutions"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
