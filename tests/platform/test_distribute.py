"""`zhijian db distribute` (issue #23): the refusal without Citus, the plan against the models, and — with
ZHIJIAN_CITUS_URL pointing at a coordinator (scripts/citus-cluster.sh) — a real, repeated run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from tests.cluster import plain_isolated_url
from tests.conftest import BACKENDS
from zhijian.platform import distribute as D
from zhijian.platform.cli import app
from zhijian.platform.db import Base, get_database
from zhijian.platform.errors import DomainError

CITUS_URL = os.environ.get("ZHIJIAN_CITUS_URL")


def _run(url: str, *args: str) -> tuple[int, str]:
    get_database.cache_clear()
    try:
        r = CliRunner().invoke(app, ["db", "distribute", *args], env={"ZHIJIAN_DATABASE_URL": url})
    finally:
        get_database.cache_clear()
    return r.exit_code, r.output


def test_refused_on_sqlite(tmp_path: Path) -> None:
    code, out = _run(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    assert code == 2
    assert out.strip().splitlines() == [
        "错误 db.no_citus: 分布式表需要 Citus（PostgreSQL 扩展），当前数据库：sqlite，未做任何更改 / distributing tables "
        "needs Citus (a PostgreSQL extension); this database is sqlite; nothing changed"]


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL is not available")
def test_refused_on_postgresql_without_citus(tmp_path: Path) -> None:
    with plain_isolated_url("postgresql", tmp_path) as url:
        code, out = _run(url)
    assert code == 2
    assert out.strip().splitlines() == [
        "错误 db.no_citus: 此 PostgreSQL 数据库未安装 citus 扩展（CREATE EXTENSION citus），未做任何更改 / this PostgreSQL "
        "database has no citus extension (CREATE EXTENSION citus); nothing changed"]


def test_the_plan() -> None:
    plan = {p.table: p for p in D.plan()}
    assert {t: (p.kind, p.column, p.colocate_with) for t, p in plan.items() if p.kind != "local"} == {
        "trace_code": ("distributed", "serial", None),
        "trace_scan": ("distributed", "serial", "trace_code"),
        "trace_code_batch": ("reference", None, None),
        "trace_mac_key": ("reference", None, None),
        "trace_signal": ("reference", None, None),
        "trace_cache_version": ("reference", None, None),
        "epcis_event": ("distributed", "id", None),
        "epcis_epc": ("distributed", "event_pk", "epcis_event"),
        "epcis_attr": ("distributed", "event_pk", "epcis_event"),
        "epcis_event_key": ("distributed", "event_id", None),
        "epcis_vocabulary_attr": ("reference", None, None),
        "epcis_location_child": ("reference", None, None),
    }
    tables = Base.metadata.tables
    for name in ("trace_code", "trace_scan"):  # Citus' rule: the serial is in every unique key
        assert D.unique_keys(tables[name]) and all("serial" in key for key in D.unique_keys(tables[name]))
    # the EPCIS tables: the event's id, then event_pk, is in every unique key of the event and its index rows
    # (until revision d8c3f5a1b9e2, dedup_key and the index rows' own ids kept them on the coordinator)
    for name, column in (("epcis_event", "id"), ("epcis_epc", "event_pk"), ("epcis_attr", "event_pk"),
                         ("epcis_event_key", "event_id")):
        assert D.blocking_key(tables[name], column) is None, name
    assert D.unique_keys(tables["epcis_epc"]) == [{"event_pk", "id"}]


def test_a_declaration_the_models_refute(monkeypatch: pytest.MonkeyPatch) -> None:
    import zhijian.trace.scaling as scaling

    monkeypatch.setattr(scaling, "PLACEMENTS", (D.Placement("epcis_epc", "distributed", column="role"),))
    with pytest.raises(DomainError) as err:
        D.plan()
    assert err.value.code == "db.bad_distribution" and "['event_pk', 'id'] lacks role" in str(err.value.message_en)


@pytest.mark.skipif(not CITUS_URL, reason="ZHIJIAN_CITUS_URL is unset: no Citus coordinator to distribute on")
def test_on_a_citus_cluster() -> None:
    assert CITUS_URL is not None
    code, first = _run(CITUS_URL)
    assert code == 0, first
    code, second = _run(CITUS_URL)
    assert code == 0, second
    assert "已完成 / done" not in second
    assert sum("已分布 / already" in line for line in second.splitlines()) == 12
    engine = create_engine(CITUS_URL, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT table_name::text, citus_table_type, distribution_column, colocation_id, shard_count "
                "FROM citus_tables WHERE table_name::text IN ('trace_code', 'trace_scan', 'trace_code_batch', 'trace_signal', "
                "'epcis_event', 'epcis_epc', 'epcis_attr', 'epcis_event_key')").all()
    finally:
        engine.dispose()
    got = {r[0]: r[1:] for r in rows}
    assert got["trace_code"][:2] == ("distributed", "serial") and got["trace_code"][3] == 32
    assert got["trace_scan"][:2] == ("distributed", "serial") and got["trace_scan"][2] == got["trace_code"][2]
    assert got["trace_code_batch"][0] == "reference" and got["trace_signal"][0] == "reference"
    assert got["epcis_event"][:2] == ("distributed", "id") and got["epcis_event"][3] == 32
    for name in ("epcis_epc", "epcis_attr"):  # beside their event, shard by shard
        assert got[name][:2] == ("distributed", "event_pk") and got[name][2] == got["epcis_event"][2]
    assert got["epcis_event_key"][:2] == ("distributed", "event_id")


@pytest.mark.skipif(not CITUS_URL, reason="ZHIJIAN_CITUS_URL is unset: no Citus coordinator to distribute on")
def test_codes_partition_refuses_on_a_citus_coordinator() -> None:
    """`zhijian codes partition` rebuilt the distributed trace_code as a local partitioned table on the coordinator
    (taking it out of the cluster) without a refusal; now it refuses with one line and changes nothing."""
    assert CITUS_URL is not None
    _run(CITUS_URL)  # distributed (idempotent)
    get_database.cache_clear()
    try:
        r = CliRunner().invoke(app, ["codes", "partition", "--partitions", "4"], env={"ZHIJIAN_DATABASE_URL": CITUS_URL})
    finally:
        get_database.cache_clear()
    assert r.exit_code == 2, r.output
    assert r.output.strip().splitlines() == [
        "错误 trace.partition_refused: trace_code 不能分区：它是 Citus 的分布式表（分片已按哈希划分，由 zhijian db distribute 管理），"
        "未做任何更改 / trace_code cannot be partitioned: it is a Citus distributed table (its shards are already hash "
        "partitions; zhijian db distribute manages it); nothing changed"]
    engine = create_engine(CITUS_URL, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            kinds = dict(conn.exec_driver_sql("SELECT table_name::text, citus_table_type FROM citus_tables "
                                              "WHERE table_name::text IN ('trace_code', 'trace_scan')").all())
    finally:
        engine.dispose()
    assert kinds == {"trace_code": "distributed", "trace_scan": "distributed"}
