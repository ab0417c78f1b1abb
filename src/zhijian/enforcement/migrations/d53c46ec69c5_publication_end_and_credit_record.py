"""publication end and credit record

Revision ID: d53c46ec69c5
Revises: e232122a8ffe
Create Date: 2026-12-02 15:21:47.328139
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'd53c46ec69c5'
down_revision: str | None = 'e232122a8ffe'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """信用修复 of a published decision and the credit room's record of it (existing rows get empty text)."""
    with op.batch_alter_table('enforcement_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publication_ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('publication_end_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('credit_record', sa.String(length=200), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('enforcement_case', schema=None) as batch_op:
        batch_op.drop_column('credit_record')
        batch_op.drop_column('publication_end_reason')
        batch_op.drop_column('publication_ended_on')

