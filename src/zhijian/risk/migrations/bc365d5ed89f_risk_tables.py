"""risk tables

Revision ID: bc365d5ed89f
Revises:
Create Date: 2026-11-27 19:22:30.010812
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'bc365d5ed89f'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('risk',)
depends_on: str | Sequence[str] | None = '37b282a56669'


def upgrade() -> None:
    op.create_table('risk_scan_run',
    sa.Column('started_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('n_results', sa.Integer(), nullable=False),
    sa.Column('n_complaints', sa.Integer(), nullable=False),
    sa.Column('n_signals', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_scan_run'))
    )
    op.create_table('risk_series_config',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('series_key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('methods', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_series_config'))
    )
    with op.batch_alter_table('risk_series_config', schema=None) as batch_op:
        batch_op.create_index('uq_risk_series_config_kind_key', ['kind', 'series_key'], unique=True)

    op.create_table('risk_signal',
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('series_key', sa.String(length=64), nullable=False),
    sa.Column('series_label', sa.String(length=200), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('expected', sa.Float(), nullable=True),
    sa.Column('observed', sa.Float(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('p_value', sa.Float(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('sampling_basis', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reviewed_by', sa.String(length=128), nullable=True),
    sa.Column('reviewed_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('review_note', sa.String(length=500), nullable=False),
    sa.Column('scan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_risk_signal_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_risk_signal_enterprise_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_risk_signal_product_id_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scan_id'], ['risk_scan_run.id'], name=op.f('fk_risk_signal_scan_id_risk_scan_run'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_signal')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_risk_signal_fingerprint'))
    )
    with op.batch_alter_table('risk_signal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_signal_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_signal_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_signal_method'), ['method'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_signal_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_signal_series_key'), ['series_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_signal_status'), ['status'], unique=False)

    op.create_table('risk_assessment',
    sa.Column('product_name', sa.String(length=200), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('signal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('hazard', sa.String(length=200), nullable=False),
    sa.Column('input', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('risk_level', sa.String(length=16), nullable=False),
    sa.Column('assessor', sa.String(length=128), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_risk_assessment_product_id_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signal_id'], ['risk_signal.id'], name=op.f('fk_risk_assessment_signal_id_risk_signal'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_assessment'))
    )
    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_assessment_product_id'), ['product_id'], unique=False)

    op.create_table('risk_alert',
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('risk_level', sa.String(length=16), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('public_fields', sa.JSON(), nullable=False),
    sa.Column('enterprise_ids', sa.JSON(), nullable=False),
    sa.Column('regulator_emails', sa.JSON(), nullable=False),
    sa.Column('signal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('mailed_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('mail_log', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['risk_assessment.id'], name=op.f('fk_risk_alert_assessment_id_risk_assessment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signal_id'], ['risk_signal.id'], name=op.f('fk_risk_alert_signal_id_risk_signal'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_alert')),
    sa.UniqueConstraint('ref', name=op.f('uq_risk_alert_ref'))
    )
    with op.batch_alter_table('risk_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_alert_status'), ['status'], unique=False)

    op.create_table('risk_recall',
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_ids', sa.JSON(), nullable=False),
    sa.Column('lots', sa.JSON(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('hazard', sa.String(length=200), nullable=False),
    sa.Column('risk_level', sa.String(length=16), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('remedy', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('units_total', sa.Integer(), nullable=False),
    sa.Column('report_every_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('codes_marked', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['risk_alert.id'], name=op.f('fk_risk_recall_alert_id_risk_alert'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_risk_recall_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_recall')),
    sa.UniqueConstraint('ref', name=op.f('uq_risk_recall_ref'))
    )
    with op.batch_alter_table('risk_recall', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_recall_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_recall_status'), ['status'], unique=False)

    op.create_table('risk_recall_report',
    sa.Column('recall_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('units_recovered', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('reported_by', sa.String(length=128), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['recall_id'], ['risk_recall.id'], name=op.f('fk_risk_recall_report_recall_id_risk_recall'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_recall_report'))
    )
    with op.batch_alter_table('risk_recall_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_recall_report_recall_id'), ['recall_id'], unique=False)





def downgrade() -> None:
    op.drop_table('risk_recall_report')
    op.drop_table('risk_recall')
    op.drop_table('risk_alert')
    op.drop_table('risk_assessment')
    op.drop_table('risk_signal')
    op.drop_table('risk_series_config')
    op.drop_table('risk_scan_run')
