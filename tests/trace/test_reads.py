"""The trace room's offered read `confirmed_signals` (docs/CONTRACTS.md), through `rooms.call` as the lead scan asks
it: signals raised by real scans over the app, only those staff confirmed, with the division the evidence names."""

from __future__ import annotations

from sqlalchemy import select

from tests.trace.conftest import issue_lot
from zhijian.platform.auth import SYSTEM
from zhijian.platform.rooms import call
from zhijian.trace import service
from zhijian.trace.models import Signal

JSON = {"accept": "application/json"}


def _scan(client, lot, serial: str, region: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/01/{lot.gtin}/10/{lot.lot}/21/{serial}", headers=JSON,
                      params={"region": region}).status_code == 200


def test_confirmed_signals_only_with_the_evidence_division(client, db, lot):
    serial = lot.serials[3]
    for region in ("330106", "110105", "440106"):  # 杭州, 北京, 广州 within minutes; the lot sells in 浙江 only
        _scan(client, lot, serial, region)
    other = issue_lot(db, sales_regions=["330000"])
    _scan(client, other, other.serials[0], "110105")  # a diversion signal nobody confirmed
    with db.session() as s:
        ids = {sig.kind: sig.id for sig in s.scalars(select(Signal).where(Signal.gtin == lot.gtin))}
        assert set(ids) == {"diversion", "multi_city"}
        open_ids = set(s.scalars(select(Signal.id).where(Signal.gtin == other.gtin)))
        assert open_ids
        for sid in ids.values():
            service.set_signal_status(s, SYSTEM, sid, "confirmed")
    with db.session() as s:
        got = {sig.signal_id: sig for sig in call(s, "trace", "confirmed_signals", default=None)}
        assert not open_ids & set(got)
        div, multi = got[ids["diversion"]], got[ids["multi_city"]]
        # 北京 (110105) is outside the sales region; its evidence names the city as 110000 (a municipality)
        assert (div.kind, div.gtin, div.serial, div.enterprise_id, div.region_code) == (
            "diversion", lot.gtin, serial, lot.enterprise_id, "110000")
        assert (multi.kind, multi.region_code) == ("multi_city", None)  # its evidence lists cities, names none
        ordered = [sid for sid in got if sid in ids.values()]
        assert ordered == sorted(ordered)
