"""spotcheck: item detail and superseded flag, objection items/re-test draw/fee, lab fields, repeat-check window

Issue #14: re-tests cover only the disputed items and the final verdict merges them with the undisputed
first-test results (spotcheck_item.superseded); the re-test lab is drawn from labs qualified for the product's
field (spotcheck_lab_field); the repeat-check window and exemptions of PQL Art. 15 are recorded on the plan and
on manually added batches; qualitative results, reported limits and sampling-plan units are kept per item.

Revision ID: f3a8d61c2b90
Revises: e7b2c9d4a1f3
Create Date: 2026-12-02 12:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhijian.platform.db  # noqa: F401  (custom column types)

revision: str = 'f3a8d61c2b90'
down_revision: str | None = 'e7b2c9d4a1f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('spotcheck_lab_field',
    sa.Column('lab_id', _ID, nullable=False),
    sa.Column('category_id', _ID, nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_spotcheck_lab_field_category_id_category'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lab_id'], ['organization.id'], name=op.f('fk_spotcheck_lab_field_lab_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lab_id', 'category_id', name=op.f('pk_spotcheck_lab_field'))
    )
    with op.batch_alter_table('spotcheck_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('superseded', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('spotcheck_objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('items', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('retest_seed', _ID, nullable=True))
        batch_op.add_column(sa.Column('retest_candidates', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('fee_payer', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fee_note', sa.String(length=300), nullable=False, server_default=''))
    with op.batch_alter_table('spotcheck_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_window_months', sa.Integer(), nullable=False, server_default='6'))
        batch_op.add_column(sa.Column('repeat_exemption', sa.String(length=300), nullable=False, server_default=''))
    with op.batch_alter_table('spotcheck_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_exemption', sa.String(length=300), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('spotcheck_batch', schema=None) as batch_op:
        batch_op.drop_column('repeat_exemption')
    with op.batch_alter_table('spotcheck_plan', schema=None) as batch_op:
        batch_op.drop_column('repeat_exemption')
        batch_op.drop_column('repeat_window_months')
    with op.batch_alter_table('spotcheck_objection', schema=None) as batch_op:
        batch_op.drop_column('fee_note')
        batch_op.drop_column('fee_payer')
        batch_op.drop_column('retest_candidates')
        batch_op.drop_column('retest_seed')
        batch_op.drop_column('items')
    with op.batch_alter_table('spotcheck_item', schema=None) as batch_op:
        batch_op.drop_column('superseded')
        batch_op.drop_column('detail')
    op.drop_table('spotcheck_lab_field')
