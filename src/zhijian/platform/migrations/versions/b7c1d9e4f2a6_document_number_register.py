"""platform_document_number: the 发文登记 of 发文字号 per organ and year (issue 21, GB/T 9704-2012 §7.2.4)

Revision ID: b7c1d9e4f2a6
Revises: 4cd76b399302
Create Date: 2026-12-02 15:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'b7c1d9e4f2a6'
down_revision: str | None = '4cd76b399302'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('platform_document_number',
    sa.Column('organ_code', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_document_number')),
    sa.UniqueConstraint('organ_code', 'year', 'seq', name=op.f('uq_document_number_seq'))
    )
    with op.batch_alter_table('platform_document_number', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_document_number_number'), ['number'], unique=False)


def downgrade() -> None:
    op.drop_table('platform_document_number')
