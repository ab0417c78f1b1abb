"""spotcheck_followup: due_from, due_days and due_provisional (follow-up deadlines on the calendar, 暂定)

Revision ID: a9d4e2f7c513
Revises: f3a8d61c2b90
Create Date: 2026-12-02 15:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a9d4e2f7c513'
down_revision: str | None = 'f3a8d61c2b90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('spotcheck_followup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('spotcheck_followup', schema=None) as batch_op:
        batch_op.alter_column('due_provisional', server_default=None, existing_type=sa.Boolean(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('spotcheck_followup', schema=None) as batch_op:
        batch_op.drop_column('due_provisional')
        batch_op.drop_column('due_days')
        batch_op.drop_column('due_from')
