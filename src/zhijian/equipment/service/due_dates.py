"""Recomputing every unit's next inspection date after a new version of the interval table (定期检验周期): a
set-based pass over the whole registry, streamed in id-ordered chunks of plain tuples read through the driver
(dates as epoch days computed by the database), the rule applied with NumPy (``rules.next_due_days``) and only the
changed rows written in bulk.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypedDict

import numpy as np
from sqlalchemy import JSON, bindparam, case, func, select, type_coerce, update
from sqlalchemy.orm import Session

from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentUnit
from zhijian.platform.auth import Actor

UNITS = EquipmentUnit.metadata.tables["equipment_unit"]  # the Core table: the pass below reads and writes columns
DUE_INDEXES = ("ix_equipment_unit_due", "ix_equipment_unit_region_due")
EPOCH = dt.date(1970, 1, 1).toordinal()
# one chunk of what the due rule reads, dates as epoch days (NO_DAY for none) computed by the database; only a
# cylinder's interval reads its parameters (TSG 23), so only those rows' JSON is sent and decoded
_DAYS = {"sqlite": "COALESCE(CAST(julianday({c}) - 2440587.5 AS INTEGER), {none})",
         "postgresql": "COALESCE({c} - DATE '1970-01-01', {none})"}
_READ = ("SELECT id, variety, safety_grade, CASE WHEN variety LIKE '23%' THEN params END, {last}, {comm}, {due}, "
         "due_rule FROM equipment_unit WHERE id > {p} ORDER BY id LIMIT {p}")


class DueRecompute(TypedDict):
    """What a recompute did (the CLI prints it): units read, units whose next due date or rule changed."""

    units: int
    changed: int


def recompute_due_dates(session: Session, actor: Actor, *, chunk: int = 50_000,
                        table: rules.IntervalTable | None = None) -> DueRecompute:
    """Recompute every unit's next inspection date (after a new version of the interval table): read in id order,
    chunk by chunk, computed by ``rules.next_due_days`` (the array form of ``rules.next_due_date``) and only the
    changed rows written (set-based; on PostgreSQL one UPDATE … FROM a temporary table at the end)."""
    actor.require("regulator")
    tbl = table or rules.CURRENT_TABLE
    after, seen, changed = 0, 0, 0
    name = session.connection().dialect.name
    due_indexes = [ix for ix in UNITS.indexes if ix.name in DUE_INDEXES]
    dropped = False
    while rows := _due_rows(session, name, after, chunk):
        out = _changed_dues(rows, tbl)
        if name == "sqlite" and not dropped and after == 0 and len(out) > len(rows) // 2 \
                and _count_units(session) > 200_000:
            # most of a large registry changes: SQLite rebuilds the two due-date indexes 3× faster than it
            # updates them row by row (the DDL is part of this transaction, rolled back with it)
            for ix in due_indexes:
                ix.drop(session.connection())
            dropped = True
        if out:
            _write_due(session, name, out)
        seen += len(rows)
        changed += len(out)
        after = rows[-1][0]
    if changed and name == "postgresql":
        _apply_pg(session)
    for ix in due_indexes if dropped else ():
        ix.create(session.connection())
    if changed:
        from zhijian.platform import audit

        audit.record(session, "recompute_due", "equipment_unit", "*", None,
                     {"table_version": tbl.version, "units": seen, "changed": changed})
    return {"units": seen, "changed": changed}


def _count_units(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(UNITS)) or 0


def _changed_dues(rows: list[tuple[Any, ...]], tbl: rules.IntervalTable) -> list[tuple[str | None, str, int]]:
    """The rows whose computed due date or rule differs from the stored one, as (ISO date or None, rule, id)."""
    ids, variety, grade, params, last, comm, stored, stored_rule = ([r[k] for r in rows] for k in range(8))
    years = [(json.loads(p) if isinstance(p, str) else p or {}).get("inspection_interval_years") if p else None
             for p in params]
    due, rule, keys = rules.next_due_days(variety, grade, years, np.array(last, dtype=np.int64),
                                          np.array(comm, dtype=np.int64), table=tbl)
    key = np.array(keys, dtype=object)[rule]
    diff = np.flatnonzero((due != np.array(stored, dtype=np.int64)) | (key != np.array(stored_rule, dtype=object)))
    if not len(diff):
        return []
    got = due[diff]
    iso = np.datetime_as_string(got.astype("datetime64[D]")).astype(object)
    iso[got == rules.NO_DAY] = None
    return list(zip(iso.tolist(), key[diff].tolist(), np.array(ids, dtype=np.int64)[diff].tolist(), strict=True))


def _due_rows(session: Session, name: str, after: int, chunk: int) -> list[tuple[Any, ...]]:
    """One chunk of what the due rule reads as plain tuples: through the driver on SQLite and PostgreSQL (the
    database turns dates into epoch days: no date objects made), through Core elsewhere."""
    if name not in _DAYS:
        return _core_due_rows(session, after, chunk)
    day = _DAYS[name]
    sql = _READ.format(last=day.format(c="last_inspection_on", none=rules.NO_DAY),
                       comm=day.format(c="commissioned_on", none=rules.NO_DAY),
                       due=day.format(c="next_due_on", none=rules.NO_DAY), p="?" if name == "sqlite" else "%s")
    raw = _driver(session)
    if name == "sqlite":
        return raw.execute(sql, (after, chunk)).fetchall()  # type: ignore[no-any-return]
    with raw.cursor() as cur:
        return cur.execute(sql.replace("'23%'", "'23%%'"), (after, chunk)).fetchall()  # type: ignore[no-any-return]


def _core_due_rows(session: Session, after: int, chunk: int) -> list[tuple[Any, ...]]:
    """The portable read (MariaDB): Core, dates turned into epoch days here."""
    u = UNITS
    cylinder_params = type_coerce(case((u.c.variety.like("23%"), u.c.params), else_=None), JSON).label("params")

    def day(d: dt.date | None) -> int:
        return rules.NO_DAY if d is None else d.toordinal() - EPOCH

    return [(i, v, g, p, day(a), day(c), day(n), r) for i, v, g, p, a, c, n, r in session.execute(
        select(u.c.id, u.c.variety, u.c.safety_grade, cylinder_params, u.c.last_inspection_on,
               u.c.commissioned_on, u.c.next_due_on, u.c.due_rule)
        .where(u.c.id > after).order_by(u.c.id).limit(chunk))]


def _driver(session: Session) -> Any:
    """The DB-API connection under the session's (the driver's own fast paths: executemany, COPY)."""
    raw = session.connection().connection.driver_connection
    if raw is None:
        raise RuntimeError("no driver connection")
    return raw


def _write_due(session: Session, name: str, out: list[tuple[str | None, str, int]]) -> None:
    """Write changed due dates set-based: SQLite through the driver's executemany (one prepared UPDATE by id, in
    the caller's one transaction), PostgreSQL by COPY into a temporary table (applied once by ``_apply_pg``),
    others by Core executemany."""
    if name == "sqlite":
        _driver(session).executemany("UPDATE equipment_unit SET next_due_on = ?, due_rule = ? WHERE id = ?", out)
    elif name == "postgresql":
        with _driver(session).cursor() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS equipment_due_tmp (id bigint, due date, rule varchar(32)) "
                        "ON COMMIT DROP")
            with cur.copy("COPY equipment_due_tmp (due, rule, id) FROM STDIN") as cp:
                for o in out:
                    cp.write_row(o)
    else:
        u = UNITS
        session.execute(update(u).where(u.c.id == bindparam("b_id")).values(next_due_on=bindparam("b_due"),
                                                                           due_rule=bindparam("b_rule")),
                        [{"b_due": dt.date.fromisoformat(d) if d else None, "b_rule": r, "b_id": i}
                         for d, r, i in out])


def _apply_pg(session: Session) -> None:
    """One UPDATE … FROM of every changed row (a join the planner hashes once, instead of one per chunk)."""
    with _driver(session).cursor() as cur:
        cur.execute("ANALYZE equipment_due_tmp")
        cur.execute("UPDATE equipment_unit u SET next_due_on = t.due, due_rule = t.rule FROM equipment_due_tmp t "
                    "WHERE u.id = t.id")
        cur.execute("DROP TABLE equipment_due_tmp")
