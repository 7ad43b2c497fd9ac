"""Read models and delivery state of the integration service.

Revision ID: integration_0001
Revises:
Depends on: siks_events_0001
"""

from alembic import op

revision = "integration_0001"
down_revision = None
branch_labels = ("integration",)
depends_on = "siks_events_0001"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE civil_reports (
            report_id     text PRIMARY KEY,
            kind          text NOT NULL,
            nik           text,
            kk_number     text,
            event_date    date,
            status        text NOT NULL,
            reason        text,
            received_at   timestamptz NOT NULL DEFAULT now(),
            updated_at    timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX civil_reports_nik ON civil_reports (nik)")
    op.execute("CREATE INDEX civil_reports_received ON civil_reports (received_at)")
    op.execute("CREATE INDEX civil_reports_status ON civil_reports (status)")
    # What DTKS holds, mirrored from the registry's events: to tell unmatched reports at once.
    op.execute("""
        CREATE TABLE dtks_persons (
            nik           text PRIMARY KEY,
            household_id  text NOT NULL,
            kk_number     text NOT NULL,
            full_name     text NOT NULL,
            birth_date    date NOT NULL,
            region_code   text NOT NULL,
            status        text NOT NULL,
            status_since  date
        )""")
    op.execute("CREATE INDEX dtks_persons_kk ON dtks_persons (kk_number)")
    op.execute("""
        CREATE TABLE dtks_households (
            household_id  text PRIMARY KEY,
            kk_number     text NOT NULL,
            region_code   text NOT NULL
        )""")
    op.execute("CREATE INDEX dtks_persons_household ON dtks_persons (household_id)")
    op.execute("""
        CREATE TABLE subscriptions (
            subscription_id text PRIMARY KEY,
            subscriber      text NOT NULL,
            event_types     text[] NOT NULL,
            region_prefix   text NOT NULL DEFAULT '',
            callback_url    text NOT NULL,
            secret          text NOT NULL,
            created_by      text NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("""
        CREATE TABLE outbound_deliveries (
            delivery_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind            text NOT NULL,
            subscription_id text,
            event_id        text NOT NULL,
            event_type      text NOT NULL,
            payload         jsonb NOT NULL,
            status          text NOT NULL DEFAULT 'pending',
            attempts        integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            last_error      text,
            created_at      timestamptz NOT NULL DEFAULT now(),
            delivered_at    timestamptz,
            UNIQUE NULLS NOT DISTINCT (kind, subscription_id, event_id)
        )""")
    op.execute("CREATE INDEX outbound_deliveries_due ON outbound_deliveries (next_attempt_at) WHERE status = 'pending'")
    op.execute("""
        CREATE TABLE delivery_attempts (
            delivery_id  bigint NOT NULL REFERENCES outbound_deliveries ON DELETE CASCADE,
            attempt      integer NOT NULL,
            attempted_at timestamptz NOT NULL DEFAULT now(),
            status_code  integer,
            error        text,
            PRIMARY KEY (delivery_id, attempt)
        )""")


def downgrade() -> None:
    for table in ("delivery_attempts", "outbound_deliveries", "subscriptions", "dtks_households", "dtks_persons",
                  "civil_reports"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
