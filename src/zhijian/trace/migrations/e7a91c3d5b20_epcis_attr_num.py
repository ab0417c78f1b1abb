"""epcis_attr.num: numeric value of queryable fields (EQ_/GT_/GE_/LT_/LE_ on extensions, ILMD, sensor data).

Revision ID: e7a91c3d5b20
Revises: b3e1f0a2c7d4
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e7a91c3d5b20'
down_revision: str | None = 'b3e1f0a2c7d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('epcis_attr') as batch:
        batch.add_column(sa.Column('num', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('epcis_attr') as batch:
        batch.drop_column('num')
