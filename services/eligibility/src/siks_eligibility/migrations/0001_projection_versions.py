"""The projection versions, their rebuild progress, and the pointer to the version the API serves.

Revision ID: eligibility_0001
Revises:
Depends on: siks_events_0002
"""

from alembic import op

revision = "eligibility_0001"
down_revision = None
branch_labels = ("eligibility",)
depends_on = "siks_events_0002"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE eligibility_versions (
            version        integer PRIMARY KEY,
            state          text NOT NULL CHECK (state IN ('building', 'ready', 'retired')),
            assessed_on    date NOT NULL,
            rule_versions  jsonb NOT NULL,
            weights_version text NOT NULL,
            target_offsets jsonb NOT NULL DEFAULT '{}',
            events_total   bigint NOT NULL DEFAULT 0,
            started_at     timestamptz NOT NULL DEFAULT now(),
            ready_at       timestamptz,
            retired_at     timestamptz
        )""")
    op.execute("""
        CREATE TABLE eligibility_pointer (
            singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            version    integer NOT NULL REFERENCES eligibility_versions (version),
            switched_at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE eligibility_pointer")
    op.execute("DROP TABLE eligibility_versions")
