"""The DCI Social Registry interface: onboarded partners, transactions and their answers, subscriptions,
and the signed callbacks and notifications waiting to be delivered.

Revision ID: registry_0003
Revises: registry_0002
"""

from alembic import op

revision = "registry_0003"
down_revision = "registry_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE dci_partners (
            sender_id      text PRIMARY KEY,
            callback_base  text NOT NULL,
            jwks           jsonb,
            jwks_url       text,
            disclose       text[] NOT NULL DEFAULT '{}',
            registered_at  timestamptz NOT NULL DEFAULT now(),
            registered_by  text NOT NULL
        )""")
    op.execute("""
        CREATE TABLE dci_transactions (
            correlation_id  text PRIMARY KEY,
            sender_id       text NOT NULL,
            message_id      text NOT NULL,
            transaction_id  text NOT NULL,
            action          text NOT NULL,
            reply_to        text,
            actor_region    text NOT NULL,
            request         jsonb NOT NULL,
            answer          jsonb,
            status          text NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now(),
            answered_at     timestamptz,
            leased_until    timestamptz NOT NULL DEFAULT now(),
            UNIQUE (sender_id, message_id)
        )""")
    op.execute("CREATE INDEX dci_transactions_pending ON dci_transactions (leased_until) WHERE status = 'pdng'")
    op.execute("CREATE INDEX dci_transactions_by_sender ON dci_transactions (sender_id, transaction_id)")
    op.execute("""
        CREATE TABLE dci_subscriptions (
            code            text PRIMARY KEY,
            sender_id       text NOT NULL,
            correlation_id  text NOT NULL,
            reference_id    text NOT NULL,
            reg_event_type  text NOT NULL,
            criteria        jsonb NOT NULL,
            actor_region    text NOT NULL,
            notify_uri      text NOT NULL,
            start_time      timestamptz,
            end_time        timestamptz,
            status          text NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now(),
            unsubscribed_at timestamptz
        )""")
    op.execute("CREATE INDEX dci_subscriptions_active ON dci_subscriptions (reg_event_type) WHERE status = 'subscribe'")
    op.execute("""
        CREATE TABLE dci_outbox (
            id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            url               text NOT NULL,
            header            jsonb NOT NULL,
            message           jsonb NOT NULL,
            correlation_id    text,
            subscription_code text,
            event_id          text,
            status            text NOT NULL DEFAULT 'pending',
            attempts          integer NOT NULL DEFAULT 0,
            next_attempt_at   timestamptz NOT NULL DEFAULT now(),
            last_error        text,
            created_at        timestamptz NOT NULL DEFAULT now(),
            delivered_at      timestamptz
        )""")
    # One notification per subscription and DTKS event, however often the event arrives or is replayed.
    op.execute("CREATE UNIQUE INDEX dci_outbox_one_notification ON dci_outbox (subscription_code, event_id)"
               " WHERE event_id IS NOT NULL")
    op.execute("CREATE INDEX dci_outbox_due ON dci_outbox (next_attempt_at) WHERE status = 'pending'")


def downgrade() -> None:
    for table in ("dci_outbox", "dci_subscriptions", "dci_transactions", "dci_partners"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
