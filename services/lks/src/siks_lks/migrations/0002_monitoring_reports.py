"""Monitoring reports on approved aid, beside the proposals they report on (one report per proposal).

Revision ID: lks_0002
Revises: lks_0001
"""

from alembic import op

revision = "lks_0002"
down_revision = "lks_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE monitoring_reports (
            report_id        text PRIMARY KEY,
            aid_proposal_id  text NOT NULL UNIQUE,
            lks_id           text NOT NULL,
            region_code      text NOT NULL,
            approved_amount  bigint NOT NULL,
            reported_amount  bigint NOT NULL,
            status           text NOT NULL,
            at_level         text NOT NULL,
            reason           text NOT NULL DEFAULT '',
            version          integer NOT NULL
        )""")
    op.execute("CREATE INDEX monitoring_reports_region ON monitoring_reports (region_code text_pattern_ops)")
    op.execute("ALTER TABLE aid_proposals ADD COLUMN service text")  # what the recap groups approved aid by


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS monitoring_reports")
