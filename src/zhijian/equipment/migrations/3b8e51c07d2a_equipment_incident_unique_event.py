"""equipment: one incident per unit, kind and time of occurrence

Revision ID: 3b8e51c07d2a
Revises: fbc9462004c8
Create Date: 2026-12-02 15:25:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '3b8e51c07d2a'
down_revision: str | None = 'fbc9462004c8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('equipment_incident', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_equipment_incident_event', ['unit_id', 'kind', 'occurred_at'])


def downgrade() -> None:
    with op.batch_alter_table('equipment_incident', schema=None) as batch_op:
        batch_op.drop_constraint('uq_equipment_incident_event', type_='unique')
