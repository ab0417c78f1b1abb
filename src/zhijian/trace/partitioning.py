"""Hash partitioning of `trace_code` and `trace_scan` by serial (PostgreSQL declarative partitioning, issue #23).

An explicit operation an operator runs once on a single-node PostgreSQL deployment (`zhijian codes partition
--partitions N`), never a migration: installs that do not run it keep their plain tables. In one transaction,
for each table that is not partitioned yet:

1. both tables are locked (`ACCESS EXCLUSIVE`, the verification path's order: code, then scan) under a lock
   timeout, so a busy resolver makes the command fail cleanly instead of queueing every scan behind it;
2. `<table>__part` is created `(LIKE <table> INCLUDING ALL EXCLUDING INDEXES) PARTITION BY HASH (serial)` —
   columns, NOT NULL, defaults, CHECK constraints, identity, generated columns, storage, comments and
   extended statistics as they are — with N children `<table>_p0 … <table>_p{N-1}` (`MODULUS N, REMAINDER i`);
3. the rows are moved (`INSERT … SELECT`, identity values kept), the old table dropped (without CASCADE: a
   view or an incoming foreign key stops it) and the new one renamed to the old name;
4. the primary key, unique and foreign-key constraints and the other indexes are recreated under their old
   names (what Alembic's later migrations name), owned sequences re-attached and identity sequences renamed
   and set to where they were; grants, owner and the table comment copied; `ANALYZE`.

Declarative partitioning needs every unique key to contain the partition key: both primary keys already do
(`trace_code (serial, gtin)`, `trace_scan (serial, id)`, see `trace.models`), so no key is changed; a table
whose primary or unique key lacked the serial would be refused, not altered. A table that is already
partitioned is left alone and reported (running the command again does nothing). Repartitioning to another N
is not offered.

Nothing else changes: the tables keep their names, columns and keys, so the ORM, the resolver's prepared
statements (PostgreSQL re-plans them by name), COPY issuance and `alembic_version` are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from zhijian.platform import audit
from zhijian.platform.errors import DomainError

TABLES = ("trace_code", "trace_scan")
KEY = "serial"
MAX_PARTITIONS = 1024


@dataclass(frozen=True)
class TablePartitioning:
    """One table's outcome: `partitions` children (after the run), `rows` moved (0 when already partitioned)."""

    table: str
    partitions: int
    rows: int
    already: bool

    def line(self) -> str:
        if self.already:
            return f"{self.table}: 已分区 / already partitioned ({self.partitions} partitions)"
        return (f"{self.table}: {self.rows} rows → {self.partitions} partitions "
                f"({self.table}_p0 … {self.table}_p{self.partitions - 1}), PARTITION BY HASH ({KEY})")


@dataclass(frozen=True)
class _Shape:
    """What the old table has that `CREATE TABLE … (LIKE …)` does not copy, read before it is dropped."""

    oid: int
    constraints: list[tuple[str, str, str]]  # (name, contype, definition): primary, unique, foreign keys
    indexes: list[str]  # CREATE INDEX statements of the indexes no constraint owns
    owned_sequences: list[tuple[str, str]]  # (sequence, column) of serial-style defaults
    identities: list[tuple[str, str, int, bool]]  # (column, sequence's name, last_value, is_called)
    columns: list[str]  # insertable columns (no generated ones), in table order
    grants: list[tuple[str, str, bool]]  # (privilege, grantee, grantable)
    owner: str
    comment: str | None
    reloptions: list[str]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unsupported(backend: str) -> DomainError:
    return DomainError("trace.partition_unsupported",
                       f"按序列号哈希分区仅支持 PostgreSQL（当前数据库：{backend}），未做任何更改",
                       f"hash partitioning by serial needs PostgreSQL (this database is {backend}); nothing changed")


def _refuse(table: str, zh: str, en: str) -> DomainError:
    return DomainError("trace.partition_refused", f"{table} 不能分区：{zh}，未做任何更改",
                       f"{table} cannot be partitioned: {en}; nothing changed")


def partition_by_serial(session: Session, partitions: int, *, tables: tuple[str, ...] = TABLES,
                        lock_timeout_ms: int = 30_000) -> list[TablePartitioning]:
    """Turn each of `tables` into a `PARTITION BY HASH (serial)` parent with `partitions` children, in the
    session's transaction (the caller commits); tables already partitioned are reported, not changed.

    Raises `trace.partition_unsupported` on SQLite and MariaDB (nothing is done) and `trace.partition_refused`
    when a table has what partitioning cannot keep (a unique key without the serial, a trigger, a view on it,
    an incoming foreign key, inheritance)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        raise _unsupported(conn.dialect.name)
    if not 2 <= partitions <= MAX_PARTITIONS:
        raise DomainError("trace.bad_partitions", f"分区数应在 2 到 {MAX_PARTITIONS} 之间：{partitions}",
                          f"partitions must be between 2 and {MAX_PARTITIONS}: {partitions}", field="partitions")
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
    conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    oids = {t: _oid(conn, t) for t in tables}
    try:
        conn.exec_driver_sql("LOCK TABLE " + ", ".join(_q(t) for t in tables) + " IN ACCESS EXCLUSIVE MODE")
    except OperationalError as err:
        if getattr(err.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise DomainError("trace.partition_busy", f"{lock_timeout_ms / 1000:g} 秒内未能锁定表（扫码或赋码正在进行），"
                          "未做任何更改；请在低峰时重试",
                          f"could not lock the tables within {lock_timeout_ms / 1000:g} s (scans or issuance are "
                          "running); nothing changed — retry at a quiet time") from None
    out = []
    for table in tables:
        done = _children(conn, oids[table]) if _is_partitioned(conn, oids[table]) else None
        if done is not None:
            out.append(TablePartitioning(table, done, 0, already=True))
            continue
        rows = _partition_table(conn, table, oids[table], partitions)
        audit.record(session, "partition", "table", table, {"partitioned": False, "rows": rows},
                     {"partitioned": True, "strategy": f"hash ({KEY})", "partitions": partitions, "rows": rows})
        out.append(TablePartitioning(table, partitions, rows, already=False))
    return out


def partition_state(session: Session, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
    """How many hash partitions each table has (0 = a plain table); PostgreSQL only."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        raise _unsupported(conn.dialect.name)
    out = {}
    for table in tables:
        oid = _oid(conn, table)
        out[table] = _children(conn, oid) if _is_partitioned(conn, oid) else 0
    return out


def _oid(conn: Connection, table: str) -> int:
    oid = conn.execute(text("SELECT to_regclass(:t)::oid"), {"t": table}).scalar()
    if oid is None:
        raise DomainError("trace.partition_no_table", f"找不到表 {table}（先运行 zhijian db upgrade）",
                          f"no table {table} (run zhijian db upgrade first)")
    return int(oid)


def _is_partitioned(conn: Connection, oid: int) -> bool:
    kind = conn.execute(text("SELECT relkind FROM pg_class WHERE oid = :o"), {"o": oid}).scalar()
    if kind != "p":
        return False
    strategy, keycols = conn.execute(text(
        "SELECT p.partstrat, array_agg(a.attname::text ORDER BY k.i) FROM pg_partitioned_table p"
        " CROSS JOIN LATERAL unnest(p.partattrs) WITH ORDINALITY AS k(attnum, i)"
        " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = k.attnum"
        " WHERE p.partrelid = :o GROUP BY p.partstrat"), {"o": oid}).one()
    if strategy != "h" or list(keycols) != [KEY]:
        raise DomainError("trace.partition_other", "该表已按其他方式分区，未做任何更改",
                          f"the table is already partitioned otherwise ({strategy} on {keycols}); nothing changed")
    return True


def _children(conn: Connection, oid: int) -> int:
    return int(conn.execute(text("SELECT count(*) FROM pg_inherits WHERE inhparent = :o"), {"o": oid}).scalar_one())


def _partition_table(conn: Connection, table: str, oid: int, n: int) -> int:
    """The swap for one table (see the module docstring); the rows moved."""
    shape = _shape(conn, table, oid)
    new = f"{table}__part"
    for name in [new] + [f"{table}_p{i}" for i in range(n)]:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": name}).scalar() is not None:
            raise _refuse(table, f"已存在名为 {name} 的表", f"a relation named {name} exists")
    conn.exec_driver_sql(f"CREATE TABLE {_q(new)} (LIKE {_q(table)} INCLUDING ALL EXCLUDING INDEXES)"
                         f" PARTITION BY HASH ({_q(KEY)})")
    with_options = f" WITH ({', '.join(shape.reloptions)})" if shape.reloptions else ""
    for i in range(n):
        conn.exec_driver_sql(f"CREATE TABLE {_q(f'{table}_p{i}')} PARTITION OF {_q(new)}"
                             f" FOR VALUES WITH (MODULUS {n}, REMAINDER {i}){with_options}")
    cols = ", ".join(_q(c) for c in shape.columns)
    rows = conn.exec_driver_sql(f"INSERT INTO {_q(new)} ({cols}) OVERRIDING SYSTEM VALUE"
                                f" SELECT {cols} FROM {_q(table)}").rowcount
    for seq, _col in shape.owned_sequences:  # kept: the new table's default already calls it
        conn.exec_driver_sql(f"ALTER SEQUENCE {seq} OWNED BY NONE")
    conn.exec_driver_sql(f"DROP TABLE {_q(table)}")
    conn.exec_driver_sql(f"ALTER TABLE {_q(new)} RENAME TO {_q(table)}")
    _restore(conn, table, shape)
    conn.exec_driver_sql(f"ANALYZE {_q(table)}")
    return int(rows)


def _restore(conn: Connection, table: str, shape: _Shape) -> None:
    """Give the renamed partitioned table what the old one had under the old names."""
    for seq, col in shape.owned_sequences:
        conn.exec_driver_sql(f"ALTER SEQUENCE {seq} OWNED BY {_q(table)}.{_q(col)}")
    for col, old_seq, last, called in shape.identities:
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": col}).scalar_one()
        conn.exec_driver_sql(f"ALTER SEQUENCE {seq} RENAME TO {_q(old_seq)}")  # LIKE named it after <table>__part
        conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
                     {"t": table, "c": col, "v": last, "called": called})
    order = {"p": 0, "u": 1, "f": 2}
    for name, _kind, definition in sorted(shape.constraints, key=lambda c: order[c[1]]):
        conn.exec_driver_sql(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {_pct(definition)}")
    for statement in shape.indexes:  # pg_get_indexdef names the table by name: now the partitioned one
        conn.exec_driver_sql(_pct(statement))
    for privilege, grantee, grantable in shape.grants:
        conn.exec_driver_sql(f"GRANT {privilege} ON {_q(table)} TO {grantee}"
                             + (" WITH GRANT OPTION" if grantable else ""))
    if conn.execute(text("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass(:t)"),
                    {"t": table}).scalar_one() != shape.owner:
        conn.exec_driver_sql(f"ALTER TABLE {_q(table)} OWNER TO {_q(shape.owner)}")
    if shape.comment is not None:
        conn.execute(text(f"COMMENT ON TABLE {_q(table)} IS " + _literal(conn, shape.comment)))


def _pct(sql: str) -> str:
    return sql.replace("%", "%%")  # exec_driver_sql passes the text to psycopg's paramstyle


def _literal(conn: Connection, value: str) -> str:
    return str(conn.execute(text("SELECT quote_literal(:v)"), {"v": value}).scalar_one())


def _shape(conn: Connection, table: str, oid: int) -> _Shape:
    _check_partitionable(conn, table, oid)
    p = {"o": oid}
    constraints = [(r[0], r[1], r[2]) for r in conn.execute(text(
        "SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = :o AND contype IN ('p', 'u', 'f') ORDER BY conname"), p)]
    indexes = list(conn.execute(text(
        "SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = :o AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid"
        " AND c.conrelid = :o) ORDER BY i.relname"), p).scalars())
    owned = [(r[0], r[1]) for r in conn.execute(text(
        "SELECT d.objid::regclass::text, a.attname FROM pg_depend d"
        " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
        " JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
        " WHERE d.classid = 'pg_class'::regclass AND d.refobjid = :o AND d.deptype = 'a'"), p)]
    identities = []
    for col in conn.execute(text("SELECT attname FROM pg_attribute WHERE attrelid = :o AND attnum > 0"
                                 " AND NOT attisdropped AND attidentity <> '' ORDER BY attnum"), p).scalars():
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": col}).scalar_one()
        name = conn.execute(text("SELECT relname FROM pg_class WHERE oid = CAST(:s AS regclass)"), {"s": seq}).scalar_one()
        last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
        identities.append((col, str(name), int(last), bool(called)))
    columns = list(conn.execute(text(
        "SELECT attname FROM pg_attribute WHERE attrelid = :o AND attnum > 0 AND NOT attisdropped"
        " AND attgenerated = '' ORDER BY attnum"), p).scalars())
    grants = [(r[0], r[1], bool(r[2])) for r in conn.execute(text(
        "SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee))"
        " END, a.is_grantable FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a"
        " WHERE c.oid = :o AND a.grantee <> c.relowner"), p)]
    owner, comment, reloptions = conn.execute(text(
        "SELECT pg_get_userbyid(relowner), obj_description(oid, 'pg_class'), coalesce(reloptions, '{}')"
        " FROM pg_class WHERE oid = :o"), p).one()
    return _Shape(oid, constraints, indexes, owned, identities, columns, grants, owner, comment, list(reloptions))


def _check_partitionable(conn: Connection, table: str, oid: int) -> None:
    """Refuse, before anything is changed, what a hash-partitioned copy could not keep."""
    p: dict[str, Any] = {"o": oid, "k": KEY}
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'citus'").scalar() and conn.execute(text(
            "SELECT 1 FROM pg_dist_partition WHERE logicalrelid = :o"), p).scalar():
        # on a Citus coordinator the table here is the shell of shards on the workers: rebuilding it as a local
        # partitioned table would take it out of the cluster (its shards are already its hash partitions)
        raise _refuse(table, "它是 Citus 的分布式表（分片已按哈希划分，由 zhijian db distribute 管理）",
                      "it is a Citus distributed table (its shards are already hash partitions; zhijian db distribute "
                      "manages it)")
    keyless = list(conn.execute(text(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = :o AND x.indisunique AND NOT EXISTS (SELECT 1 FROM pg_attribute a"
        " WHERE a.attrelid = :o AND a.attname = :k AND a.attnum = ANY (x.indkey))"), p).scalars())
    if keyless:
        raise _refuse(table, f"唯一键 {', '.join(keyless)} 不含 {KEY}",
                      f"unique key {', '.join(keyless)} does not contain {KEY}")
    checks = {
        "triggers": "SELECT tgname FROM pg_trigger WHERE tgrelid = :o AND NOT tgisinternal",
        "views": "SELECT DISTINCT v.relname FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid"
                 " JOIN pg_class v ON v.oid = r.ev_class WHERE d.classid = 'pg_rewrite'::regclass"
                 " AND d.refobjid = :o AND v.oid <> :o",
        "incoming foreign keys": "SELECT conname FROM pg_constraint WHERE confrelid = :o AND conrelid <> :o",
        "inheritance": "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = :o OR inhrelid = :o",
        "row-level security policies": "SELECT polname FROM pg_policy WHERE polrelid = :o",
    }
    for what, sql in checks.items():
        names = list(conn.execute(text(sql), p).scalars())
        if names:
            raise _refuse(table, f"存在 {what}：{', '.join(names)}", f"it has {what}: {', '.join(names)}")
