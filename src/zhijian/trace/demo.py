"""Demo data of the trace room (idempotent): codes for three demo products, consumer scans with repeats, a frozen
code, a counterfeit signal, a recalled lot, and an EPCIS supply chain (commissioning → packing → shipping →
receiving → retail_selling) so that the trace pages show a real chain."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.auth import SYSTEM
from zhijian.trace import epcis as E
from zhijian.trace import epcis_service, rules, service
from zhijian.trace.models import Code, CodeBatch

HOST = "id.zhijian.example"
FACTORY, DC, STORE = ("https://id.gs1.org/414/6901234000019", "https://id.gs1.org/414/6901234000026",
                      "https://id.gs1.org/414/6901234000033")
RETAILER = "https://id.gs1.org/417/6901234000033"
# (region code, lat, lon) of scan places
PLACES = {"杭州": ("330106", 30.27, 120.13), "宁波": ("330203", 29.87, 121.55), "北京": ("110105", 39.92, 116.44),
          "广州": ("440106", 23.13, 113.36), "上海": ("310104", 31.18, 121.44), "温州": ("330302", 28.0, 120.67)}


def _products(s: Session) -> list[tuple[int, str, int]]:
    from zhijian.catalog.models import Product

    rows = s.execute(select(Product.id, Product.name, Product.enterprise_id).where(Product.gtin.is_not(None))
                     .order_by(Product.id).limit(3)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _scan(s: Session, gtin: str, serial: str, place: str, at: dt.datetime, client: str) -> str:
    region, lat, lon = PLACES[place]
    r = service.verify_scan(s, service.ScanInput(gtin=gtin, serial=serial, client=client, region=region, lat=lat,
                                                 lon=lon), now=at)
    return str(r["answer"])


def _issue_lots(s: Session, products: list[tuple[int, str, int]]) -> list[tuple[CodeBatch, list[str]]]:
    """Two lots per product (1,200 and 400 codes); the first product's second lot freezes at its third query,
    the second product's lots carry scratch-off PINs."""
    today = dt.date(2026, 3, 1)
    lots: list[tuple[CodeBatch, list[str]]] = []
    for i, (pid, _name, _ent) in enumerate(products):
        for j, qty in enumerate((1200, 400)):
            req = service.IssueRequest(product_id=pid, lot=f"DEMO{i + 1}{'AB'[j]}2603", quantity=qty,
                                       production_date=today - dt.timedelta(days=10 * j),
                                       expiry=today + dt.timedelta(days=365), sales_regions=["330000"],
                                       freeze_threshold=2 if (i, j) == (0, 1) else 10, with_pin=(i == 1))
            batch = service.issue_codes(s, SYSTEM, req, host=HOST)
            serials = sorted(s.scalars(select(Code.serial).where(Code.gtin == batch.gtin, Code.lot == batch.lot)))
            lots.append((batch, serials))
    return lots


def _scans(s: Session, rng: random.Random, lots: list[tuple[CodeBatch, list[str]]], base: dt.datetime) -> int:
    """Consumers' queries: ordinary ones, a cloned code, a frozen code and a recalled lot; the number made."""
    first, serials = lots[0]
    scans = 0
    # ordinary consumers: one query each, a few re-checks a day later
    for k in range(40):
        _scan(s, first.gtin, serials[k], rng.choice(["杭州", "宁波", "温州"]), base + dt.timedelta(hours=k), f"c{k}")
        scans += 1
    for k in range(8):
        _scan(s, first.gtin, serials[k], "杭州", base + dt.timedelta(days=1, hours=k), f"c{k}")
        scans += 1
    # a cloned code: 杭州, then 北京 and 广州 within two hours → multi_city, far_apart, diversion
    clone = serials[100]
    for m, place in enumerate(["杭州", "北京", "广州"]):
        _scan(s, first.gtin, clone, place, base + dt.timedelta(days=2, minutes=40 * m), f"x{m}")
        scans += 1
    # frozen: a lot with threshold 2 — the third query freezes the code
    frozen_batch, fs = lots[1]
    for m in range(3):
        _scan(s, frozen_batch.gtin, fs[0], "上海", base + dt.timedelta(days=3, minutes=m * 20), f"f{m}")
        scans += 1
    # recalled lot (the third product's second lot)
    rb, rserials = lots[5]
    service.mark_lot_recalled(s, SYSTEM, gtin=rb.gtin, lot=rb.lot, recall_ref="ZH-RECALL-2026-003",
                              reason="标签标示与实际不符（演示）", risk_level="medium", started_on=dt.date(2026, 3, 12))
    _scan(s, rb.gtin, rserials[0], "杭州", base + dt.timedelta(days=4), "r0")
    return scans


def _supply_chain(gtin: str, serials: list[str]) -> list[dict[str, object]]:
    """EPCIS supply chain for the first lot: 24 units in 2 cases on a pallet, shipped to a DC and a store, 3 sold.

    A data table of the demo's events (one entry per event), hence its length."""
    units = [f"https://id.gs1.org/01/{gtin}/21/{x}" for x in serials[:24]]
    case1 = E.canonical_id("urn:epc:id:sscc:6901234.1000000011")
    case2 = E.canonical_id("urn:epc:id:sscc:6901234.1000000012")
    pallet = E.canonical_id("urn:epc:id:sscc:6901234.3000000013")

    def ev(kind: str, t: str, **kw: object) -> dict[str, object]:
        return {"type": kind, "eventTime": f"2026-03-{t}+08:00", "eventTimeZoneOffset": "+08:00", **kw}

    po = [{"type": "po", "bizTransaction": "urn:zhijian:demo:po:2026-0310"}]
    return [
        ev("ObjectEvent", "02T08:00:00", action="ADD", bizStep="commissioning", disposition="active", epcList=units,
           bizLocation={"id": FACTORY}, readPoint={"id": FACTORY}),
        ev("AggregationEvent", "02T09:00:00", action="ADD", bizStep="packing", parentID=case1, childEPCs=units[:12],
           bizLocation={"id": FACTORY}),
        ev("AggregationEvent", "02T09:10:00", action="ADD", bizStep="packing", parentID=case2, childEPCs=units[12:],
           bizLocation={"id": FACTORY}),
        ev("AggregationEvent", "02T10:00:00", action="ADD", bizStep="packing", parentID=pallet,
           childEPCs=[case1, case2], bizLocation={"id": FACTORY}),
        ev("ObjectEvent", "03T08:00:00", action="OBSERVE", bizStep="shipping", disposition="in_transit",
           epcList=[pallet], readPoint={"id": FACTORY}, bizTransactionList=po,
           destinationList=[{"type": "location", "destination": DC}]),
        ev("ObjectEvent", "04T09:30:00", action="OBSERVE", bizStep="receiving", disposition="in_progress",
           epcList=[pallet], bizLocation={"id": DC}, bizTransactionList=po),
        ev("AggregationEvent", "04T11:00:00", action="DELETE", bizStep="unpacking", parentID=pallet,
           childEPCs=[case1, case2], bizLocation={"id": DC}),
        ev("ObjectEvent", "05T08:00:00", action="OBSERVE", bizStep="shipping", disposition="in_transit",
           epcList=[case1], readPoint={"id": DC},
           destinationList=[{"type": "owning_party", "destination": RETAILER}, {"type": "location",
                                                                                "destination": STORE}]),
        ev("ObjectEvent", "06T09:00:00", action="OBSERVE", bizStep="receiving", disposition="sellable_accessible",
           epcList=[case1], bizLocation={"id": STORE}),
        ev("AggregationEvent", "06T09:20:00", action="DELETE", bizStep="unpacking", parentID=case1,
           childEPCs=units[:12], bizLocation={"id": STORE}),
    ] + [ev("ObjectEvent", f"0{7 + k}T1{k}:00:00", action="OBSERVE", bizStep="retail_selling",
            disposition="retail_sold", epcList=[units[k]], bizLocation={"id": STORE}) for k in range(3)]


def load(s: Session, rng: random.Random) -> list[str]:
    products = _products(s)
    if not products:
        return ["trace: no demo products with a GTIN (load the catalog demo first)"]
    if s.scalar(select(CodeBatch.id).where(CodeBatch.lot.like("DEMO%")).limit(1)) is not None:
        return ["trace: demo data already loaded"]
    lots = _issue_lots(s, products)
    scans = _scans(s, rng, lots, dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC))
    first, serials = lots[0]
    stored = epcis_service.store_internal_events(s, _supply_chain(first.gtin, serials), owner_id=first.enterprise_id)
    first_uri = rules.format_digital_link(HOST, first.gtin, lot=first.lot, serial=serials[0])
    return [f"trace: {sum(b.quantity for b, _ in lots)} codes in {len(lots)} lots, {scans + 1} scans, "
            f"{stored} EPCIS events; try {first_uri}"]
