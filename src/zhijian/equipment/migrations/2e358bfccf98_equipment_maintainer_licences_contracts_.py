"""equipment maintainer licences contracts inspection requests

Revision ID: 2e358bfccf98
Revises: 7c1d94e2a6f0
Create Date: 2026-12-02 16:29:44.125702
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = '2e358bfccf98'
down_revision: str | None = '7c1d94e2a6f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('equipment_maintainer_licence',
    sa.Column('organization_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('licence_no', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_equipment_maintainer_licence_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_maintainer_licence')),
    sa.UniqueConstraint('licence_no', name=op.f('uq_equipment_maintainer_licence_licence_no')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_equipment_maintainer_licence_organization_id'))
    )
    with op.batch_alter_table('equipment_maintainer_licence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_maintainer_licence_valid_until'), ['valid_until'], unique=False)

    op.create_table('equipment_contract',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('maintainer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contract_no', sa.String(length=64), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['maintainer_id'], ['organization.id'], name=op.f('fk_equipment_contract_maintainer_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['equipment_unit.id'], name=op.f('fk_equipment_contract_unit_id_equipment_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_contract')),
    sa.UniqueConstraint('unit_id', 'starts_on', name='uq_equipment_contract_start')
    )
    with op.batch_alter_table('equipment_contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_contract_ends_on'), ['ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_contract_maintainer_id'), ['maintainer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_contract_unit_id'), ['unit_id'], unique=False)

    op.create_table('equipment_inspection_request',
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('institute_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=True),
    sa.Column('inspection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('open_key', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.String(length=128), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['equipment_inspection.id'], name=op.f('fk_equipment_inspection_request_inspection_id_equipment_inspection'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['institute_id'], ['organization.id'], name=op.f('fk_equipment_inspection_request_institute_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['organization.id'], name=op.f('fk_equipment_inspection_request_owner_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['equipment_unit.id'], name=op.f('fk_equipment_inspection_request_unit_id_equipment_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_inspection_request')),
    sa.UniqueConstraint('open_key', name=op.f('uq_equipment_inspection_request_open_key'))
    )
    with op.batch_alter_table('equipment_inspection_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_inspection_request_institute_id'), ['institute_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_inspection_request_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_inspection_request_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    op.drop_table('equipment_inspection_request')
    op.drop_table('equipment_contract')
    op.drop_table('equipment_maintainer_licence')
