"""Trace one unit across aggregations and transformations, recall scope numbers, cross-room events, the CLI."""

from __future__ import annotations

import csv
import zipfile

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests import factories
from tests.trace.conftest import issue_lot
from zhijian.platform.auth import SYSTEM
from zhijian.platform.events import publish
from zhijian.trace import epcis as E
from zhijian.trace import epcis_service, service
from zhijian.trace.models import Code, EpcisEvent

FACTORY = "https://id.gs1.org/414/6901234000019"
DC = "https://id.gs1.org/414/6901234000026"
STORE = "https://id.gs1.org/414/6901234000033"
RETAILER = "https://id.gs1.org/417/6901234000033"


def _ev(kind: str, t: str, **kw) -> dict:  # type: ignore[no-untyped-def]
    return {"type": kind, "eventTime": f"2026-03-{t}+08:00", "eventTimeZoneOffset": "+08:00", **kw}


def supply_chain(db, lot) -> tuple[list[str], str, str]:  # type: ignore[no-untyped-def]
    """6 units: 4 packed into a case (2 + 2 cases on a pallet), the pallet shipped and received at a DC,
    one case shipped on to a store and unpacked there, one unit sold; 2 units never left the factory."""
    units = [f"https://id.gs1.org/01/{lot.gtin}/21/{s}" for s in lot.serials]
    uid = factories.uid()
    case1 = E.canonical_id(f"urn:epc:id:sscc:6901234.1{abs(hash(uid)) % 10**8:08d}1")
    case2 = E.canonical_id(f"urn:epc:id:sscc:6901234.2{abs(hash(uid)) % 10**8:08d}2")
    pallet = E.canonical_id(f"urn:epc:id:sscc:6901234.3{abs(hash(uid)) % 10**8:08d}3")
    owner = [{"type": "owning_party", "destination": RETAILER}]
    events = [
        _ev("ObjectEvent", "01T08:00:00", action="ADD", bizStep="commissioning", disposition="active", epcList=units,
            bizLocation={"id": FACTORY}),
        _ev("AggregationEvent", "01T09:00:00", action="ADD", bizStep="packing", parentID=case1, childEPCs=units[:2],
            bizLocation={"id": FACTORY}),
        _ev("AggregationEvent", "01T09:05:00", action="ADD", bizStep="packing", parentID=case2,
            childEPCs=units[2:4], bizLocation={"id": FACTORY}),
        _ev("AggregationEvent", "01T09:30:00", action="ADD", bizStep="packing", parentID=pallet,
            childEPCs=[case1, case2], bizLocation={"id": FACTORY}),
        _ev("ObjectEvent", "02T08:00:00", action="OBSERVE", bizStep="shipping", disposition="in_transit",
            epcList=[pallet], readPoint={"id": FACTORY}),
        _ev("ObjectEvent", "03T10:00:00", action="OBSERVE", bizStep="receiving", disposition="in_progress",
            epcList=[pallet], bizLocation={"id": DC}),
        _ev("AggregationEvent", "03T11:00:00", action="DELETE", bizStep="unpacking", parentID=pallet,
            childEPCs=[case1, case2], bizLocation={"id": DC}),
        _ev("ObjectEvent", "04T08:00:00", action="OBSERVE", bizStep="shipping", disposition="in_transit",
            epcList=[case1], readPoint={"id": DC}, destinationList=owner),
        _ev("ObjectEvent", "05T09:00:00", action="OBSERVE", bizStep="receiving", disposition="sellable_accessible",
            epcList=[case1], bizLocation={"id": STORE}),
        _ev("AggregationEvent", "05T09:30:00", action="DELETE", bizStep="unpacking", parentID=case1,
            childEPCs=units[:2], bizLocation={"id": STORE}),
        _ev("ObjectEvent", "06T15:00:00", action="OBSERVE", bizStep="retail_selling", disposition="retail_sold",
            epcList=[units[0]], bizLocation={"id": STORE}),
    ]
    doc = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-06T00:00:00Z", "epcisBody": {"eventList": events}}
    with db.session(SYSTEM) as s:
        epcis_service.capture(s, SYSTEM, doc)
    return units, case1, pallet


def test_trace_unit_across_aggregation(db, lot):
    units, case1, pallet = supply_chain(db, lot)
    with db.session() as s:
        t = service.trace_unit(s, SYSTEM, f"https://id.zhijian.example/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[0]}")
    steps = [(e["event_time"][:10], e["biz_step"], e["via"]) for e in t["events"]]
    assert steps == [
        ("2026-03-01", "commissioning", "self"), ("2026-03-01", "packing", "self"),
        ("2026-03-01", "packing", f"parent:{case1}"),  # the case went onto the pallet
        ("2026-03-02", "shipping", f"parent:{pallet}"), ("2026-03-03", "receiving", f"parent:{pallet}"),
        ("2026-03-03", "unpacking", f"parent:{case1}"), ("2026-03-04", "shipping", f"parent:{case1}"),
        ("2026-03-05", "receiving", f"parent:{case1}"), ("2026-03-05", "unpacking", "self"),
        ("2026-03-06", "retail_selling", "self")]
    assert [(h["parent"], h["depth"]) for h in t["hierarchy"]] == [(case1, 1), (pallet, 2)]
    assert t["current"]["location"] == STORE and t["current"]["disposition"] == "retail_sold"
    assert t["code"]["lot"] == lot.lot
    # a unit that stayed at the factory has only its own two events (no pallet or store events leak in)
    with db.session() as s:
        t5 = service.trace_unit(s, SYSTEM, units[5])
    assert [e["biz_step"] for e in t5["events"]] == ["commissioning"]


def test_trace_through_transformation(db):
    uid = factories.uid()
    wheat = f"urn:epc:id:sgtin:6901234.000200.{uid}"
    flour = f"urn:epc:id:sgtin:6901234.000201.{uid}"
    events = [_ev("ObjectEvent", "01T08:00:00", action="OBSERVE", bizStep="receiving", epcList=[wheat],
                  bizLocation={"id": FACTORY}),
              _ev("TransformationEvent", "02T08:00:00", inputEPCList=[wheat], outputEPCList=[flour],
                  bizStep="commissioning"),
              _ev("ObjectEvent", "03T08:00:00", action="OBSERVE", bizStep="shipping", epcList=[flour])]
    doc = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-03-06T00:00:00Z", "epcisBody": {"eventList": events}}
    with db.session(SYSTEM) as s:
        epcis_service.capture(s, SYSTEM, doc)
        back = service.trace_unit(s, SYSTEM, flour)
        fwd = service.trace_unit(s, SYSTEM, wheat)
    assert [e["biz_step"] for e in back["events"]] == ["receiving", "commissioning", "shipping"]
    assert [e["biz_step"] for e in fwd["events"]] == ["receiving", "commissioning", "shipping"]
    assert back["transformations"][0]["related"] == [E.canonical_id(wheat)]


def test_recall_scope_numbers(db, lot):
    units, case1, pallet = supply_chain(db, lot)
    with db.session(SYSTEM) as s:
        assert service.mark_lot_recalled(s, SYSTEM, gtin=lot.gtin, lot=lot.lot, recall_ref="R-7",
                                         reason="标签标示不合格", risk_level="medium") == 6
        recovered = {"@context": [E.EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
                     "creationDate": "2099-01-01T00:00:00Z", "epcisBody": {"eventList": [
                         {"type": "ObjectEvent", "eventTime": "2099-01-02T00:00:00Z", "eventTimeZoneOffset": "+00:00",
                          "action": "OBSERVE", "bizStep": "receiving", "disposition": "recalled",
                          "epcList": [units[1]], "bizLocation": {"id": FACTORY}}]}}
        epcis_service.capture(s, SYSTEM, recovered)
        scope = service.lot_scope(s, gtin=lot.gtin, lot=lot.lot)
    assert (scope["total_units"], scope["shipped"], scope["received"], scope["sold"]) == (6, 4, 4, 1)
    assert scope["in_aggregations"] == 2  # units 3 and 4 are still in case2 at the DC
    assert scope["code_status"] == {"recalled": 6}
    locs = {x["location"]: x["units"] for x in scope["by_location"]}
    assert locs == {STORE: 1, DC: 2, FACTORY: 3}  # unit 2 came back to the factory
    assert {x["party"]: x["units"] for x in scope["by_party"]}[RETAILER] == 2
    (rec,) = scope["recalls"]
    assert (rec["recovered_units"], rec["total_units"], rec["progress"]) == (1, 6, round(1 / 6, 4))


def test_events_from_other_rooms_speak_cbv(db):
    lot = issue_lot(db, quantity=4)
    with db.session(SYSTEM) as s:
        publish(s, "spotcheck.sampled", {"batch_id": 91, "product_id": lot.product_id, "gtin": lot.gtin,
                                         "lot": lot.lot, "sampled_on": "2026-03-10", "place": "杭州市某超市"})
        publish(s, "spotcheck.verdict_final", {"batch_id": 91, "product_id": lot.product_id,
                                               "enterprise_id": lot.enterprise_id, "verdict": "不合格",
                                               "failing_items": ["菌落总数"], "report_no": "ZJ2026-0091",
                                               "gtin": lot.gtin, "lot": lot.lot})
        publish(s, "risk.recall_started", {"recall_id": 5, "enterprise_id": lot.enterprise_id,
                                           "lots": [{"gtin": lot.gtin, "lot": lot.lot}], "reason": "菌落总数超标",
                                           "risk_level": "serious"})
    cls = f"https://id.gs1.org/01/{lot.gtin}/10/{lot.lot}"
    with db.session() as s:
        res = epcis_service.query_events(s, SYSTEM, {"MATCH_epcClass": [cls]})
        recalled = s.scalar(select(func.count()).select_from(Code).where(Code.batch_id == lot.batch_id,
                                                                          Code.status == "recalled"))
    got = [(e.get("bizStep"), e.get("disposition"), [b["type"] for b in e.get("bizTransactionList", [])])
           for e in res.events]
    assert got == [("sampling", None, []), ("inspecting", "non_conformant", ["testres"]), (None, "recalled", [])]
    assert res.events[1]["bizTransactionList"][0]["bizTransaction"] == "urn:zhijian:spotcheck:report:ZJ2026-0091"
    assert recalled == 4


@pytest.fixture
def cli(sqlite_db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    from zhijian.platform.cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_cli_issue_trace_and_bad_input(cli, sqlite_db, tmp_path):
    with sqlite_db.session(SYSTEM) as s:
        p = factories.product(s, factories.enterprise(s), gtin=factories.new_gtin(), name="婴幼儿配方奶粉")
        pid, gtin = p.id, p.gtin.zfill(14)
    out = tmp_path / "codes.csv"
    r = cli("codes", "issue", "--product", str(pid), "--lot", "C1", "--quantity", "120", "--out", str(out),
            "--pin", "--no-progress")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 120 and all(len(x["pin"]) == 6 for x in rows)
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Code).where(Code.gtin == gtin, Code.lot == "C1")) == 120
    r = cli("codes", "issue", "--product", gtin, "--lot", "C2", "--quantity", "45", "--out", str(tmp_path / "l.pdf"),
            "--no-progress")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "l.pdf").read_bytes()[:5] == b"%PDF-"
    r = cli("codes", "issue", "--product", str(pid), "--lot", "C3", "--quantity", "10", "--out",
            str(tmp_path / "c.zip"), "--no-progress")
    assert r.exit_code == 0 and len(zipfile.ZipFile(tmp_path / "c.zip").read("codes.csv").splitlines()) == 11
    uri = rows[0]["uri"]
    assert "首次查询，正品" in cli("codes", "verify", uri).output
    r = cli("trace", "unit", uri)
    assert r.exit_code == 0 and "no EPCIS events" in r.output
    r = cli("trace", "lot", gtin, "C1")
    assert r.exit_code == 0 and r.output.startswith(f"lot {gtin}/C1: 120 units")
    for bad in (["trace", "lot", gtin[:-1] + str((int(gtin[-1]) + 1) % 10), "C1"],  # wrong check digit
                ["trace", "unit", "not-a-uri"],
                ["trace", "unit", f"https://x.cn/01/{gtin}/21/A/10/B"],  # qualifiers out of order
                ["codes", "issue", "--product", str(pid), "--lot", "C4", "--quantity", "0", "--out", "x.csv"],
                ["codes", "issue", "--product", str(pid), "--lot", "C4", "--quantity", "5", "--out", "x.txt"],
                ["codes", "issue", "--product", str(pid), "--lot", "A<B", "--quantity", "5", "--out",
                 str(tmp_path / "y.csv"), "--no-progress"]):
        r = cli(*bad)
        assert r.exit_code == 2, (bad, r.output)
        assert r.output.count("\n") == 1 and r.output.startswith("错误 ")
    with sqlite_db.session() as s:  # nothing half-written by the refused issue
        assert s.scalar(select(func.count()).select_from(Code).where(Code.lot == "A<B")) == 0
        assert s.scalar(select(func.count()).select_from(EpcisEvent)) is not None
