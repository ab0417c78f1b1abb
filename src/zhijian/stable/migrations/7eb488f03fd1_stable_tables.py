"""stable tables

Revision ID: 7eb488f03fd1
Revises:
Create Date: 2026-11-27 19:23:10.657899
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = '7eb488f03fd1'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('stable',)
depends_on: str | Sequence[str] | None = '37b282a56669'


def upgrade() -> None:
    op.create_table('stable_announcement',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('published_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('published_by', sa.String(length=128), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stable_announcement')),
    sa.UniqueConstraint('year', 'number', name=op.f('uq_stable_announcement_year_number'))
    )
    op.create_table('stable_ruleset',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stable_ruleset')),
    sa.UniqueConstraint('version', name=op.f('uq_stable_ruleset_version'))
    )
    op.create_table('stable_committee_member',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('appointed_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_stable_committee_member_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stable_committee_member')),
    sa.UniqueConstraint('user_id', name=op.f('uq_stable_committee_member_user_id'))
    )
    op.create_table('stable_evaluation',
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ruleset_version', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('evaluated_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stable_evaluation_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stable_evaluation'))
    )
    with op.batch_alter_table('stable_evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stable_evaluation_product_id'), ['product_id'], unique=False)
    op.create_table('stable_application',
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('former_names', sa.JSON(), nullable=False),
    sa.Column('evaluation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('submitted_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reviewer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('recommendation', sa.String(length=16), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_stable_application_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_stable_application_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['stable_evaluation.id'], name=op.f('fk_stable_application_evaluation_id_stable_evaluation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stable_application_product_id_product'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_stable_application_reviewer_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by'], ['user_account.id'], name=op.f('fk_stable_application_submitted_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stable_application'))
    )
    with op.batch_alter_table('stable_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stable_application_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_stable_application_enterprise_status', ['enterprise_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_stable_application_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stable_application_status'), ['status'], unique=False)
    op.create_table('stable_application_comment',
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author', sa.String(length=128), nullable=False),
    sa.Column('author_role', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['stable_application.id'], name=op.f('fk_stable_application_comment_application_id_stable_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stable_application_comment'))
    )
    with op.batch_alter_table('stable_application_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stable_application_comment_application_id'), ['application_id'], unique=False)
    op.create_table('stable_listing',
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('announcement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('certificate_no', sa.String(length=32), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('product_name', sa.String(length=200), nullable=False),
    sa.Column('brand', sa.String(length=100), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('category_name', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('ruleset_version', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('flagged_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('flag_reason', sa.Text(), nullable=False),
    sa.Column('flag_batch_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', zhijian.platform.db.UTCDateTime(), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=False),
    sa.Column('revocation_announcement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', zhijian.platform.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['stable_announcement.id'], name=op.f('fk_stable_listing_announcement_id_stable_announcement'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['application_id'], ['stable_application.id'], name=op.f('fk_stable_listing_application_id_stable_application'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organization.id'], name=op.f('fk_stable_listing_enterprise_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stable_listing_product_id_product'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['revocation_announcement_id'], ['stable_announcement.id'], name=op.f('fk_stable_listing_revocation_announcement_id_stable_announcement'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stable_listing')),
    sa.UniqueConstraint('certificate_no', name=op.f('uq_stable_listing_certificate_no'))
    )
    with op.batch_alter_table('stable_listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stable_listing_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stable_listing_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stable_listing_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stable_listing_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('stable_listing')
    op.drop_table('stable_application_comment')
    op.drop_table('stable_application')
    op.drop_table('stable_evaluation')
    op.drop_table('stable_committee_member')
    op.drop_table('stable_ruleset')
    op.drop_table('stable_announcement')
