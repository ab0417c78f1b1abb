"""trace_code: index (gtin, lot, serial) instead of (gtin, lot)

The resolver looks a code up by serial, GTIN and lot. With only (gtin, lot) indexed, PostgreSQL chose that
index for the lot-qualified UPDATE and filtered every code of the lot by serial (6 ms at 20,000 codes per
lot, seconds at millions). With serial in the index the same plan finds one row, and lot-wide work
(recall marking, re-export in serial order) is served by it too.

Revision ID: 5d0c2b7e91a4
Revises: 89753765e34d
Create Date: 2026-11-27 23:40:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '5d0c2b7e91a4'
down_revision: str | None = '89753765e34d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_trace_code_gtin_lot_serial', 'trace_code', ['gtin', 'lot', 'serial'], unique=False)
    op.drop_index('ix_trace_code_gtin_lot', table_name='trace_code')


def downgrade() -> None:
    op.create_index('ix_trace_code_gtin_lot', 'trace_code', ['gtin', 'lot'], unique=False)
    op.drop_index('ix_trace_code_gtin_lot_serial', table_name='trace_code')
