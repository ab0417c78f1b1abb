"""spotcheck tables

Revision ID: c34a7c0c9d6f
Revises:
Create Date: 2026-11-27 19:24:28.621463
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'c34a7c0c9d6f'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('spotcheck',)
depends_on: str | Sequence[str] | None = '37b282a56669'


def upgrade() -> None:
    op.create_table('spotcheck_lab_conflict',
    sa.Column('lab_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_spotcheck_lab_conflict_enterprise_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lab_id'], ['organization.id'], name=op.f('fk_spotcheck_lab_conflict_lab_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_lab_conflict')),
    sa.UniqueConstraint('lab_id', 'enterprise_id', name=op.f('uq_spotcheck_lab_conflict_lab_id_enterprise_id'))
    )
    with op.batch_alter_table('spotcheck_lab_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_lab_conflict_lab_id'), ['lab_id'], unique=False)

    op.create_table('spotcheck_plan',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('regulator_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('decision_rule', sa.String(length=16), nullable=False),
    sa.Column('guard_factor', sa.Numeric(precision=24, scale=10, asdecimal=False), nullable=False),
    sa.Column('objection_days', sa.Integer(), nullable=False),
    sa.Column('required_verifications', sa.Integer(), nullable=False),
    sa.Column('allow_self_verification', sa.Boolean(), nullable=False),
    sa.Column('exclude_same_province', sa.Boolean(), nullable=False),
    sa.Column('credit_weights', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['regulator_id'], ['organization.id'], name=op.f('fk_spotcheck_plan_regulator_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_plan')),
    sa.UniqueConstraint('code', name=op.f('uq_spotcheck_plan_code'))
    )
    with op.batch_alter_table('spotcheck_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_plan_regulator_id'), ['regulator_id'], unique=False)

    op.create_table('spotcheck_batch',
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sample_no', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('lab_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('product_name', sa.String(length=200), nullable=False),
    sa.Column('brand', sa.String(length=100), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('sampled_on', sa.Date(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('place_kind', sa.String(length=16), nullable=False),
    sa.Column('samplers', sa.JSON(), nullable=False),
    sa.Column('test_quantity', sa.String(length=32), nullable=False),
    sa.Column('reserve_quantity', sa.String(length=32), nullable=False),
    sa.Column('seals', sa.JSON(), nullable=False),
    sa.Column('refused', sa.Boolean(), nullable=False),
    sa.Column('refusal_reason', sa.String(length=300), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('report_no', sa.String(length=40), nullable=True),
    sa.Column('report_issued_on', sa.Date(), nullable=True),
    sa.Column('auto_verdict', sa.String(length=8), nullable=True),
    sa.Column('verdict', sa.String(length=8), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('failing_items', sa.JSON(), nullable=False),
    sa.Column('safety_failure', sa.Boolean(), nullable=False),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('objection_deadline', sa.Date(), nullable=True),
    sa.Column('retest_lab_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('final_verdict', sa.String(length=8), nullable=True),
    sa.Column('final_on', sa.Date(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_spotcheck_batch_category_id_category'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_spotcheck_batch_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lab_id'], ['organization.id'], name=op.f('fk_spotcheck_batch_lab_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['spotcheck_plan.id'], name=op.f('fk_spotcheck_batch_plan_id_spotcheck_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_spotcheck_batch_product_id_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['retest_lab_id'], ['organization.id'], name=op.f('fk_spotcheck_batch_retest_lab_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_batch')),
    sa.UniqueConstraint('report_no', name=op.f('uq_spotcheck_batch_report_no')),
    sa.UniqueConstraint('sample_no', name=op.f('uq_spotcheck_batch_sample_no'))
    )
    with op.batch_alter_table('spotcheck_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_batch_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_spotcheck_batch_final', ['final_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_spotcheck_batch_lab_id'), ['lab_id'], unique=False)
        batch_op.create_index('ix_spotcheck_batch_plan_state', ['plan_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_spotcheck_batch_product_id'), ['product_id'], unique=False)

    op.create_table('spotcheck_draw',
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seed', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('input_digest', sa.String(length=64), nullable=False),
    sa.Column('drawn_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('drawn_by', sa.String(length=128), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['spotcheck_plan.id'], name=op.f('fk_spotcheck_draw_plan_id_spotcheck_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_draw'))
    )
    with op.batch_alter_table('spotcheck_draw', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_draw_plan_id'), ['plan_id'], unique=False)

    op.create_table('spotcheck_plan_category',
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('standard_ids', sa.JSON(), nullable=False),
    sa.Column('indicator_ids', sa.JSON(), nullable=True),
    sa.Column('target_batches', sa.Integer(), nullable=False),
    sa.Column('region_targets', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_spotcheck_plan_category_category_id_category'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['spotcheck_plan.id'], name=op.f('fk_spotcheck_plan_category_plan_id_spotcheck_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_plan_category')),
    sa.UniqueConstraint('plan_id', 'category_id', name=op.f('uq_spotcheck_plan_category_plan_id_category_id'))
    )
    with op.batch_alter_table('spotcheck_plan_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_plan_category_plan_id'), ['plan_id'], unique=False)

    op.create_table('spotcheck_plan_lab',
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lab_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['lab_id'], ['organization.id'], name=op.f('fk_spotcheck_plan_lab_lab_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['spotcheck_plan.id'], name=op.f('fk_spotcheck_plan_lab_plan_id_spotcheck_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'lab_id', name=op.f('pk_spotcheck_plan_lab'))
    )
    op.create_table('spotcheck_attachment',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=128), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['spotcheck_batch.id'], name=op.f('fk_spotcheck_attachment_batch_id_spotcheck_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_attachment'))
    )
    with op.batch_alter_table('spotcheck_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_attachment_batch_id'), ['batch_id'], unique=False)

    op.create_table('spotcheck_followup',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['spotcheck_batch.id'], name=op.f('fk_spotcheck_followup_batch_id_spotcheck_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_spotcheck_followup_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_followup'))
    )
    with op.batch_alter_table('spotcheck_followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_followup_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spotcheck_followup_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('spotcheck_item',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('requirement_text', sa.String(length=300), nullable=False),
    sa.Column('requirement_kind', sa.String(length=16), nullable=False),
    sa.Column('lower', sa.Numeric(precision=24, scale=10, asdecimal=False), nullable=True),
    sa.Column('upper', sa.Numeric(precision=24, scale=10, asdecimal=False), nullable=True),
    sa.Column('lower_inclusive', sa.Boolean(), nullable=False),
    sa.Column('upper_inclusive', sa.Boolean(), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('comparison_method', sa.String(length=8), nullable=False),
    sa.Column('is_safety', sa.Boolean(), nullable=False),
    sa.Column('value_text', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Numeric(precision=24, scale=10, asdecimal=False), nullable=True),
    sa.Column('not_detected', sa.Boolean(), nullable=False),
    sa.Column('lod', sa.Numeric(precision=24, scale=10, asdecimal=False), nullable=True),
    sa.Column('uncertainty', sa.Numeric(precision=24, scale=10, asdecimal=False), nullable=True),
    sa.Column('method_standard', sa.String(length=100), nullable=False),
    sa.Column('lab_verdict', sa.String(length=8), nullable=True),
    sa.Column('verdict', sa.String(length=8), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['spotcheck_batch.id'], name=op.f('fk_spotcheck_item_batch_id_spotcheck_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_spotcheck_item_indicator_id_indicator'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_item'))
    )
    with op.batch_alter_table('spotcheck_item', schema=None) as batch_op:
        batch_op.create_index('ix_spotcheck_item_batch_round', ['batch_id', 'round'], unique=False)

    op.create_table('spotcheck_objection',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('submitted_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('submitted_by', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('retest_lab_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('retest_verdict', sa.String(length=8), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['spotcheck_batch.id'], name=op.f('fk_spotcheck_objection_batch_id_spotcheck_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['retest_lab_id'], ['organization.id'], name=op.f('fk_spotcheck_objection_retest_lab_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_objection')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_spotcheck_objection_batch_id'))
    )
    op.create_table('spotcheck_state_change',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['spotcheck_batch.id'], name=op.f('fk_spotcheck_state_change_batch_id_spotcheck_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_state_change'))
    )
    with op.batch_alter_table('spotcheck_state_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_state_change_batch_id'), ['batch_id'], unique=False)

    op.create_table('spotcheck_verification',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['spotcheck_batch.id'], name=op.f('fk_spotcheck_verification_batch_id_spotcheck_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_spotcheck_verification_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_verification')),
    sa.UniqueConstraint('batch_id', 'round', 'username', name=op.f('uq_spotcheck_verification_batch_id_round_username'))
    )
    with op.batch_alter_table('spotcheck_verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_verification_batch_id'), ['batch_id'], unique=False)


def downgrade() -> None:
    op.drop_table('spotcheck_verification')
    op.drop_table('spotcheck_state_change')
    op.drop_table('spotcheck_objection')
    op.drop_table('spotcheck_item')
    op.drop_table('spotcheck_followup')
    op.drop_table('spotcheck_attachment')
    op.drop_table('spotcheck_plan_lab')
    op.drop_table('spotcheck_plan_category')
    op.drop_table('spotcheck_draw')
    op.drop_table('spotcheck_batch')
    op.drop_table('spotcheck_plan')
    op.drop_table('spotcheck_lab_conflict')
