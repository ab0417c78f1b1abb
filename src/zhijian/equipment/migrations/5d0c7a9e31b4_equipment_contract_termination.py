"""equipment: a maintenance contract's termination (解除) reason and who recorded it

Revision ID: 5d0c7a9e31b4
Revises: 2e358bfccf98
Create Date: 2026-12-02 23:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5d0c7a9e31b4'
down_revision: str | None = '2e358bfccf98'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('equipment_contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('termination_reason', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('terminated_by', sa.String(length=128), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('equipment_contract', schema=None) as batch_op:
        batch_op.drop_column('terminated_by')
        batch_op.drop_column('termination_reason')
