"""Named queries are their organisation's own: unique by (owner_key, name), and a subscription points at its query
by id (epcis_subscription.query_id).

Names were unique across the platform, so the first enterprise to save "shipped" took the name from every other,
and a 409 "a query named … exists" told a second enterprise what the first had saved. `owner_key` is the owner
organisation's id (0 for staff without one); a subscription keeps `query_name` for its documents and gains the id
of its query (a subscription whose query is gone is deleted: nothing could deliver it).

Downgrade: names become unique again; where several organisations share one, every query but the first saved is
renamed `<name>-<id>` (its subscriptions with it).

Revision ID: e2b6c9d4a7f1
Revises: a4c7e9f2d1b6
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e2b6c9d4a7f1'
down_revision: str | None = 'a4c7e9f2d1b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('epcis_named_query') as batch:
        batch.add_column(sa.Column('owner_key', sa.BigInteger(), nullable=False, server_default='0'))
    op.execute('UPDATE epcis_named_query SET owner_key = owner_id WHERE owner_id IS NOT NULL')
    with op.batch_alter_table('epcis_named_query') as batch:
        batch.drop_constraint('uq_epcis_named_query_name', type_='unique')
        batch.create_unique_constraint('uq_epcis_named_query_owner_key_name', ['owner_key', 'name'])
        batch.alter_column('owner_key', existing_type=sa.BigInteger(), existing_nullable=False, server_default=None)
    with op.batch_alter_table('epcis_subscription') as batch:
        batch.add_column(sa.Column('query_id', BIG, nullable=True))
    op.execute('UPDATE epcis_subscription SET query_id = (SELECT q.id FROM epcis_named_query q '
               'WHERE q.name = epcis_subscription.query_name)')
    op.execute('DELETE FROM epcis_subscription WHERE query_id IS NULL')
    with op.batch_alter_table('epcis_subscription') as batch:
        batch.alter_column('query_id', existing_type=BIG, nullable=False)
        batch.create_index('ix_epcis_subscription_query_id', ['query_id'])
        batch.create_foreign_key('fk_epcis_subscription_query_id_epcis_named_query', 'epcis_named_query',
                                 ['query_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    bind = op.get_bind()
    queries = sa.table('epcis_named_query', sa.column('id', sa.BigInteger()), sa.column('name', sa.String()))
    subs = sa.table('epcis_subscription', sa.column('query_id', sa.BigInteger()), sa.column('query_name', sa.String()))
    seen: set[str] = set()
    for qid, name in bind.execute(sa.select(queries.c.id, queries.c.name).order_by(queries.c.id)).all():
        if name in seen:
            new = f"{name[:80]}-{qid}"
            bind.execute(queries.update().where(queries.c.id == qid).values(name=new))
            bind.execute(subs.update().where(subs.c.query_id == qid).values(query_name=new))
        seen.add(name)
    with op.batch_alter_table('epcis_subscription') as batch:
        batch.drop_constraint('fk_epcis_subscription_query_id_epcis_named_query', type_='foreignkey')
        batch.drop_index('ix_epcis_subscription_query_id')
        batch.drop_column('query_id')
    with op.batch_alter_table('epcis_named_query') as batch:
        batch.drop_constraint('uq_epcis_named_query_owner_key_name', type_='unique')
        batch.create_unique_constraint('uq_epcis_named_query_name', ['name'])
        batch.drop_column('owner_key')
