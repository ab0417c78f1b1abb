"""job.owner_user_id: a job's result is read only by the user who started it (and admins)

Revision ID: c4a7d2e9f1b0
Revises: e3b9c6f2a4d1
Create Date: 2026-12-02 11:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c4a7d2e9f1b0'
down_revision: str | None = 'e3b9c6f2a4d1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('job', sa.Column('owner_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                   nullable=True))


def downgrade() -> None:
    op.drop_column('job', 'owner_user_id')
