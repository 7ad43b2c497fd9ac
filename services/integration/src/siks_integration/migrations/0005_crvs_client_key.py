"""The key that signs our requests to the civil registry, kept where every replica of the service finds it.

Revision ID: integration_0005_crvs
Revises: integration_0004_crvs
"""

from alembic import op

revision = "integration_0005_crvs"
down_revision = "integration_0004_crvs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE crvs_client_keys (client_id text PRIMARY KEY, pem text NOT NULL,"
               " created_at timestamptz NOT NULL DEFAULT now())")


def downgrade() -> None:
    op.execute("DROP TABLE crvs_client_keys")
