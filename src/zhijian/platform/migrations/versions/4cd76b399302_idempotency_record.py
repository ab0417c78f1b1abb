"""idempotency_record: the first answer to a create request sent with an Idempotency-Key (issue 12)

Revision ID: 4cd76b399302
Revises: c4a7d2e9f1b0
Create Date: 2026-12-02 14:57:24.113819
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = '4cd76b399302'
down_revision: str | None = 'c4a7d2e9f1b0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idempotency_record',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_headers', sa.JSON(), nullable=True),
    sa.Column('response_body', sa.LargeBinary().with_variant(mysql.LONGBLOB(), 'mariadb')
              .with_variant(mysql.LONGBLOB(), 'mysql'), nullable=True),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_record')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_idempotency_record_key_hash'))
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_record_expires_at'), ['expires_at'], unique=False)



def downgrade() -> None:
    op.drop_table('idempotency_record')
