"""The copy of DTKS keyed by membership and stream version; pending reports found quickly.

One row per (person, household) with the household stream's version that last wrote it, so a
late or repeated event of one household cannot undo a newer fact, nor touch the person's
membership of another household. The person's current household and status are derived from
these rows by a rule (domain/dtks.py), not stored.

Revision ID: integration_0002
Revises: integration_0001
"""

from alembic import op

revision = "integration_0002"
down_revision = "integration_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE dtks_memberships (
            nik             text NOT NULL,
            household_id    text NOT NULL,
            status          text NOT NULL,
            since           timestamptz,
            status_since    date,
            moved_to_region text,
            full_name       text,
            birth_date      date,
            stream_version  bigint NOT NULL,
            PRIMARY KEY (nik, household_id)
        )""")
    op.execute("CREATE INDEX dtks_memberships_household ON dtks_memberships (household_id)")
    op.execute("ALTER TABLE dtks_households ADD COLUMN stream_version bigint NOT NULL DEFAULT 0")
    op.execute("CREATE INDEX dtks_households_kk ON dtks_households (kk_number)")
    # Rows copied with version 0 and no time: any event of their household replaces them, and the rule
    # ranks them below every membership the registry has dated.
    op.execute("""
        INSERT INTO dtks_memberships (nik, household_id, status, status_since, moved_to_region, full_name, birth_date,
                                      stream_version)
        SELECT nik, household_id, status, status_since, CASE WHEN status = 'moved_out' THEN region_code END,
               full_name, birth_date, 0
        FROM dtks_persons""")
    op.execute("DROP TABLE dtks_persons")
    op.execute("CREATE INDEX civil_reports_pending ON civil_reports (received_at) WHERE status = 'pending'")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS civil_reports_pending")
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
    op.execute("CREATE INDEX dtks_persons_household ON dtks_persons (household_id)")
    # Each person's latest-dated membership; the ranking here is the domain rule's, written in SQL.
    op.execute("""
        INSERT INTO dtks_persons
        SELECT DISTINCT ON (m.nik) m.nik, m.household_id, h.kk_number, COALESCE(m.full_name, ''),
               COALESCE(m.birth_date, '1900-01-01'), COALESCE(m.moved_to_region, h.region_code), m.status,
               m.status_since
        FROM dtks_memberships m JOIN dtks_households h USING (household_id)
        WHERE m.status <> 'removed'
        ORDER BY m.nik, m.status = 'deceased' DESC, m.status = 'active' DESC, m.since DESC NULLS LAST,
                 m.household_id DESC""")
    op.execute("DROP INDEX IF EXISTS dtks_households_kk")
    op.execute("ALTER TABLE dtks_households DROP COLUMN stream_version")
    op.execute("DROP TABLE dtks_memberships")
