"""audit_record.kid: the HMAC key id that chained each record (NULL: a format-1 plain SHA-256 record)

Records written before this revision keep kid NULL and verify as plain SHA-256, up to
ZHIJIAN_AUDIT_LEGACY_UNTIL (set it to the last seq this upgrade prints); later records are HMAC-chained.

Revision ID: e3b9c6f2a4d1
Revises: d5e8a1c3b7f2
Create Date: 2026-12-02 12:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e3b9c6f2a4d1'
down_revision: str | None = 'd5e8a1c3b7f2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('audit_record', sa.Column('kid', sa.String(length=16), nullable=True))
    last = op.get_bind().execute(sa.text("SELECT MAX(seq) FROM audit_record")).scalar()
    if last:
        print(f"audit chain: {last} format-1 records; set ZHIJIAN_AUDIT_LEGACY_UNTIL={last} to keep them verifiable")


def downgrade() -> None:
    op.drop_column('audit_record', 'kid')
