"""search bigram index

Revision ID: 7afe20615dae
Revises: 37b282a56669
Create Date: 2026-11-27 19:31:31.636496
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = '7afe20615dae'
down_revision: str | None = '37b282a56669'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('search_gram',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('gram', sa.String(length=8).with_variant(mysql.VARCHAR(8, collation='utf8mb4_bin'), 'mysql', 'mariadb'),
              nullable=False),
    sa.Column('ref_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'gram', 'ref_id', name=op.f('pk_search_gram'))
    )


def downgrade() -> None:
    op.drop_table('search_gram')
