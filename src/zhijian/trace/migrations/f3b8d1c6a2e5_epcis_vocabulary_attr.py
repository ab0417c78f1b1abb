"""epcis_vocabulary_attr: EPCIS master data (vocabulary element attributes) per owner, for HASATTR_/EQ_ATTR_ (#16).

Revision ID: f3b8d1c6a2e5
Revises: c4d2a9e1f7b3
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f3b8d1c6a2e5'
down_revision: str | None = 'c4d2a9e1f7b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'epcis_vocabulary_attr',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('owner_id', sa.BigInteger(), nullable=True),
        sa.Column('vtype', sa.String(length=64), nullable=False),
        sa.Column('element', sa.String(length=255), nullable=False),
        sa.Column('attr', sa.String(length=255), nullable=False),
        sa.Column('attr_name', sa.String(length=128), nullable=False),
        sa.Column('value', sa.String(length=255), nullable=False),
        sa.Column('num', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_vocabulary_attr')),
    )
    with op.batch_alter_table('epcis_vocabulary_attr', schema=None) as batch_op:
        batch_op.create_index('ix_epcis_vocabulary_attr_element', ['vtype', 'element'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_vocabulary_attr_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    op.drop_table('epcis_vocabulary_attr')
