"""Read models of the verification service: prelists, visits and which photos which visits used.

Revision ID: verification_0001
Revises:
Depends on: siks_events_0001
"""

from alembic import op

revision = "verification_0001"
down_revision = None
branch_labels = ("verification",)
depends_on = "siks_events_0001"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE prelist_entries (
            entry_id      text PRIMARY KEY,
            proposal_id   text NOT NULL,
            region_code   text NOT NULL,
            period        text NOT NULL,
            household_id  text,
            kk_number     text,
            address       text,
            niks          jsonb NOT NULL DEFAULT '[]',
            names         jsonb NOT NULL DEFAULT '[]',
            lat           double precision,
            lon           double precision,
            status        text NOT NULL,
            enumerator    text,
            revision      integer NOT NULL DEFAULT 0,
            updated_at    timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX prelist_entries_region ON prelist_entries (region_code text_pattern_ops, status)")
    op.execute("""
        CREATE TABLE visits (
            visit_id          text PRIMARY KEY,
            client_visit_id   text NOT NULL,
            entry_id          text NOT NULL,
            proposal_id       text NOT NULL,
            region_code       text NOT NULL,
            household_key     text NOT NULL,
            enumerator        text NOT NULL,
            started_at        timestamptz NOT NULL,
            ended_at          timestamptz NOT NULL,
            duration_seconds  integer NOT NULL,
            lat               double precision NOT NULL,
            lon               double precision NOT NULL,
            accuracy_m        double precision NOT NULL,
            household_found   boolean NOT NULL,
            status            text NOT NULL,
            flags             jsonb NOT NULL DEFAULT '[]',
            findings          jsonb NOT NULL,
            photos            jsonb NOT NULL DEFAULT '[]',
            reviewed_by       text,
            review_reason     text,
            version           integer NOT NULL,
            recorded_at       timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX visits_entry ON visits (entry_id)")
    op.execute("CREATE INDEX visits_region ON visits (region_code text_pattern_ops, status)")
    op.execute("""
        CREATE TABLE visit_photos (
            sha256         text NOT NULL,
            visit_id       text NOT NULL REFERENCES visits ON DELETE CASCADE,
            household_key  text NOT NULL,
            region_code    text NOT NULL,
            PRIMARY KEY (sha256, visit_id)
        )""")


def downgrade() -> None:
    for table in ("visit_photos", "visits", "prelist_entries"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
