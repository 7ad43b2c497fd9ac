"""The slots a household holds, found without reading every slot: each served batch looks up those of the households
it decided.

Revision ID: eligibility_0003
Revises: eligibility_0002
"""

from alembic import op

revision = "eligibility_0003"
down_revision = "eligibility_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX eligibility_slots_household ON eligibility_slots (household_id)")


def downgrade() -> None:
    op.execute("DROP INDEX eligibility_slots_household")
