"""Distribute tables over a Citus cluster (分布式部署, issue #23): `zhijian db distribute`.

Each room declares where its tables go in `zhijian.<room>.scaling` (`PLACEMENTS`, a tuple of `Placement`); the
platform finds those modules through `rooms.modules("scaling")`, checks each declaration against the models
(Citus needs the distribution column in the primary key and in every unique key of a distributed table), and on a
Citus coordinator creates the reference and distributed tables that are not yet so. A second run finds them in
Citus' metadata (`pg_dist_partition`) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.engine import Connection, Engine

from zhijian.platform.db import Base
from zhijian.platform.errors import DomainError
from zhijian.platform.rooms import import_all_models, modules

Kind = Literal["distributed", "reference", "local"]
DEFAULT_SHARDS = 32


@dataclass(frozen=True)
class Placement:
    """Where one table goes: `distributed` by `column` (co-located with `colocate_with`, so a join or one
    transaction over both stays on one shard), `reference` (a copy on every node: small tables the shards join
    with), or `local` (stays on the coordinator; `why` says why)."""

    table: str
    kind: Kind
    column: str | None = None
    colocate_with: str | None = None
    why: str = ""

    def line(self) -> str:
        if self.kind == "distributed":
            with_ = f", co-located with {self.colocate_with}" if self.colocate_with else ""
            return f"{self.table}: distributed by {self.column}{with_}"
        if self.kind == "reference":
            return f"{self.table}: reference table"
        return f"{self.table}: stays local ({self.why})"


@dataclass(frozen=True)
class Outcome:
    """What one run did to one table: `done` (created now), `already` (found so in the metadata), `local`."""

    placement: Placement
    state: Literal["done", "already", "local"]

    def line(self) -> str:
        if self.state == "already":
            return f"{self.placement.line()} — 已分布 / already"
        if self.state == "done":
            return f"{self.placement.line()} — 已完成 / done"
        return self.placement.line()


def unique_keys(table: Table) -> list[set[str]]:
    """The column sets of the table's primary key, unique constraints and unique indexes."""
    keys = [{c.name for c in table.primary_key.columns}] if table.primary_key.columns else []
    keys += [{c.name for c in con.columns} for con in table.constraints if isinstance(con, UniqueConstraint)]
    keys += [{c.name for c in ix.columns} for ix in table.indexes if ix.unique]
    return keys


def blocking_key(table: Table, column: str) -> set[str] | None:
    """A unique key of `table` that lacks `column` (which Citus would refuse to distribute by), or None."""
    return next((key for key in unique_keys(table) if column not in key), None)


def plan() -> list[Placement]:
    """Every room's declared placements, in room order, checked against the models: a distributed table's column
    must exist and be in each of its unique keys, and it may be co-located only with a table distributed before it."""
    import_all_models()
    placements = [p for _, mod in modules("scaling") for p in getattr(mod, "PLACEMENTS", ())]
    distributed: set[str] = set()
    for p in placements:
        table = Base.metadata.tables.get(p.table)
        if table is None:
            raise _bad_plan(p.table, "没有这个表", "no such table in the models")
        if p.kind != "distributed":
            continue
        if p.column is None or p.column not in table.c:
            raise _bad_plan(p.table, f"没有分布列 {p.column}", f"no distribution column {p.column}")
        key = blocking_key(table, p.column)
        if key is not None:
            raise _bad_plan(p.table, f"唯一键 {sorted(key)} 不含 {p.column}", f"unique key {sorted(key)} lacks {p.column}")
        if p.colocate_with is not None and p.colocate_with not in distributed:
            raise _bad_plan(p.table, f"{p.colocate_with} 未先分布", f"{p.colocate_with} is not distributed before it")
        distributed.add(p.table)
    return placements


def _bad_plan(table: str, zh: str, en: str) -> DomainError:
    return DomainError("db.bad_distribution", f"{table} 的分布声明有误：{zh}", f"{table}: bad distribution: {en}")


def citus_version(conn: Connection) -> str:
    """The citus extension's version in this database, or a DomainError naming what is missing (exit 2)."""
    if conn.dialect.name != "postgresql":
        raise DomainError("db.no_citus", f"分布式表需要 Citus（PostgreSQL 扩展），当前数据库：{conn.dialect.name}，未做任何更改",
                          f"distributing tables needs Citus (a PostgreSQL extension); this database is "
                          f"{conn.dialect.name}; nothing changed")
    version = conn.exec_driver_sql("SELECT extversion FROM pg_extension WHERE extname = 'citus'").scalar()
    if version is None:
        raise DomainError("db.no_citus", "此 PostgreSQL 数据库未安装 citus 扩展（CREATE EXTENSION citus），未做任何更改",
                          "this PostgreSQL database has no citus extension (CREATE EXTENSION citus); nothing changed")
    return str(version)


def current(conn: Connection) -> dict[str, tuple[str, str | None]]:
    """Citus' metadata: table → (kind, distribution column) for the distributed and reference tables."""
    rows = conn.exec_driver_sql(
        "SELECT logicalrelid::regclass::text, partmethod, repmodel, column_to_column_name(logicalrelid, partkey) "
        "FROM pg_dist_partition").all()
    out: dict[str, tuple[str, str | None]] = {}
    for table, method, repmodel, column in rows:
        kind = "distributed" if method == "h" else "reference" if repmodel == "t" else "local"
        out[str(table).strip('"')] = (kind, column)
    return out


def distribute(engine: Engine, shards: int = DEFAULT_SHARDS) -> list[Outcome]:
    """Create the planned reference and distributed tables that are not yet so, one statement each (Citus moves
    the rows); a table already in the metadata as planned is left as it is, one placed otherwise is an error."""
    placements = plan()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        citus_version(conn)
        have = current(conn)
        out: list[Outcome] = []
        for p in sorted(placements, key=lambda q: q.kind != "reference"):  # references first: shards join them
            if p.kind == "local":
                out.append(Outcome(p, "local"))
                continue
            found = have.get(p.table)
            if found is not None:
                if found != (p.kind, p.column):
                    raise DomainError("db.distribution_differs", f"{p.table} 已按其他方式分布：{found}",
                                      f"{p.table} is already placed otherwise: {found}")
                out.append(Outcome(p, "already"))
                continue
            if p.kind == "reference":
                conn.exec_driver_sql("SELECT create_reference_table(%(t)s)", {"t": p.table})
            else:
                conn.exec_driver_sql(
                    "SELECT create_distributed_table(%(t)s, %(c)s, colocate_with => %(w)s, shard_count => %(n)s)",
                    {"t": p.table, "c": p.column, "w": p.colocate_with or "default",
                     "n": None if p.colocate_with else shards})
            out.append(Outcome(p, "done"))
    return out
