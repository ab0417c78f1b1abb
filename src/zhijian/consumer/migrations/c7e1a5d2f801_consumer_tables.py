"""consumer tables: complaints and reports, credit, certificates, declarations, comparative tests

Revision ID: c7e1a5d2f801
Revises:
Create Date: 2026-11-27 19:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'c7e1a5d2f801'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('consumer',)
depends_on: str | Sequence[str] | None = '37b282a56669'


def upgrade() -> None:

    op.create_table('certification_body',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('approval_no', sa.String(length=64), nullable=False),
    sa.Column('accredited', sa.Boolean(), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_body')),
    sa.UniqueConstraint('name', name=op.f('uq_certification_body_name'))
    )
    op.create_table('consumer_setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consumer_setting')),
    sa.UniqueConstraint('key', name=op.f('uq_consumer_setting_key'))
    )
    op.create_table('administrative_penalty',
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('decision_no', sa.String(length=64), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_administrative_penalty_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_administrative_penalty')),
    sa.UniqueConstraint('decision_no', name=op.f('uq_administrative_penalty_decision_no'))
    )
    with op.batch_alter_table('administrative_penalty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_administrative_penalty_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('certificate',
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('holder_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('holder_uscc', sa.String(length=18), nullable=True),
    sa.Column('scope', sa.String(length=500), nullable=False),
    sa.Column('product_ids', sa.JSON(), nullable=False),
    sa.Column('products_text', sa.String(length=500), nullable=False),
    sa.Column('body_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('body_name', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.String(length=300), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['certification_body.id'], name=op.f('fk_certificate_body_id_certification_body'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['holder_id'], ['organization.id'], name=op.f('fk_certificate_holder_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('number', name=op.f('uq_certificate_number'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_kind'), ['kind'], unique=False)

    op.create_table('comparative_test',
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('product_type', sa.String(length=100), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('organizer', sa.String(length=200), nullable=False),
    sa.Column('lab_name', sa.String(length=200), nullable=False),
    sa.Column('tested_on', sa.Date(), nullable=True),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_comparative_test_category_id_category'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparative_test'))
    )
    with op.batch_alter_table('comparative_test', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comparative_test_category_id'), ['category_id'], unique=False)

    op.create_table('credit_assessment',
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('computed_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('credit_class', sa.String(length=1), nullable=False),
    sa.Column('previous_class', sa.String(length=1), nullable=True),
    sa.Column('model_version', sa.String(length=32), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('caps', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_credit_assessment_enterprise_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_assessment'))
    )
    with op.batch_alter_table('credit_assessment', schema=None) as batch_op:
        batch_op.create_index('ix_credit_assessment_ent', ['enterprise_id', 'id'], unique=False)

    op.create_table('enterprise_sales',
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sales_10m_yuan', sa.Numeric(precision=14, scale=3, asdecimal=False), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_enterprise_sales_enterprise_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_sales')),
    sa.UniqueConstraint('enterprise_id', name=op.f('uq_enterprise_sales_enterprise_id'))
    )
    op.create_table('comparative_sample',
    sa.Column('test_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('brand', sa.String(length=100), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('price', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_comparative_sample_product_id_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['test_id'], ['comparative_test.id'], name=op.f('fk_comparative_sample_test_id_comparative_test'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparative_sample'))
    )
    with op.batch_alter_table('comparative_sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comparative_sample_test_id'), ['test_id'], unique=False)

    op.create_table('complaint',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('tracking_no', sa.String(length=24), nullable=False),
    sa.Column('check_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('complainant_name', sa.String(length=64), nullable=False),
    sa.Column('complainant_phone', sa.String(length=32), nullable=False),
    sa.Column('complainant_address', sa.String(length=300), nullable=False),
    sa.Column('complainant_region', sa.String(length=6), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('respondent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('respondent_name', sa.String(length=200), nullable=False),
    sa.Column('respondent_address', sa.String(length=300), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('product_text', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('purchase_place', sa.String(length=200), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('requests', sa.JSON(), nullable=False),
    sa.Column('request_amount', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('hazard', sa.Boolean(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('rejected_reason', sa.String(length=500), nullable=False),
    sa.Column('forwarded_on', sa.Date(), nullable=True),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('agreement', sa.Text(), nullable=False),
    sa.Column('justified', sa.Boolean(), nullable=True),
    sa.Column('compensation_agreed', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('compensation_paid', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('due_kind', sa.String(length=16), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_complaint_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_complaint_product_id_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['respondent_id'], ['organization.id'], name=op.f('fk_complaint_respondent_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('tracking_no', name=op.f('uq_complaint_tracking_no'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_complaint_received', ['received_on', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_respondent_id'), ['respondent_id'], unique=False)
        batch_op.create_index('ix_complaint_state_due', ['state', 'due_on'], unique=False)

    op.create_table('standard_declaration',
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('standard_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_ids', sa.JSON(), nullable=False),
    sa.Column('products_text', sa.String(length=300), nullable=False),
    sa.Column('declared_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('national_codes', sa.JSON(), nullable=False),
    sa.Column('overall', sa.String(length=16), nullable=False),
    sa.Column('check', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_standard_declaration_category_id_category'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_standard_declaration_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['standard_id'], ['standard.id'], name=op.f('fk_standard_declaration_standard_id_standard'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_declaration'))
    )
    with op.batch_alter_table('standard_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_declaration_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_declaration_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_declaration_standard_id'), ['standard_id'], unique=False)

    op.create_table('complaint_event',
    sa.Column('complaint_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('event_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_event_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_event'))
    )
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_event_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('complaint_evidence',
    sa.Column('complaint_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_evidence_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_evidence'))
    )
    with op.batch_alter_table('complaint_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_evidence_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('complaint_pause',
    sa.Column('complaint_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_pause_complaint_id_complaint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_pause'))
    )
    with op.batch_alter_table('complaint_pause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_pause_complaint_id'), ['complaint_id'], unique=False)



def downgrade() -> None:
    op.drop_table('complaint_pause')
    op.drop_table('complaint_evidence')
    op.drop_table('complaint_event')
    op.drop_table('standard_declaration')
    op.drop_table('complaint')
    op.drop_table('comparative_sample')
    op.drop_table('enterprise_sales')
    op.drop_table('credit_assessment')
    op.drop_table('comparative_test')
    op.drop_table('certificate')
    op.drop_table('administrative_penalty')
    op.drop_table('consumer_setting')
    op.drop_table('certification_body')
