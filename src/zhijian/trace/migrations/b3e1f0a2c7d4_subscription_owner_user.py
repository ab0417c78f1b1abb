"""epcis_subscription.owner_user_id: a subscription runs its query as the user who created it

Delivery used to run the stored query as the system, so another enterprise's events reached a
subscriber (issue 13). Rows created before this revision have no owner user: they are delivered with
the scope of their owner organisation, or not at all when that is unknown.

Revision ID: b3e1f0a2c7d4
Revises: 5d0c2b7e91a4
Create Date: 2026-12-02 11:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b3e1f0a2c7d4'
down_revision: str | None = '5d0c2b7e91a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('epcis_subscription', sa.Column('owner_user_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column('epcis_subscription', 'owner_user_id')
