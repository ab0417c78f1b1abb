"""trace_code_batch.compressed_qr: the batch's label QR codes carry the compressed Digital Link (#16).

Revision ID: a9d4e2c81f06
Revises: f3b8d1c6a2e5
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a9d4e2c81f06'
down_revision: str | None = 'f3b8d1c6a2e5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('trace_code_batch') as batch:
        batch.add_column(sa.Column('compressed_qr', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('trace_code_batch') as batch:
        batch.drop_column('compressed_qr')
