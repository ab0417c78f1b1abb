"""epcis_event_key: the EPCIS repository's unique key (one event per eventID) in a table of its own, in place of
epcis_event.dedup_key; epcis_epc and epcis_attr keyed by (event_pk, id). Citus needs the distribution column in
every unique key: so keyed, the event is distributed by its id, its index rows by event_pk beside it, and the key
table by eventID (`zhijian db distribute`, issue #23). Every row is kept.

On SQLite a table's key changes only by rebuilding the table, and dropping the old epcis_event would cascade to
its index rows (foreign keys are on): the index rows are set aside first, and put back once the event table is
rebuilt.

Revision ID: d8c3f5a1b9e2
Revises: a9d4e2c81f06
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd8c3f5a1b9e2'
down_revision: str | None = 'a9d4e2c81f06'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
INDEX_TABLES = ('epcis_epc', 'epcis_attr')
COLUMNS = {'epcis_epc': ('id', 'event_pk', 'role', 'epc', 'quantity', 'uom'),
           'epcis_attr': ('id', 'event_pk', 'kind', 'type', 'value', 'num')}


def _own_columns(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    if table == 'epcis_epc':
        return [sa.Column('role', sa.String(length=12), nullable=False),
                sa.Column('epc', sa.String(length=255), nullable=False),
                sa.Column('quantity', sa.Float(), nullable=True),
                sa.Column('uom', sa.String(length=8), nullable=True)]
    return [sa.Column('kind', sa.String(length=24), nullable=False),
            sa.Column('type', sa.String(length=128), nullable=False),
            sa.Column('value', sa.String(length=255), nullable=False),
            sa.Column('num', sa.Float(), nullable=True)]


def _create_index_table(table: str, keyed_by_event: bool) -> None:
    """The index table as this revision (`keyed_by_event`) or the one before defines it."""
    key = ['event_pk', 'id'] if keyed_by_event else ['id']
    op.create_table(
        table,
        sa.Column('id', BigId, autoincrement=not keyed_by_event, nullable=False),
        sa.Column('event_pk', BigId, nullable=False),
        *_own_columns(table),
        sa.ForeignKeyConstraint(['event_pk'], ['epcis_event.id'], name=op.f(f'fk_{table}_event_pk_epcis_event'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint(*key, name=op.f(f'pk_{table}')))
    second = ['epc', 'role'] if table == 'epcis_epc' else ['kind', 'value']
    op.create_index(f'ix_{table}_{"_".join(second)}', table, second)
    if not keyed_by_event:
        op.create_index(op.f(f'ix_{table}_event_pk'), table, ['event_pk'])


def _around_sqlite_event_rebuild(change_event: Callable[[], None], keyed_by_event: bool) -> None:
    """SQLite: set the index rows aside, drop their tables, change the event table, create the index tables as
    `keyed_by_event` says and put every row back."""
    for table in INDEX_TABLES:
        op.execute(f'CREATE TABLE _zj_{table} AS SELECT * FROM {table}')
        op.drop_table(table)
    change_event()
    for table in INDEX_TABLES:
        _create_index_table(table, keyed_by_event)
        cols = ', '.join(COLUMNS[table])
        op.execute(f'INSERT INTO {table} ({cols}) SELECT {cols} FROM _zj_{table}')
        op.drop_table(f'_zj_{table}')


def upgrade() -> None:
    op.create_table(
        'epcis_event_key',
        sa.Column('event_id', sa.String(length=255), nullable=False),
        sa.Column('hash_id', sa.String(length=100), nullable=False),
        sa.Column('event_pk', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_epcis_event_key')))
    # the first stored event of each eventID (two could share one only through a race the key now closes)
    op.execute('INSERT INTO epcis_event_key (event_id, hash_id, event_pk) SELECT e.event_id, e.hash_id, e.id '
               'FROM epcis_event e WHERE e.id = (SELECT MIN(x.id) FROM epcis_event x WHERE x.event_id = e.event_id)')
    dialect = op.get_bind().dialect.name

    def drop_dedup_key() -> None:
        with op.batch_alter_table('epcis_event') as batch:
            batch.drop_constraint('uq_epcis_event_dedup_key', type_='unique')
            batch.drop_column('dedup_key')

    if dialect == 'sqlite':
        _around_sqlite_event_rebuild(drop_dedup_key, keyed_by_event=True)
        return
    drop_dedup_key()
    for table in INDEX_TABLES:
        if dialect == 'postgresql':
            op.alter_column(table, 'id', existing_type=sa.BigInteger(), server_default=None)
            op.execute(f'DROP SEQUENCE IF EXISTS {table}_id_seq')
        else:  # MariaDB: AUTO_INCREMENT goes first, a key column may not lose its key while it has it
            op.alter_column(table, 'id', existing_type=sa.BigInteger(), existing_nullable=False, autoincrement=False)
        op.drop_constraint(f'pk_{table}', table, type_='primary')
        op.create_primary_key(f'pk_{table}', table, ['event_pk', 'id'])
        op.drop_index(f'ix_{table}_event_pk', table_name=table)


def _fill_dedup_keys() -> None:
    """epcis_event.dedup_key as the revision before computed it: sha256(eventID | hash ID)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, event_id, hash_id FROM epcis_event')).all()
    for pk, event_id, hash_id in rows:
        key = hashlib.sha256(f'{event_id}|{hash_id}'.encode()).hexdigest()
        bind.execute(sa.text('UPDATE epcis_event SET dedup_key = :k WHERE id = :i'), {'k': key, 'i': pk})


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column('epcis_event', sa.Column('dedup_key', sa.String(length=64), nullable=True))
    _fill_dedup_keys()

    def keep_dedup_key() -> None:
        with op.batch_alter_table('epcis_event') as batch:
            batch.alter_column('dedup_key', existing_type=sa.String(length=64), nullable=False)
            batch.create_unique_constraint('uq_epcis_event_dedup_key', ['dedup_key'])

    if dialect == 'sqlite':
        # rows numbered within their event are numbered again table-wide (the old key is the id alone)
        for table in INDEX_TABLES:
            op.execute(f'UPDATE {table} SET id = -rowid')
            op.execute(f'UPDATE {table} SET id = rowid')
        _around_sqlite_event_rebuild(keep_dedup_key, keyed_by_event=False)
    else:
        keep_dedup_key()
        for table in INDEX_TABLES:
            op.create_index(op.f(f'ix_{table}_event_pk'), table, ['event_pk'])
            op.drop_constraint(f'pk_{table}', table, type_='primary')
            _renumber(table, dialect)
            op.create_primary_key(f'pk_{table}', table, ['id'])
            if dialect == 'postgresql':
                op.execute(f'CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id')
                op.execute(f"SELECT setval('{table}_id_seq', COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")
                op.alter_column(table, 'id', existing_type=sa.BigInteger(),
                                server_default=sa.text(f"nextval('{table}_id_seq'::regclass)"))
            else:
                op.alter_column(table, 'id', existing_type=sa.BigInteger(), existing_nullable=False,
                                autoincrement=True)
    op.drop_table('epcis_event_key')


def _renumber(table: str, dialect: str) -> None:
    """Rows numbered within their event numbered table-wide again, in their stored order."""
    if dialect == 'postgresql':
        op.execute(f'UPDATE {table} t SET id = n.rn FROM (SELECT ctid AS c, row_number() OVER '
                   f'(ORDER BY event_pk, id) AS rn FROM {table}) n WHERE t.ctid = n.c')
    else:
        op.execute('SET @zj_n := 0')
        op.execute(f'UPDATE {table} SET id = (@zj_n := @zj_n + 1) ORDER BY event_pk, id')
