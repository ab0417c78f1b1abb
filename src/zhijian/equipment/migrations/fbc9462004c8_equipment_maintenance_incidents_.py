"""equipment: maintenance records, incidents, reminders sent; unit maintenance dates

Revision ID: fbc9462004c8
Revises: ad2da22f324a
Create Date: 2026-12-02 14:53:07.003081
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'fbc9462004c8'
down_revision: str | None = 'ad2da22f324a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('equipment_incident',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('reported_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('called_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('arrived_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('released_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('trapped_people', sa.Integer(), nullable=False),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('serious_injuries', sa.Integer(), nullable=False),
    sa.Column('direct_loss_yuan', sa.Integer(), nullable=False),
    sa.Column('evacuated', sa.Integer(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=24), nullable=True),
    sa.Column('report_due_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('reported_late', sa.Boolean(), nullable=False),
    sa.Column('arrival_minutes', sa.Integer(), nullable=True),
    sa.Column('arrival_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('cause', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.String(length=128), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['equipment_unit.id'], name=op.f('fk_equipment_incident_unit_id_equipment_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_incident'))
    )
    with op.batch_alter_table('equipment_incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_incident_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_incident_unit_id'), ['unit_id'], unique=False)
    op.create_table('equipment_maintenance',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('maintainer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('maintained_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('worker_name', sa.String(length=64), nullable=False),
    sa.Column('worker_cert_no', sa.String(length=32), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('owner_signed_by', sa.String(length=64), nullable=False),
    sa.Column('owner_signed_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['maintainer_id'], ['organization.id'], name=op.f('fk_equipment_maintenance_maintainer_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['equipment_unit.id'], name=op.f('fk_equipment_maintenance_unit_id_equipment_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_maintenance')),
    sa.UniqueConstraint('unit_id', 'maintained_on', 'kind', name='uq_equipment_maintenance_visit')
    )
    with op.batch_alter_table('equipment_maintenance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_maintenance_maintainer_id'), ['maintainer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_maintenance_unit_id'), ['unit_id'], unique=False)
    op.create_table('equipment_reminder',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sent_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['organization.id'], name=op.f('fk_equipment_reminder_owner_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['equipment_unit.id'], name=op.f('fk_equipment_reminder_unit_id_equipment_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_reminder')),
    sa.UniqueConstraint('unit_id', 'due_on', 'stage', name='uq_equipment_reminder_stage')
    )
    with op.batch_alter_table('equipment_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_reminder_owner_id'), ['owner_id'], unique=False)
    with op.batch_alter_table('equipment_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_maintenance_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_maintenance_due_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_equipment_unit_maint_due', ['status', 'next_maintenance_due_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('equipment_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_equipment_unit_maint_due')
        batch_op.drop_column('next_maintenance_due_on')
        batch_op.drop_column('last_maintenance_on')
    op.drop_table('equipment_reminder')
    op.drop_table('equipment_maintenance')
    op.drop_table('equipment_incident')
