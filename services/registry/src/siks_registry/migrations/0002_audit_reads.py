"""Reads of personal data, recorded for audit (UU PDP): who read which NIK, when, through which route and
request. Append-only: a trigger refuses every update and delete, and no API writes anything but inserts.
A GIN index on the events' data lets the audit find a NIK's changes in household events too.

Revision ID: registry_0002
Revises: registry_0001
"""

from alembic import op

revision = "registry_0002"
down_revision = "registry_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE audit_reads (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            read_at     timestamptz NOT NULL DEFAULT now(),
            nik         text NOT NULL,
            actor       text NOT NULL,
            role        text NOT NULL,
            region      text NOT NULL,
            route       text NOT NULL,
            request_id  text
        )""")
    op.execute("CREATE INDEX audit_reads_nik ON audit_reads (nik, read_at)")
    op.execute("""
        CREATE FUNCTION audit_reads_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit records are never changed or deleted';
        END $$""")
    op.execute("""
        CREATE TRIGGER audit_reads_append_only BEFORE UPDATE OR DELETE ON audit_reads
        FOR EACH ROW EXECUTE FUNCTION audit_reads_are_append_only()""")
    op.execute("CREATE INDEX events_data_paths ON events USING gin (data jsonb_path_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS events_data_paths")
    op.execute("DROP TABLE IF EXISTS audit_reads")
    op.execute("DROP FUNCTION IF EXISTS audit_reads_are_append_only()")
