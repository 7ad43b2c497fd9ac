"""Subscribers' signing secrets sealed at rest (AES-256-GCM under SIKS_SECRETS_KEYS), each bound to its subscription.

Rows written before this revision hold the secret in plain text: they are sealed here, in the migration's
transaction, with the sealer the service starts with. A branch of its own from 0003, like the other 0004s
(the service upgrades to every head).

Revision ID: integration_0004_sealed
Revises: integration_0003
"""

import sqlalchemy as sa
from alembic import context, op
from siks_events.sealing import SecretsKeyMissing, is_sealed

from siks_integration.adapters.postgres.subscriptions import secret_context

revision = "integration_0004_sealed"
down_revision = "integration_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT subscription_id, secret FROM subscriptions FOR UPDATE")).all()
    plain = [(subscription_id, secret) for subscription_id, secret in rows if not is_sealed(secret)]
    if not plain:
        return
    sealer = context.config.attributes.get("siks_sealer")
    if sealer is None:
        raise SecretsKeyMissing(f"{len(plain)} subscription secrets are stored in plain text: set SIKS_SECRETS_KEYS"
                                " so that this migration seals them")
    for subscription_id, secret in plain:
        connection.execute(sa.text("UPDATE subscriptions SET secret = :sealed WHERE subscription_id = :id"),
                           {"id": subscription_id, "sealed": sealer.seal(secret, context=secret_context(subscription_id))})


def downgrade() -> None:
    pass  # sealed secrets stay sealed: opening them back into plain text needs the key and is never wanted
