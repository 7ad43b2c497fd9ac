"""Read models of the proposals service: proposals by village, status and period, and the copy of DTKS
(households, their members and open programme memberships) kept from the registry's events.

Revision ID: proposals_0001
Revises:
Depends on: siks_events_0001
"""

from alembic import op

revision = "proposals_0001"
down_revision = None
branch_labels = ("proposals",)
depends_on = "siks_events_0001"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE proposals (
            proposal_id   text PRIMARY KEY,
            region_code   text NOT NULL,
            regency_code  text NOT NULL,
            kind          text NOT NULL,
            status        text NOT NULL,
            period        text,
            household_id  text,
            niks          text[] NOT NULL DEFAULT '{}',
            change        jsonb NOT NULL,
            reason        text,
            ready         boolean NOT NULL DEFAULT false,
            version       integer NOT NULL,
            updated_at    timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX proposals_region_status ON proposals (region_code text_pattern_ops, status)")
    op.execute("CREATE INDEX proposals_ready ON proposals (regency_code, period) WHERE ready")
    op.execute("CREATE INDEX proposals_household ON proposals (household_id)")
    op.execute("CREATE INDEX proposals_niks ON proposals USING gin (niks)")
    op.execute("""
        CREATE TABLE dtks_households (
            household_id  text PRIMARY KEY,
            region_code   text NOT NULL,
            kk_number     text NOT NULL,
            address       text NOT NULL,
            location      jsonb,
            active        boolean NOT NULL,
            version       bigint NOT NULL
        )""")
    op.execute("""
        CREATE TABLE dtks_members (
            household_id  text NOT NULL REFERENCES dtks_households ON DELETE CASCADE,
            nik           text NOT NULL,
            full_name     text NOT NULL,
            active        boolean NOT NULL,
            programs      text[] NOT NULL DEFAULT '{}',
            PRIMARY KEY (household_id, nik)
        )""")


def downgrade() -> None:
    for table in ("dtks_members", "dtks_households", "proposals"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
