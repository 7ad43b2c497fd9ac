"""The statement-letter key sealed at rest (AES-256-GCM under SIKS_SECRETS_KEYS), like every secret the
registry keeps in `service_secrets` through `siks_events.sealing.kept_secret`.

A key stored in plain text before is sealed here with the sealer the service starts with. A branch of its
own from 0005 (the service upgrades to every head).

Revision ID: registry_0006_sealed
Revises: registry_0005
"""

import sqlalchemy as sa
from alembic import context, op
from siks_events.sealing import SecretsKeyMissing, is_sealed, service_secret_context

from siks_registry.adapters.letters import SECRET_NAME

revision = "registry_0006_sealed"
down_revision = "registry_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    value = connection.execute(sa.text("SELECT value FROM service_secrets WHERE name = :name FOR UPDATE"),
                               {"name": SECRET_NAME}).scalar()
    if value is None or is_sealed(value):
        return
    sealer = context.config.attributes.get("siks_sealer")
    if sealer is None:
        raise SecretsKeyMissing("the statement-letter key is stored in plain text: set SIKS_SECRETS_KEYS so that this"
                                " migration seals it")
    connection.execute(sa.text("UPDATE service_secrets SET value = :sealed WHERE name = :name"),
                       {"name": SECRET_NAME, "sealed": sealer.seal(value, context=service_secret_context(SECRET_NAME))})


def downgrade() -> None:
    pass  # a sealed key stays sealed
