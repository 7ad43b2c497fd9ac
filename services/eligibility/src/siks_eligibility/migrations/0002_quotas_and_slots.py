"""Quotas per regency and programme, and who holds a slot: the state behind the service's own events.

Revision ID: eligibility_0002
Revises: eligibility_0001
"""

from alembic import op

revision = "eligibility_0002"
down_revision = "eligibility_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE eligibility_quotas (
            program  text NOT NULL,
            regency  text NOT NULL CHECK (regency ~ '^[0-9]{4}$'),
            quota    integer NOT NULL CHECK (quota >= 0),
            set_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (program, regency)
        )""")
    # Written in the transaction that appends the EligibilityGranted / EligibilityEnded events it reflects:
    # the events are the record (and the outbox), this table the fold a reallocation reads.
    op.execute("""
        CREATE TABLE eligibility_slots (
            program       text NOT NULL,
            regency       text NOT NULL,
            household_id  text NOT NULL,
            nik           text NOT NULL,  -- '' for a household programme (PKH, Sembako)
            granted_on    date NOT NULL,
            welfare_rank  integer NOT NULL,
            PRIMARY KEY (program, regency, household_id, nik)  -- a household that moved holds one in each until the old ends
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE eligibility_slots")
    op.execute("DROP TABLE eligibility_quotas")
