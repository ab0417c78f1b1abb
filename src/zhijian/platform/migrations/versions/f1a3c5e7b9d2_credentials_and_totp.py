"""user_account.must_change_password, user_mfa, mfa_recovery_code: password change, admin reset, TOTP (issue 13)

Revision ID: f1a3c5e7b9d2
Revises: b7c1d9e4f2a6
Create Date: 2026-12-03 05:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'f1a3c5e7b9d2'
down_revision: str | None = 'b7c1d9e4f2a6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mfa_recovery_code',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_hash', sa.String(length=100), nullable=False),
    sa.Column('used_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_mfa_recovery_code_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_recovery_code'))
    )
    with op.batch_alter_table('mfa_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_recovery_code_user_id'), ['user_id'], unique=False)

    op.create_table('user_mfa',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('secret_encrypted', sa.String(length=255), nullable=False),
    sa.Column('confirmed_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('last_step', sa.BigInteger(), nullable=True),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_mfa_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_mfa')),
    sa.UniqueConstraint('user_id', name=op.f('uq_user_mfa_user_id'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    op.drop_table('user_mfa')
    op.drop_table('mfa_recovery_code')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
