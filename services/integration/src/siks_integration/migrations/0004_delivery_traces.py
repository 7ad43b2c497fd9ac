"""An outbound delivery remembers the trace of the event that caused it, so the call to BPJS or a subscriber
continues that trace (HTTP request -> events -> consumers -> delivery, one trace). A branch of its own from
0003, like the other 0004s (the service upgrades to every head).

Revision ID: integration_0004_traces
Revises: integration_0003
"""

from alembic import op

revision = "integration_0004_traces"
down_revision = "integration_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outbound_deliveries ADD COLUMN traceparent text")


def downgrade() -> None:
    op.execute("ALTER TABLE outbound_deliveries DROP COLUMN traceparent")
