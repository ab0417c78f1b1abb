"""trace codes scans epcis

Revision ID: 89753765e34d
Revises:
Create Date: 2026-11-27 19:23:30.347247
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = '89753765e34d'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('trace',)
depends_on: str | Sequence[str] | None = '37b282a56669'


def upgrade() -> None:
    op.create_table('epcis_capture_job',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('running', sa.Boolean(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('captured', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('error_behaviour', sa.String(length=12), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_capture_job'))
    )

    op.create_table('epcis_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('hash_id', sa.String(length=100), nullable=False),
    sa.Column('dedup_key', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=24), nullable=False),
    sa.Column('event_time', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('record_time', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=True),
    sa.Column('biz_step', sa.String(length=255), nullable=True),
    sa.Column('disposition', sa.String(length=255), nullable=True),
    sa.Column('read_point', sa.String(length=255), nullable=True),
    sa.Column('biz_location', sa.String(length=255), nullable=True),
    sa.Column('transformation_id', sa.String(length=255), nullable=True),
    sa.Column('error_declared', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('capture_id', sa.String(length=36), nullable=True),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_event')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_epcis_event_dedup_key'))
    )
    with op.batch_alter_table('epcis_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epcis_event_biz_location'), ['biz_location'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_biz_step'), ['biz_step'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_disposition'), ['disposition'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_hash_id'), ['hash_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_read_point'), ['read_point'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_record_time'), ['record_time'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_transformation_id'), ['transformation_id'], unique=False)
        batch_op.create_index('ix_epcis_event_type_time', ['event_type', 'event_time'], unique=False)

    op.create_table('epcis_location_child',
    sa.Column('parent', sa.String(length=255), nullable=False),
    sa.Column('child', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('parent', 'child', name=op.f('pk_epcis_location_child'))
    )

    op.create_table('epcis_named_query',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_named_query')),
    sa.UniqueConstraint('name', name=op.f('uq_epcis_named_query_name'))
    )

    op.create_table('epcis_subscription',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('query_name', sa.String(length=100), nullable=False),
    sa.Column('dest', sa.String(length=500), nullable=False),
    sa.Column('signature_token', sa.String(length=200), nullable=False),
    sa.Column('stream', sa.Boolean(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=True),
    sa.Column('report_if_empty', sa.Boolean(), nullable=False),
    sa.Column('last_event_pk', sa.BigInteger(), nullable=False),
    sa.Column('last_run_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('last_status', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_subscription'))
    )
    with op.batch_alter_table('epcis_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epcis_subscription_query_name'), ['query_name'], unique=False)

    op.create_table('trace_code',
    sa.Column('serial', sa.String(length=20), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=False),
    sa.Column('batch_id', sa.BigInteger(), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('scan_count', sa.Integer(), nullable=False),
    sa.Column('first_scan_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('first_scan_city', sa.String(length=6), nullable=True),
    sa.Column('last_scan_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('pin_digest', sa.String(length=16), nullable=True),
    sa.Column('recall_ref', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('serial', 'gtin', name=op.f('pk_trace_code'))
    )
    with op.batch_alter_table('trace_code', schema=None) as batch_op:
        batch_op.create_index('ix_trace_code_gtin_lot', ['gtin', 'lot'], unique=False)

    op.create_table('trace_recall',
    sa.Column('enterprise_id', sa.BigInteger(), nullable=True),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=False),
    sa.Column('recall_ref', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('risk_level', sa.String(length=16), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('total_units', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_recall')),
    sa.UniqueConstraint('gtin', 'lot', 'recall_ref', name=op.f('uq_trace_recall_gtin_lot_recall_ref'))
    )
    with op.batch_alter_table('trace_recall', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_recall_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('trace_scan',
    sa.Column('serial', sa.String(length=20), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('scanned_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('city', sa.String(length=6), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('client', sa.String(length=16), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('serial', 'id', name=op.f('pk_trace_scan'))
    )

    op.create_table('trace_signal',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=True),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('lot', sa.String(length=20), nullable=True),
    sa.Column('serial', sa.String(length=20), nullable=True),
    sa.Column('client', sa.String(length=16), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_signal'))
    )
    with op.batch_alter_table('trace_signal', schema=None) as batch_op:
        batch_op.create_index('ix_trace_signal_enterprise_id_id', ['enterprise_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_signal_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_signal_serial'), ['serial'], unique=False)

    op.create_table('epcis_attr',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('type', sa.String(length=128), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['event_pk'], ['epcis_event.id'], name=op.f('fk_epcis_attr_event_pk_epcis_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_attr'))
    )
    with op.batch_alter_table('epcis_attr', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epcis_attr_event_pk'), ['event_pk'], unique=False)
        batch_op.create_index('ix_epcis_attr_kind_value', ['kind', 'value'], unique=False)

    op.create_table('epcis_epc',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('epc', sa.String(length=255), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('uom', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['event_pk'], ['epcis_event.id'], name=op.f('fk_epcis_epc_event_pk_epcis_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_epc'))
    )
    with op.batch_alter_table('epcis_epc', schema=None) as batch_op:
        batch_op.create_index('ix_epcis_epc_epc_role', ['epc', 'role'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_epc_event_pk'), ['event_pk'], unique=False)

    op.create_table('trace_mac_key',
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_trace_mac_key_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_mac_key')),
    sa.UniqueConstraint('enterprise_id', 'version', name=op.f('uq_trace_mac_key_enterprise_id_version'))
    )
    with op.batch_alter_table('trace_mac_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_mac_key_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('trace_code_batch',
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('sales_regions', sa.JSON(), nullable=False),
    sa.Column('key_version', sa.Integer(), nullable=False),
    sa.Column('freeze_threshold', sa.Integer(), nullable=False),
    sa.Column('with_pin', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_trace_code_batch_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_trace_code_batch_product_id_product'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_code_batch'))
    )
    with op.batch_alter_table('trace_code_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_code_batch_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_code_batch_gtin'), ['gtin'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_code_batch_product_id'), ['product_id'], unique=False)


def downgrade() -> None:
    op.drop_table('trace_code_batch')
    op.drop_table('trace_mac_key')
    op.drop_table('epcis_epc')
    op.drop_table('epcis_attr')
    op.drop_table('trace_signal')
    op.drop_table('trace_scan')
    op.drop_table('trace_recall')
    op.drop_table('trace_code')
    op.drop_table('epcis_subscription')
    op.drop_table('epcis_named_query')
    op.drop_table('epcis_location_child')
    op.drop_table('epcis_event')
    op.drop_table('epcis_capture_job')
