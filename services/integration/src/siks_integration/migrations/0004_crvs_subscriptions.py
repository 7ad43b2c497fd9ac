"""Our subscriptions to Dukcapil's civil registry over the DCI CRVS API, one row per vital event type.

A branch of its own from 0003: the service upgrades to every head, so this and another 0004 written at the
same time apply in either order (a later revision names both as its down_revision).

Revision ID: integration_0004_crvs
Revises: integration_0003
"""

from alembic import op

revision = "integration_0004_crvs"
down_revision = "integration_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # reference_id is ours (one per subscribe_request item); code is the registry's, once it has confirmed.
    op.execute("""
        CREATE TABLE crvs_subscriptions (
            reference_id    text PRIMARY KEY,
            transaction_id  text NOT NULL,
            reg_event_type  text NOT NULL,
            status          text NOT NULL,
            code            text UNIQUE,
            reason          text,
            requested_at    timestamptz NOT NULL DEFAULT now(),
            updated_at      timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX crvs_subscriptions_event ON crvs_subscriptions (reg_event_type, status)")


def downgrade() -> None:
    op.execute("DROP TABLE crvs_subscriptions")
