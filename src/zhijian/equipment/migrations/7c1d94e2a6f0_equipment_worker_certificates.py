"""equipment: 特种设备作业人员证 registry

Revision ID: 7c1d94e2a6f0
Revises: 3b8e51c07d2a
Create Date: 2026-12-02 15:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = '7c1d94e2a6f0'
down_revision: str | None = '3b8e51c07d2a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('equipment_worker_cert',
    sa.Column('cert_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('item', sa.String(length=8), nullable=False),
    sa.Column('employer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['organization.id'], name=op.f('fk_equipment_worker_cert_employer_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_worker_cert')),
    sa.UniqueConstraint('cert_no', name=op.f('uq_equipment_worker_cert_cert_no'))
    )
    with op.batch_alter_table('equipment_worker_cert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_worker_cert_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_worker_cert_valid_until'), ['valid_until'], unique=False)


def downgrade() -> None:
    op.drop_table('equipment_worker_cert')
