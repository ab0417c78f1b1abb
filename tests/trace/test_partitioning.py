"""Hash partitioning of trace_code and trace_scan by serial (issue #23, `zhijian codes partition`), on PostgreSQL.

The main test builds one migrated database with issued codes, scans, signals and EPCIS events, copies it
(`CREATE DATABASE … TEMPLATE`, the same rows byte for byte) and partitions the copy with the CLI. Then both
databases get the very same operations — reads (trace, recall scope, EPCIS queries, scan history, signals) and
writes (first and repeat scans on both drivers, the freeze threshold, newly issued codes, a recall, a void) — and
must answer alike: the plain database is the "before", the partitioned copy the "after", on the same data.
"""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import BigInteger, Column, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from tests import aio, factories
from tests.conftest import BACKENDS
from tests.dbs import isolated_url
from tests.trace.conftest import Lot, issue_lot
from tests.trace.test_trace import supply_chain
from zhijian.platform import migrate
from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import Base, Database
from zhijian.platform.errors import DomainError
from zhijian.trace import epcis_service, hot, service
from zhijian.trace.models import Code, Signal

N = 4
PG = pytest.mark.skipif("postgresql" not in BACKENDS,
                        reason="hash partitioning is PostgreSQL's declarative partitioning; no PostgreSQL answers here")
_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?")


def _cli(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> Any:
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", url)
    from zhijian.platform.cli import app

    return CliRunner().invoke(app, list(args))


def _verify(db: Database, gtin: str, lot: str | None, serial: str, *, region: str | None = None,
            fast: bool = False) -> dict[str, Any]:
    scan = service.ScanInput(gtin=gtin, serial=serial, lot=lot, client="t-part", region=region)
    if not fast:
        with db.session() as s:
            return dict(service.verify_scan(s, scan))

    async def run() -> dict[str, Any]:  # the resolver's async psycopg driver (prepared statements)
        v = hot.verifier(db)
        assert v is not None
        try:
            return dict(await v.verify(scan))
        finally:
            await v.close()

    return aio.run(run())


def _stable(answer: dict[str, Any], *volatile: str) -> Any:
    """The answer without what differs by design between two runs of the same scan: its first-scan time (also in
    the messages) and the serials of codes issued separately in each database."""
    body = json.dumps({k: v for k, v in answer.items() if k not in ("serial", "first_scan_at")},
                      ensure_ascii=False, sort_keys=True, default=str)
    for value in volatile:
        body = body.replace(value, "<serial>")
    return json.loads(_MINUTE.sub("<minute>", body))


def _populate(db: Database) -> dict[str, Any]:
    """A lot of 120 codes with 60 scanned (one twice), a lot of 6 through a supply chain, a product to issue for."""
    big = issue_lot(db, quantity=120, sales_regions=["330000"], freeze_threshold=3)
    for serial in big.serials[:60]:
        _verify(db, big.gtin, big.lot, serial, region="330106")
    _verify(db, big.gtin, big.lot, big.serials[0], region="310101")
    small = issue_lot(db, quantity=6)
    units, _case, _pallet = supply_chain(db, small)
    with db.session(SYSTEM) as s:
        product = factories.product(s, factories.enterprise(s, region="330106"), gtin=factories.new_gtin(),
                                    name="纯牛奶250mL")
        pid = product.id
    return {"big": big, "small": small, "units": units, "product_id": pid}


def _rows(db: Database) -> dict[str, list[Any]]:
    with db.engine.connect() as c:
        return {t: [tuple(r) for r in c.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
                for t in ("trace_code", "trace_scan")}


def _reads(db: Database, data: dict[str, Any], *, scans_differ: bool = False) -> str:
    """What the read paths answer; `scans_differ`: after `_writes`, whose scans got their own ids and times in each
    database (those two are then left out; the rows' order, places and answers stay)."""
    big, small, units = data["big"], data["small"], data["units"]
    known = set(big.serials) | set(small.serials)  # codes issued in _writes have their own serials in each database
    service.invalidate_caches()
    with db.session() as s:
        out = {
            "unit": service.trace_unit(s, SYSTEM, units[0]), "unit5": service.trace_unit(s, SYSTEM, units[5]),
            "scope": service.lot_scope(s, gtin=small.gtin, lot=small.lot),
            "scope_big": service.lot_scope(s, gtin=big.gtin, lot=big.lot),
            "lot": service.trace_lot(s, SYSTEM, small.gtin, small.lot),
            "summary": service.lot_codes_summary(s, big.gtin, big.lot),
            "epcis": [epcis_service.query_events(s, SYSTEM, q).events for q in (
                {"MATCH_epc": [units[0]]}, {"EQ_bizStep": ["shipping"]}, {"MATCH_anyEPC": [units[2]]})],
            "history": [(x.serial, 0 if scans_differ else x.id, x.city, x.answer) for x in
                        service.scan_history(s, SYSTEM, big.gtin, big.serials[0])],
            "signals": [(x.kind, x.serial if x.serial in known else "<new code>", x.status, x.evidence) for x in
                        s.scalars(select(Signal).order_by(Signal.id))],
        }
    body = json.dumps(out, ensure_ascii=False, sort_keys=True, default=str)
    return _TIME.sub("<time>", body) if scans_differ else body


def _writes(db: Database, data: dict[str, Any]) -> list[Any]:
    """The same operations on either database; the answers without what differs by design."""
    big: Lot = data["big"]
    service.invalidate_caches()  # the two databases hold the same batch ids: no cached fact may cross
    a = [_verify(db, big.gtin, big.lot, big.serials[0], region="330106"),  # 3rd scan: repeat
         _verify(db, big.gtin, big.lot, big.serials[0]),  # 4th: over the threshold of 3, frozen
         _verify(db, big.gtin, None, big.serials[0]),
         _verify(db, big.gtin, big.lot, big.serials[60], region="330102"),  # first, then repeat
         _verify(db, big.gtin, None, big.serials[60], region="110101"),
         _verify(db, big.gtin, big.lot, big.serials[61], region="330106", fast=True),
         _verify(db, big.gtin, big.lot, big.serials[61], region="440305", fast=True)]
    a += [_verify(db, big.gtin, big.lot, big.serials[62], region=r) for r in ("330106", "110101", "440305")]
    with db.session(SYSTEM) as s:  # more codes, issued after the partitioning
        new = service.issue_codes(s, SYSTEM, service.IssueRequest(product_id=data["product_id"], lot="NEW1",
                                                                  quantity=60, freeze_threshold=3),
                                  host="id.zhijian.example")
        serials = sorted(s.scalars(select(Code.serial).where(Code.batch_id == new.id)))
    a += [_verify(db, new.gtin, "NEW1", serials[0], region="330106") for _ in range(5)]
    a += [_verify(db, new.gtin, "NEW1", serials[i], fast=True) for i in (1, 1, 2)]
    a += [_verify(db, new.gtin, "NEW1", x) for x in serials[3:]]
    with db.session(SYSTEM) as s:
        marked = service.mark_lot_recalled(s, SYSTEM, gtin=big.gtin, lot=big.lot, recall_ref="R-PART",
                                           reason="菌落总数超标", risk_level="serious")
        voided = service.change_codes(s, SYSTEM, gtin=new.gtin, action="void", serial=serials[4])
    a += [_verify(db, big.gtin, big.lot, big.serials[63]), _verify(db, new.gtin, "NEW1", serials[4])]
    with db.session() as s:
        statuses = service.lot_codes_summary(s, new.gtin, "NEW1")
    return [_stable(x, *serials) for x in a] + [marked, voided, statuses]


def _children(db: Database) -> dict[str, list[tuple[str, int]]]:
    """Each table's partitions (pg_inherits) with their row counts."""
    with db.engine.connect() as c:
        out: dict[str, list[tuple[str, int]]] = {}
        for table in ("trace_code", "trace_scan"):
            kids = c.execute(text("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = "
                                  "CAST(:t AS regclass) ORDER BY 1"), {"t": table}).scalars().all()
            out[table] = [(k, int(c.execute(text(f"SELECT count(*) FROM {k}")).scalar_one())) for k in kids]
    return out


def _heads(db: Database) -> tuple[str, ...]:
    with db.engine.connect() as c:
        return tuple(sorted(MigrationContext.configure(c).get_current_heads()))


@PG
def test_partitioned_tables_answer_exactly_as_before(fresh_db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    plain = fresh_db("postgresql")
    data = _populate(plain)
    heads = _heads(plain)
    plain.dispose()  # nothing may be connected to the template of the copy
    with isolated_url("postgresql", tmp_path, template={"name": make_url(plain.url).database}) as url:
        part = Database(url)
        try:
            assert _children(part) == {"trace_code": [], "trace_scan": []}
            r = _cli(monkeypatch, url, "codes", "partition", "--partitions", str(N))
            assert r.exit_code == 0, r.output
            assert r.output.splitlines() == [
                f"trace_code: 126 rows → {N} partitions (trace_code_p0 … trace_code_p{N - 1}), PARTITION BY HASH (serial)",
                f"trace_scan: 61 rows → {N} partitions (trace_scan_p0 … trace_scan_p{N - 1}), PARTITION BY HASH (serial)"]
            kids = _children(part)
            assert [k for k, _n in kids["trace_code"]] == [f"trace_code_p{i}" for i in range(N)]
            assert [k for k, _n in kids["trace_scan"]] == [f"trace_scan_p{i}" for i in range(N)]
            assert all(n > 0 for t in kids.values() for _k, n in t), kids  # spread over every child
            assert sum(n for _k, n in kids["trace_code"]) == 126 and sum(n for _k, n in kids["trace_scan"]) == 61
            assert _rows(part) == _rows(plain)  # every row moved, unchanged
            assert _heads(part) == heads  # alembic current
            assert _reads(part, data) == _reads(plain, data)
            assert _writes(part, data) == _writes(plain, data)
            assert _reads(part, data, scans_differ=True) == _reads(plain, data, scans_differ=True)
            after, rows = _children(part), _rows(plain)
            assert sum(n for _k, n in after["trace_code"]) == len(rows["trace_code"]) == 186
            assert sum(n for _k, n in after["trace_scan"]) == len(rows["trace_scan"]) > 61
            assert all(n > 0 for t in after.values() for _k, n in t), after
            again = _cli(monkeypatch, url, "codes", "partition", "--partitions", "8")
            assert again.exit_code == 0, again.output
            assert again.output.splitlines() == [f"trace_code: 已分区 / already partitioned ({N} partitions)",
                                                 f"trace_scan: 已分区 / already partitioned ({N} partitions)"]
            assert _children(part) == after and _heads(part) == heads
        finally:
            part.dispose()


@PG
def test_later_migrations_and_autogenerate_see_the_same_tables(fresh_db):  # type: ignore[no-untyped-def]
    db = fresh_db("postgresql")
    issue_lot(db, quantity=10)
    heads = _heads(db)
    with db.session() as s:
        from zhijian.trace import partitioning

        done = partitioning.partition_by_serial(s, N)
        assert partitioning.partition_state(s) == {"trace_code": N, "trace_scan": N}
    assert [(d.table, d.rows, d.already) for d in done] == [("trace_code", 10, False), ("trace_scan", 0, False)]
    migrate.upgrade(db.url)  # at heads: nothing to do, and nothing fails
    assert _heads(db) == heads
    with db.engine.connect() as conn:
        # What a later migration of the trace room would do, on the partitioned tables (rolled back).
        with conn.begin() as tx:
            op = Operations(MigrationContext.configure(conn))
            op.add_column("trace_code", Column("probe", BigInteger(), nullable=True))
            op.create_index("ix_trace_code_probe", "trace_code", ["probe"])
            op.alter_column("trace_scan", "client", nullable=True)
            op.drop_index("ix_trace_code_probe", table_name="trace_code")
            op.drop_column("trace_code", "probe")
            tx.rollback()
        # Autogenerate compares the parents like the plain tables; the children are not in the models, and
        # unfiltered it would propose to drop them (the finding) ...
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        children = migrate.partitions(conn)
        # ... which the environment's filter (platform/migrations/env.py, `zhijian db revision`) leaves out
        filtered = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": migrate.include_object(conn)}), Base.metadata)
    assert children == {f"{t}_p{i}" for t in ("trace_code", "trace_scan") for i in range(N)}
    removed = {d[1].name if d[0] == "remove_table" else d[1].table.name for d in diff}
    assert {d[0] for d in diff} <= {"remove_table", "remove_index"} and removed == children, diff
    assert filtered == [], filtered


@PG
def test_prepared_statements_of_a_running_server_keep_working(fresh_db):  # type: ignore[no-untyped-def]
    """A resolver keeps its prepared statements across the swap: PostgreSQL re-plans them against the new table."""
    db = fresh_db("postgresql")
    lot = issue_lot(db, quantity=3)
    dsn = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    sql = "UPDATE trace_code SET scan_count = scan_count + 1 WHERE serial = %s AND gtin = %s RETURNING scan_count"
    with psycopg.connect(dsn, autocommit=True) as server:
        counts = [server.execute(sql, (lot.serials[0], lot.gtin), prepare=True).fetchone() for _ in range(6)]
        with db.session() as s:
            from zhijian.trace import partitioning

            partitioning.partition_by_serial(s, N)
        counts += [server.execute(sql, (lot.serials[0], lot.gtin), prepare=True).fetchone() for _ in range(2)]
        assert server.execute("SELECT relkind FROM pg_class WHERE relname = 'trace_code'").fetchone() == ("p",)
    assert counts == [(i,) for i in range(1, 9)]


@PG
def test_busy_tables_and_bad_input_change_nothing(fresh_db):  # type: ignore[no-untyped-def]
    from zhijian.trace import partitioning

    db = fresh_db("postgresql")
    lot = issue_lot(db, quantity=3)
    with db.engine.connect() as reader:  # a scan's transaction still open on trace_code
        reader.execute(text("SELECT count(*) FROM trace_code")).scalar()
        with pytest.raises(DomainError) as busy, db.session() as s:
            partitioning.partition_by_serial(s, N, lock_timeout_ms=300)
        reader.rollback()
    assert busy.value.code == "trace.partition_busy"
    for bad in (1, 0, 1025):
        with pytest.raises(DomainError) as err, db.session() as s:
            partitioning.partition_by_serial(s, bad)
        assert err.value.code == "trace.bad_partitions"
    with db.session() as s:
        assert partitioning.partition_state(s) == {"trace_code": 0, "trace_scan": 0}
        assert s.scalar(select(Code.scan_count).where(Code.serial == lot.serials[0])) == 0


@PG
def test_sequences_identity_keys_and_grants_are_kept(fresh_db):  # type: ignore[no-untyped-def]
    """The swap keeps what the trace tables do not use yet but a later migration might add: an identity column, a
    serial-style sequence, a foreign key, a CHECK, a unique key and a partial index with their names, a comment, a
    grant; and refuses (changing nothing) a unique key without the serial, or a view on the table."""
    from zhijian.trace import partitioning

    db = fresh_db("postgresql")
    with db.engine.begin() as c:
        c.execute(text("CREATE TABLE zz_parent (id int PRIMARY KEY)"))
        c.execute(text("INSERT INTO zz_parent VALUES (1), (2)"))
        c.execute(text(
            "CREATE TABLE zz_probe (serial varchar(20) NOT NULL, id bigint GENERATED BY DEFAULT AS IDENTITY,"
            " n serial, parent int REFERENCES zz_parent (id), v text CONSTRAINT zz_probe_v CHECK (v <> 'x'),"
            " CONSTRAINT zz_probe_pk PRIMARY KEY (serial, id), CONSTRAINT zz_probe_uq UNIQUE (serial, n))"))
        c.execute(text("CREATE INDEX zz_probe_v_idx ON zz_probe (v) WHERE v IS NOT NULL"))
        c.execute(text("COMMENT ON TABLE zz_probe IS '探针 100%'"))
        c.execute(text("GRANT SELECT ON zz_probe TO PUBLIC"))
        c.execute(text("INSERT INTO zz_probe (serial, parent, v) SELECT 's' || g, 1 + g % 2, 'v' || g"
                       " FROM generate_series(1, 50) g"))
        c.execute(text("CREATE TABLE zz_keyless (serial varchar(20), code text UNIQUE)"))
        c.execute(text("CREATE TABLE zz_viewed (serial varchar(20) PRIMARY KEY)"))
        c.execute(text("CREATE VIEW zz_view AS SELECT * FROM zz_viewed"))
    for table, what in (("zz_keyless", "does not contain serial"), ("zz_viewed", "views: zz_view")):
        with pytest.raises(DomainError) as err, db.session() as s:
            partitioning.partition_by_serial(s, 3, tables=(table,))
        assert err.value.code == "trace.partition_refused" and what in err.value.message_en
        with db.session() as s:
            assert partitioning.partition_state(s, (table,)) == {table: 0}
    with db.session() as s:
        (done,) = partitioning.partition_by_serial(s, 3, tables=("zz_probe",))
    assert (done.rows, done.partitions) == (50, 3)
    with db.engine.connect() as c:
        assert c.execute(text("INSERT INTO zz_probe (serial, parent, v) VALUES ('new', 2, 'w') RETURNING id, n")
                         ).one() == (51, 51)  # identity and sequence go on where they were
        names = set(c.execute(text("SELECT conname FROM pg_constraint WHERE conrelid = 'zz_probe'::regclass"))
                    .scalars())
        assert names >= {"zz_probe_pk", "zz_probe_uq", "zz_probe_v", "zz_probe_parent_fkey"}
        assert c.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'zz_probe_v_idx'")).scalar() == (
            "CREATE INDEX zz_probe_v_idx ON ONLY public.zz_probe USING btree (v) WHERE (v IS NOT NULL)")
        assert c.execute(text("SELECT obj_description('zz_probe'::regclass, 'pg_class')")).scalar() == "探针 100%"
        assert c.execute(text("SELECT has_table_privilege('public', 'zz_probe', 'SELECT')")).scalar() is True
        assert c.execute(text("SELECT pg_get_serial_sequence('zz_probe', 'id'), pg_get_serial_sequence('zz_probe', 'n')"
                              )).one() == ("public.zz_probe_id_seq", "public.zz_probe_n_seq")
        for bad in ("INSERT INTO zz_probe (serial, parent) VALUES ('b', 3)",  # foreign key
                    "INSERT INTO zz_probe (serial, v) VALUES ('c', 'x')",  # check
                    "INSERT INTO zz_probe (serial, id, n) VALUES ('s1', 999, 1)"):  # unique (serial, n)
            with pytest.raises(Exception, match="violates"), c.begin_nested():
                c.execute(text(bad))
        c.rollback()


def test_other_databases_get_one_line_and_exit_2(db, monkeypatch):  # type: ignore[no-untyped-def]
    if db.backend == "postgresql":
        pytest.skip("PostgreSQL partitions (the tests above); this is the refusal on SQLite and MariaDB")
    r = _cli(monkeypatch, db.url, "codes", "partition", "--partitions", "8")
    assert r.exit_code == 2
    assert r.output.count("\n") == 1 and r.output.startswith("错误 trace.partition_unsupported: ")
    assert f"(this database is {db.backend})" in r.output
