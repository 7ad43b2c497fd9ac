"""The key that signs our CRVS subscriptions sealed at rest like every other stored secret; and the three
branches that grew from 0003 at once (CRVS, sealed subscriber secrets, delivery traces) joined again.

A key stored in plain text before this revision is sealed here with the sealer the service starts with.

Revision ID: integration_0006
Revises: integration_0005_crvs, integration_0004_sealed, integration_0004_traces
"""

import sqlalchemy as sa
from alembic import context, op
from siks_events.sealing import SecretsKeyMissing, is_sealed

from siks_integration.adapters.postgres.crvs_subscriptions import client_key_context

revision = "integration_0006"
down_revision = ("integration_0005_crvs", "integration_0004_sealed", "integration_0004_traces")
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT client_id, pem FROM crvs_client_keys FOR UPDATE")).all()
    plain = [(client_id, pem) for client_id, pem in rows if not is_sealed(pem)]
    if not plain:
        return
    sealer = context.config.attributes.get("siks_sealer")
    if sealer is None:
        raise SecretsKeyMissing("the CRVS signing key is stored in plain text: set SIKS_SECRETS_KEYS so that this"
                                " migration seals it")
    for client_id, pem in plain:
        connection.execute(sa.text("UPDATE crvs_client_keys SET pem = :sealed WHERE client_id = :id"),
                           {"id": client_id, "sealed": sealer.seal(pem, context=client_key_context(client_id))})


def downgrade() -> None:
    pass  # a sealed key stays sealed
