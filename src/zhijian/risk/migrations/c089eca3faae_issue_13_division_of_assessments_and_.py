"""issue 13: the division (GB/T 2260 region code) of risk assessments and alerts, back-filled from their signal

Revision ID: c089eca3faae
Revises: bc365d5ed89f
Create Date: 2026-12-02 15:00:00.599610
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'c089eca3faae'
down_revision: str | None = 'bc365d5ed89f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_code', sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f('ix_risk_alert_region_code'), ['region_code'], unique=False)

    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_code', sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f('ix_risk_assessment_region_code'), ['region_code'], unique=False)

    # back-fill from the signal each was based on (others stay national until edited)
    for table in ('risk_assessment', 'risk_alert'):
        op.execute(f"UPDATE {table} SET region_code = (SELECT s.region_code FROM risk_signal s "
                   f"WHERE s.id = {table}.signal_id) WHERE signal_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_assessment_region_code'))
        batch_op.drop_column('region_code')

    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_alert_region_code'))
        batch_op.drop_column('region_code')
