"""spotcheck_batch.delivered_on (送达) and objection_deadline_provisional

Revision ID: e7b2c9d4a1f3
Revises: c34a7c0c9d6f
Create Date: 2026-12-02 12:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e7b2c9d4a1f3'
down_revision: str | None = 'c34a7c0c9d6f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('spotcheck_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('objection_deadline_provisional', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # existing notices: their delivery was never recorded; the recorded notice date is the best known value. Open
    # windows were counted without the holiday rule: flag them so `zhijian calendar recompute` (or the next notice
    # import) recomputes them on the calendar.
    batch = sa.table('spotcheck_batch', sa.column('notified_on', sa.Date()), sa.column('delivered_on', sa.Date()),
                     sa.column('state', sa.String()), sa.column('objection_deadline_provisional', sa.Boolean()))
    op.execute(batch.update().where(batch.c.notified_on.is_not(None)).values(delivered_on=batch.c.notified_on))
    op.execute(batch.update().where(batch.c.state == 'notified', batch.c.notified_on.is_not(None))
               .values(objection_deadline_provisional=True))
    with op.batch_alter_table('spotcheck_batch', schema=None) as batch_op:
        batch_op.alter_column('objection_deadline_provisional', server_default=None, existing_type=sa.Boolean(),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('spotcheck_batch', schema=None) as batch_op:
        batch_op.drop_column('objection_deadline_provisional')
        batch_op.drop_column('delivered_on')
