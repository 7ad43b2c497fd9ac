"""Read models of the registry: households and persons for lookups and region search,
single identity (one active person per NIK), and statement letters.

Revision ID: registry_0001
Revises:
Depends on: siks_events_0001
"""

from alembic import op

revision = "registry_0001"
down_revision = None
branch_labels = ("registry",)
depends_on = "siks_events_0001"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE households (
            household_id    text PRIMARY KEY,
            kk_number       text NOT NULL,
            region_code     text NOT NULL,
            address         text NOT NULL,
            head_nik        text,
            needs_new_head  boolean NOT NULL DEFAULT false,
            active_members  integer NOT NULL,
            welfare_decile  integer,
            version         integer NOT NULL,
            updated_at      timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX households_kk ON households (kk_number)")
    op.execute("CREATE INDEX households_region ON households (region_code text_pattern_ops)")
    op.execute("""
        CREATE TABLE persons (
            household_id  text NOT NULL REFERENCES households ON DELETE CASCADE,
            nik           text NOT NULL,
            full_name     text NOT NULL,
            sex           text NOT NULL,
            birth_date    date NOT NULL,
            relationship  text NOT NULL,
            region_code   text NOT NULL,
            status        text NOT NULL,
            status_since  date,
            programs      jsonb NOT NULL DEFAULT '[]',
            updated_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (household_id, nik)
        )""")
    # Single identity: one active person per NIK across the whole registry.
    op.execute("CREATE UNIQUE INDEX persons_one_active_nik ON persons (nik) WHERE status = 'active'")
    op.execute("CREATE INDEX persons_nik ON persons (nik, updated_at DESC)")
    op.execute("CREATE INDEX persons_region_name ON persons (region_code text_pattern_ops, full_name)")
    op.execute("""
        CREATE TABLE statement_letters (
            code         text PRIMARY KEY,
            nik          text NOT NULL,
            household_id text NOT NULL,
            full_name    text NOT NULL,
            status       text NOT NULL,
            programs     jsonb NOT NULL,
            issued_at    timestamptz NOT NULL DEFAULT now(),
            issued_by    text NOT NULL
        )""")
    op.execute("CREATE TABLE service_secrets (name text PRIMARY KEY, value text NOT NULL)")


def downgrade() -> None:
    for table in ("service_secrets", "statement_letters", "persons", "households"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
