"""Issue 13, "what to build" 1 and 2: a regional regulator is scoped by its division (GB/T 2260) on the paths that
are not a plain list/detail read — with data in two divisions on each path, 杭州市局 (municipal, 330100) gets only
杭州's, 广东省局 (provincial, 440000) only 广东's, 总局 (national, SAMR) both:

1. the scheduled lead scan (enforcement.collect_leads): an overdue elevator in 深圳 (440305) becomes a lead of 广东,
   invisible to 杭州; the console cards and the oversight totals count the division's new leads only
2. exports and PDFs: the oversight statistics (API and console .xlsx) and a case's documents (API and console PDF)
3. the inbox (/api/v1/notifications): an accident on a unit reaches the regulators of its division only
4. jobs (/api/v1/jobs/{id}): the regulator who started the risk scan reads it, other divisions do not
5. search (/search, `?q=` on lists) and the console product export (?format=xlsx): no other division's unpublished
   product, no other division's complaint
6. the Atom feed of alerts: published alerts only, the same to every division (a draft of 广东 is nowhere)
7. the association never sees a reporter's (举报人) name or phone on any of these paths (办法 第三十三条)
8. statistics: equipment units by division and the overdue list
9. the risk scan's figures (the `risk.scan` job result and GET /risk/scans/latest): the division's final batches,
   complaints and new signals for a regional reader, the totals for 总局
10. the files: a spot-check batch's report PDF (API and console), a draft stable-product announcement's
    preview.pdf, the association's ttbz.xlsx and a code batch's codes.csv — to no other division or enterprise

A path that leaks is a separate test marked xfail(strict=True) with the place in src where the scope is missing.
The databases are shared by the tests of a run: every value is unique, and counts are read as differences around
the job that made them (the job is run once before, so that only this test's rows are new).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests import factories
from tests.enforcement import helpers as enf
from tests.equipment.helpers import elevator
from zhijian.catalog.models import Organization
from zhijian.platform.auth import SYSTEM, actor_for
from zhijian.platform.db import Database
from zhijian.platform.models import User

PASSWORD = "correct horse 1"
HZ_ENT, GD_ENT = "330106", "440305"  # 杭州市西湖区, 深圳市南山区 (GB/T 2260)


class Reg:
    """One regulator organization and a logged-in user of it."""

    def __init__(self, client, db: Database, level: str, region: str) -> None:  # type: ignore[no-untyped-def]
        with db.session() as s:
            org = factories.regulator(s, level=level, region=region)
            u = factories.user(s, "regulator", org)
            self.org_id, self.org_name, self.user_id, name = org.id, org.name, u.id, u.username
        r = client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.h = {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def regs(client, db) -> dict[str, Reg]:  # type: ignore[no-untyped-def]
    return {"hz": Reg(client, db, "municipal", "330100"), "gd": Reg(client, db, "provincial", "440000"),
            "samr": Reg(client, db, "national", "110000")}


def _login(client, db, role: str, org_id: int | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        u = factories.user(s, role, s.get(Organization, org_id) if org_id else None)
        name = u.username
    r = client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _all(client, url: str, h: dict[str, str]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Every item of a keyset-paged list (the shared database holds other tests' rows too)."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = client.get(url, params={"limit": 500, **({"cursor": cursor} if cursor else {})}, headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        out += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return out


def _cells(content: bytes) -> list[Any]:
    ws = load_workbook(io.BytesIO(content), read_only=True).active
    return [cell for row in ws.iter_rows(values_only=True) for cell in row]


def _pending(db: Database, reg: Reg) -> int:
    from zhijian.enforcement import service as enforcement

    with db.session() as s:
        user = s.get(User, reg.user_id)
        assert user is not None
        cards = enforcement.dashboard_cards(s, actor_for(user))
    return int(next(c["value"] for c in cards if c["label"] == "待核查线索"))


# ---------------------------------------------------------------- 1. the scheduled lead scan


def test_collect_leads_routes_each_lead_to_its_division(client, app, db, regs) -> None:  # type: ignore[no-untyped-def]
    hz, gd, samr = regs["hz"], regs["gd"], regs["samr"]
    jobs = app.state.jobs
    assert jobs.wait(jobs.enqueue("enforcement.collect_leads"), timeout=60).status == "done"  # earlier tests' rows
    before = {k: _pending(db, r) for k, r in regs.items()}
    totals_before = {k: client.get("/api/v1/enforcement/oversight", headers=r.h).json()["leads"].get("received", 0)
                     for k, r in regs.items()}
    with db.session() as s:  # two elevators past their inspection date (2020 + 1 year): one in 杭州, one in 深圳
        e_hz, e_gd = factories.enterprise(s, region=HZ_ENT), factories.enterprise(s, region=GD_ENT)
        u_hz = elevator(s, e_hz.id, region=HZ_ENT, last=dt.date(2020, 3, 1)).code
        u_gd = elevator(s, e_gd.id, region=GD_ENT, last=dt.date(2020, 3, 1)).code
        ids = {e_hz.id: "hz", e_gd.id: "gd"}
    done = jobs.wait(jobs.enqueue("enforcement.collect_leads"), timeout=60)
    assert done.status == "done" and done.result["created"] == {"equipment": 2}, done.result

    def leads(r: Reg) -> dict[str, dict[str, Any]]:
        return {ids[x["party_id"]]: x for x in _all(client, "/api/v1/enforcement/leads?source=equipment", r.h)
                if x["party_id"] in ids}

    mine = leads(samr)
    assert set(mine) == {"hz", "gd"}
    assert (mine["hz"]["region_code"], mine["gd"]["region_code"]) == (HZ_ENT, GD_ENT)
    assert u_hz in mine["hz"]["title"] and u_gd in mine["gd"]["title"]
    assert set(leads(hz)) == {"hz"}  # the 深圳 lead is 广东's: 杭州 neither lists nor opens it
    assert set(leads(gd)) == {"gd"}
    assert client.get(f"/api/v1/enforcement/leads/{mine['gd']['id']}", headers=hz.h).status_code == 404
    assert client.get(f"/api/v1/enforcement/leads/{mine['hz']['id']}", headers=gd.h).status_code == 404
    assert client.get(f"/api/v1/enforcement/leads/{mine['gd']['id']}", headers=gd.h).status_code == 200
    # the console card 待核查线索 and the oversight totals count the division's new leads: 1, 1 and 2
    assert {k: _pending(db, r) - before[k] for k, r in regs.items()} == {"hz": 1, "gd": 1, "samr": 2}
    totals = {k: client.get("/api/v1/enforcement/oversight", headers=r.h).json()["leads"].get("received", 0)
              - totals_before[k] for k, r in regs.items()}
    assert totals == {"hz": 1, "gd": 1, "samr": 2}


# ---------------------------------------------------------------- 2. exports and PDFs


@pytest.fixture
def cases(db, regs) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One case filed by each regional organ against an enterprise of its division."""
    out = {}
    with db.session() as s:
        for k, region in (("hz", HZ_ENT), ("gd", GD_ENT)):
            org = s.get(Organization, regs[k].org_id)
            party = factories.enterprise(s, name=f"当事人{k}{factories.uid()}有限公司", region=region)
            out[k] = enf.open_case(s, org, enf.officers(s, org), party=party).id
    return out


def test_oversight_exports_count_only_the_division(client, db, regs, cases) -> None:  # type: ignore[no-untyped-def]
    hz, gd = regs["hz"].org_name, regs["gd"].org_name
    for path in ("/api/v1/enforcement/oversight.xlsx", "/console/enforcement/oversight.xlsx"):
        got = {}
        for k, r in regs.items():
            resp = client.get(path, headers=r.h)
            assert resp.status_code == 200, resp.text
            cells = _cells(resp.content)
            got[k] = {n for n in (hz, gd) if n in cells}
        assert got == {"hz": {hz}, "gd": {gd}, "samr": {hz, gd}}, path
    # the JSON behind them: one row per organ, each with its one case
    for k, r in regs.items():
        rows = {d["organ_id"]: d for d in client.get("/api/v1/enforcement/oversight", headers=r.h).json()["divisions"]}
        want = {"hz": ["hz"], "gd": ["gd"], "samr": ["hz", "gd"]}[k]
        assert {o for o in (regs["hz"].org_id, regs["gd"].org_id) if o in rows} == {regs[w].org_id for w in want}
        assert all(rows[regs[w].org_id]["cases"] == 1 for w in want)


def test_case_documents_pdf_only_within_the_division(client, db, regs, cases) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/v1/enforcement/cases/{}/documents/filing.pdf",
                 "/console/enforcement/cases/{}/documents/filing.pdf"):
        for who, case_keys in (("hz", ("hz",)), ("gd", ("gd",)), ("samr", ("hz", "gd"))):
            for k, cid in cases.items():
                r = client.get(path.format(cid), headers=regs[who].h)
                if k in case_keys:
                    assert r.status_code == 200 and r.content.startswith(b"%PDF"), (path, who, k, r.status_code)
                else:
                    assert r.status_code == 404 and not r.content.startswith(b"%PDF"), (path, who, k)


# ---------------------------------------------------------------- 3. the inbox


def _accident(client, db, region: str) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        ent = factories.enterprise(s, region=region)
        code = elevator(s, ent.id, region=region, last=dt.date(2026, 1, 10)).code
        eid = ent.id
    owner = _login(client, db, "enterprise", eid)
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat()
    r = client.post(f"/api/v1/equipment/units/{code}/incidents", headers=owner, json={
        "kind": "accident", "occurred_at": at, "called_at": at, "serious_injuries": 1, "cause": "制动器失效"})
    assert r.status_code == 201, r.text
    return code, owner


def _inbox(client, h: dict[str, str], codes: dict[str, str]) -> set[str]:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/notifications", headers=h)
    assert r.status_code == 200, r.text
    return {k for k, code in codes.items() for n in r.json() if code in n["subject"] or code in n["body"]}


def test_accident_reaches_the_inbox_of_its_division_only(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    (hz_code, hz_owner), (gd_code, gd_owner) = _accident(client, db, HZ_ENT), _accident(client, db, GD_ENT)
    codes = {"hz": hz_code, "gd": gd_code}
    assert _inbox(client, regs["hz"].h, codes) == {"hz"}
    assert _inbox(client, regs["gd"].h, codes) == {"gd"}
    assert _inbox(client, hz_owner, codes) == _inbox(client, gd_owner, codes) == set()  # the owners reported them
    # the incident itself: 杭州 opens its own, not 深圳's
    def incidents(h: dict[str, str], code: str) -> int:
        r = client.get("/api/v1/equipment/incidents", params={"code": code}, headers=h)
        return len(r.json()) if r.status_code == 200 else -r.status_code

    assert [incidents(regs["hz"].h, c) for c in (hz_code, gd_code)] in ([1, 0], [1, -404])
    assert [incidents(regs["gd"].h, c) for c in (hz_code, gd_code)] in ([0, 1], [-404, 1])


def test_accident_reaches_the_national_inbox(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    """Was misrouted: the organ's division came from its region code's shape, so 总局 (110000) counted as 北京."""
    codes = {"hz": _accident(client, db, HZ_ENT)[0], "gd": _accident(client, db, GD_ENT)[0]}
    assert _inbox(client, regs["samr"].h, codes) == {"hz", "gd"}


# ---------------------------------------------------------------- 4. jobs


def test_risk_scan_job_only_for_the_regulator_who_started_it(client, app, regs) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/risk/scan", headers=regs["hz"].h)
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert app.state.jobs.wait(job_id, timeout=120).status == "done"
    mine = client.get(f"/api/v1/jobs/{job_id}", headers=regs["hz"].h)
    assert mine.status_code == 200 and mine.json()["status"] == "done"
    for other in ("gd", "samr"):  # not even the national level: a job's result is its requester's
        r = client.get(f"/api/v1/jobs/{job_id}", headers=regs[other].h)
        assert r.status_code == 404 and "new_signals" not in r.text


# ---------------------------------------------------------------- 5. search, ?q= and the product export


def _complaint(client, kind: str, ent_id: int, uid: str, who: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/complaints", json={
        "kind": kind, "complainant_name": f"举报人{who}{uid}", "complainant_phone": f"139{uid[:8].translate(DIGITS)}",
        "complainant_address": "某市某路1号", "respondent_id": ent_id, "facts": f"销售假冒电热毯{who}{uid}",
        "requests": ["other"] if kind == "report" else ["refund"]})
    assert r.status_code == 201, r.text
    return dict(r.json())


DIGITS = str.maketrans("abcdef", "123456")


@pytest.fixture
def two_divisions(client, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    uid = factories.uid()
    with db.session() as s:
        cat = factories.category(s)
        w: dict[str, Any] = {"uid": uid}
        for k, region in (("hz", HZ_ENT), ("gd", GD_ENT)):
            ent = factories.enterprise(s, name=f"被举报企业{k}{uid}有限公司", region=region)
            w[f"ent_{k}"] = ent.id
            w[f"prod_{k}"] = factories.product(s, ent, cat, name=f"未公开样品{k}{uid}", is_public=False).id
    for k in ("hz", "gd"):
        w[f"report_{k}"] = _complaint(client, "report", w[f"ent_{k}"], uid, k)
    return w


def test_complaint_search_is_scoped_by_division(client, regs, two_divisions) -> None:  # type: ignore[no-untyped-def]
    w, uid = two_divisions, two_divisions["uid"]
    ids = {w["report_hz"]["id"]: "hz", w["report_gd"]["id"]: "gd"}
    for k, want in (("hz", {"hz"}), ("gd", {"gd"}), ("samr", {"hz", "gd"})):
        r = client.get("/api/v1/complaints", params={"q": uid, "kind": "report", "limit": 500},
                       headers=regs[k].h)
        assert r.status_code == 200, r.text
        got = {ids[c["id"]] for c in r.json()["items"] if c["id"] in ids}
        assert got == want, k
        page = client.get("/console/complaints", params={"q": uid}, headers=regs[k].h)
        assert page.status_code == 200
        assert {x for x in ("hz", "gd") if w[f"report_{x}"]["tracking_no"] in page.text} == want, k


def _product_hits(client, h: dict[str, str], uid: str) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    names = {f"未公开样品{k}{uid}": k for k in ("hz", "gd")}
    page = client.get("/search", params={"q": uid}, headers=h)
    assert page.status_code == 200
    results = page.text.split("</form>", 1)[-1]
    api = client.get("/api/v1/products", params={"q": uid, "limit": 100}, headers=h).json()["items"]
    xlsx = client.get("/console/products", params={"format": "xlsx", "q": uid}, headers=h)
    assert xlsx.status_code == 200
    cells = _cells(xlsx.content)
    return {"search": {k for n, k in names.items() if n in results},
            "api": {names[p["name"]] for p in api if p["name"] in names},
            "xlsx": {k for n, k in names.items() if n in cells}}


def test_national_search_and_export_find_every_unpublished_product(client, regs, two_divisions) -> None:  # type: ignore[no-untyped-def]
    both = {"hz", "gd"}
    assert _product_hits(client, regs["samr"].h, two_divisions["uid"]) == {"search": both, "api": both, "xlsx": both}


def test_regional_search_and_export_find_only_the_divisions_unpublished_products(client, regs, two_divisions) -> None:  # type: ignore[no-untyped-def]
    """Was a leak: catalog.service.product_query let every staff role past the is_public filter."""
    uid = two_divisions["uid"]
    assert _product_hits(client, regs["hz"].h, uid) == {"search": {"hz"}, "api": {"hz"}, "xlsx": {"hz"}}
    assert _product_hits(client, regs["gd"].h, uid) == {"search": {"gd"}, "api": {"gd"}, "xlsx": {"gd"}}


# ---------------------------------------------------------------- 6. the Atom feed


def test_alert_feed_carries_published_alerts_only_to_every_division(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    from zhijian.risk import service as risk
    from zhijian.risk.schemas import AlertIn

    uid = factories.uid()
    with db.session() as s:
        e_hz, e_gd = factories.enterprise(s, region=HZ_ENT), factories.enterprise(s, region=GD_ENT)
        ass = risk.create_assessment(s, SYSTEM, risk.AssessmentIn(**{
            "product": "电热毯", "hazard": "过热起火", "scenarios": [
                {"description": "温控失效", "consumer": "others", "severity": 3,
                 "steps": [{"description": "过热", "probability": 0.01}]}]}))
        pub = risk.create_alert(s, SYSTEM, AlertIn(title=f"电热毯过热风险{uid}", risk_level="high", assessment_id=ass.id,
                                                   enterprise_ids=[e_hz.id], fields={"product": "电热毯"}))
        risk.publish_alert(s, SYSTEM, pub.id)
        risk.create_alert(s, SYSTEM, AlertIn(title=f"深圳草稿警示{uid}", risk_level="low", assessment_id=ass.id,
                                             enterprise_ids=[e_gd.id]))
    feeds = {k: client.get("/risk/alerts.atom", headers=r.h) for k, r in regs.items()}
    for k, f in feeds.items():
        assert f.status_code == 200 and f.headers["content-type"].startswith("application/atom+xml"), k
        assert f"电热毯过热风险{uid}" in f.text and f"深圳草稿警示{uid}" not in f.text, k


# ---------------------------------------------------------------- 7. the association and the reporter


def test_association_never_sees_a_reporters_identity(client, db, regs, two_divisions) -> None:  # type: ignore[no-untyped-def]
    w, uid = two_divisions, two_divisions["uid"]
    assoc = _login(client, db, "association")
    names = [f"举报人{k}{uid}" for k in ("hz", "gd")]
    phones = [f"139{uid[:8].translate(DIGITS)}"]
    # the reporters' identities are stored (the check below is not vacuous); only assigned staff see them
    from zhijian.consumer.models import Complaint

    with db.session() as s:
        stored = {s.get(Complaint, w[f"report_{k}"]["id"]).complainant_name for k in ("hz", "gd")}
    assert stored == set(names)
    # the regulator forwards nothing; a justified report becomes a lead — every path the association can reach
    paths = [("/api/v1/complaints", {"q": uid, "limit": 500}), ("/api/v1/complaints", {"kind": "report", "limit": 500}),
             ("/console/complaints", {"q": uid}), ("/search", {"q": names[0]}), ("/search", {"q": phones[0]}),
             ("/api/v1/notifications", {}), ("/risk/alerts.atom", {})]
    paths += [(f"/api/v1/complaints/{w[f'report_{k}']['id']}", {}) for k in ("hz", "gd")]
    paths += [(f"/console/complaints/{w[f'report_{k}']['id']}", {}) for k in ("hz", "gd")]
    seen = {}
    for path, params in paths:
        r = client.get(path, params=params, headers=assoc)
        look = [x for x in names + phones if x != params.get("q")]  # /search echoes its query in the box and links
        seen[(path, str(params))] = (r.status_code, [x for x in look if x in r.text])
    assert {k: v[1] for k, v in seen.items() if v[1]} == {}


# ---------------------------------------------------------------- 8. statistics


def test_equipment_statistics_and_overdue_list_count_only_the_division(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    def units(h: dict[str, str]) -> dict[str, int]:  # units by division (GB/T 2260 code), every category summed
        r = client.get("/api/v1/equipment/statistics", headers=h)
        assert r.status_code == 200, r.text
        out: dict[str, int] = {}
        for row in r.json():
            out[row["region_code"]] = out.get(row["region_code"], 0) + row["units"]
        return out

    before = {k: units(r.h) for k, r in regs.items()}
    with db.session() as s:
        codes = {k: elevator(s, factories.enterprise(s, region=region).id, region=region, last=dt.date(2020, 3, 1)).code
                 for k, region in (("hz", HZ_ENT), ("gd", GD_ENT))}
    after = {k: units(r.h) for k, r in regs.items()}
    delta = {k: {code: n - before[k].get(code, 0) for code, n in after[k].items() if n != before[k].get(code, 0)}
             for k in regs}
    assert delta == {"hz": {HZ_ENT: 1}, "gd": {GD_ENT: 1}, "samr": {HZ_ENT: 1, GD_ENT: 1}}
    assert all(code.startswith("3301") for code in after["hz"]) and all(code.startswith("44") for code in after["gd"])

    def overdue(h: dict[str, str]) -> set[str]:
        return {k for k, c in codes.items() for u in _all(client, "/api/v1/equipment/units/due?state=overdue", h)
                if u["code"] == c}

    assert overdue(regs["hz"].h) == {"hz"} and overdue(regs["gd"].h) == {"gd"}
    assert overdue(regs["samr"].h) == {"hz", "gd"}


# ---------------------------------------------------------------- 9. the risk scan's figures


def _final_batches(db, regs, uid: str) -> tuple[dict[str, int], dict[str, int]]:  # type: ignore[no-untyped-def]
    """A national plan's batch in each division, made final with a report (the workflow: the spotcheck tests);
    the batch ids and their enterprises' ids by division."""
    from zhijian.catalog.schemas import IndicatorIn
    from zhijian.spotcheck import service as spot
    from zhijian.spotcheck.schemas import PlanCategoryIn, PlanIn

    with db.session() as s:
        nat = actor_for(s.get(User, regs["samr"].user_id))  # type: ignore[arg-type]
        lab, cat = factories.lab(s, region="330100"), factories.category(s, name=f"管辖抽查类别{uid}")
        std = factories.standard(s, indicators=[IndicatorIn(name="铅(以Pb计)", unit="mg/kg", requirement_kind="max",
                                                            upper=0.5, text="≤0.5", is_safety=True)])
        ents = {k: factories.enterprise(s, name=f"受检企业{k}{uid}有限公司", region=r)
                for k, r in (("hz", HZ_ENT), ("gd", GD_ENT))}
        for e in ents.values():
            factories.product(s, e, cat, name=f"抽查样品{uid}")
        plan = spot.create_plan(s, nat, PlanIn(
            code=f"JUR-SCAN-{uid}", title=f"管辖抽查{uid}", year=2026, level="national", region_code="110000",
            period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 12, 31), basis="emergency",
            repeat_exemption="应急抽查", lab_ids=[lab.id],
            categories=[PlanCategoryIn(category_id=cat.id, standard_ids=[std.id], target_batches=2)]))
        spot.draw_plan(s, nat, plan.id, seed=13)
        by_region = {b.region_code: b for b in spot.list_batches(s, nat, plan_id=plan.id)}
        assert sorted(by_region) == [HZ_ENT, GD_ENT]
        batches = {}
        for k, region in (("hz", HZ_ENT), ("gd", GD_ENT)):
            b = by_region[region]
            b.final_verdict, b.state, b.sampled_on, b.report_no = "合格", "final", dt.date.today(), f"JUR{k}{uid}"
            batches[k] = b.id
        return batches, {k: e.id for k, e in ents.items()}


def _scan_world(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    """In each division: a final spot-check batch, a 举报 and an elevator past its inspection."""
    uid = factories.uid()
    _, ent_ids = _final_batches(db, regs, uid)
    with db.session() as s:
        for k, region in (("hz", HZ_ENT), ("gd", GD_ENT)):
            elevator(s, ent_ids[k], region=region, last=dt.date(2020, 3, 1))
    for k in ("hz", "gd"):
        _complaint(client, "report", ent_ids[k], uid, k)


def _latest(client, regs) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    out = {}
    for k, r in regs.items():
        resp = client.get("/api/v1/risk/scans/latest", headers=r.h)
        assert resp.status_code == 200, resp.text
        out[k] = resp.json()
    return out


def test_risk_scan_figures_count_only_the_requesters_division(client, app, db, regs) -> None:  # type: ignore[no-untyped-def]
    """Was a leak: the job result and /risk/scans/latest gave 杭州 the national totals (risk/tasks.py, risk/api.py)."""
    from zhijian.platform import jurisdiction
    from zhijian.risk.models import Signal
    from zhijian.risk.service import signal_regions

    jobs = app.state.jobs
    assert jobs.wait(jobs.enqueue("risk.scan"), timeout=120).status == "done"  # earlier tests' rows become old
    before = _latest(client, regs)
    _scan_world(client, db, regs)
    r = client.post("/api/v1/risk/scan", headers=regs["hz"].h)
    assert r.status_code == 202, r.text
    done = jobs.wait(r.json()["job_id"], timeout=120)
    assert done.status == "done", done.error
    got = client.get(f"/api/v1/jobs/{done.id}", headers=regs["hz"].h).json()["result"]
    after = _latest(client, regs)
    scan_id = got["scan_id"]
    assert {k: a["id"] for k, a in after.items()} == {k: scan_id for k in regs}
    # the scan's new signals where each reader's division lies, and the totals for 总局
    with db.session() as s:
        sigs = list(s.query(Signal).filter(Signal.scan_id == scan_id))
        readers = {k: actor_for(s.get(User, r.user_id)) for k, r in regs.items()}  # type: ignore[arg-type]
        want = {k: sum(jurisdiction.covers_any(a, signal_regions(s, g)) for g in sigs) for k, a in readers.items()}
    assert want["samr"] == len(sigs) and want["hz"] >= 1 and want["gd"] >= 1 and want["hz"] + want["gd"] <= len(sigs)
    assert {k: a["n_signals"] for k, a in after.items()} == want
    # the new inputs: one final batch and one 举报 in each division
    assert {k: after[k]["n_results"] - before[k]["n_results"] for k in regs} == {"hz": 1, "gd": 1, "samr": 2}
    assert {k: after[k]["n_complaints"] - before[k]["n_complaints"] for k in regs} == {"hz": 1, "gd": 1, "samr": 2}
    # the job's result is the requester's (杭州's) figures of the same scan, not the national totals
    hz = after["hz"]
    assert (got["results"], got["complaints"], got["new_signals"]) == (hz["n_results"], hz["n_complaints"], want["hz"])
    assert got["results"] < after["samr"]["n_results"] and got["complaints"] < after["samr"]["n_complaints"]
    assert set(got) == {"scan_id", "results", "complaints", "new_signals", "seconds"}
    # the console's 监测看板 shows each reader the same figures (it showed 杭州 the national batch and 举报 counts)
    from zhijian.risk import service as risk

    with db.session() as s:
        for k, r in regs.items():
            fig = risk.dashboard(s, actor_for(s.get(User, r.user_id))).figures  # type: ignore[arg-type]
            assert fig is not None and (fig.scan_id, fig.results, fig.complaints, fig.new_signals) == (
                scan_id, after[k]["n_results"], after[k]["n_complaints"], after[k]["n_signals"]), k


# ---------------------------------------------------------------- 10. the files


def test_batch_report_pdfs_only_within_the_division_and_to_the_enterprise(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    batches, ents = _final_batches(db, regs, factories.uid())
    readers = {**{k: r.h for k, r in regs.items()}, **{f"ent_{k}": _login(client, db, "enterprise", e)
                                                        for k, e in ents.items()}}
    sees = {"hz": {"hz"}, "gd": {"gd"}, "samr": {"hz", "gd"}, "ent_hz": {"hz"}, "ent_gd": {"gd"}}
    for path in ("/api/v1/spotcheck/batches/{}/report.pdf", "/console/spotcheck/batches/{}/report.pdf"):
        got = {}
        for who, h in readers.items():
            answers = {k: client.get(path.format(bid), headers=h) for k, bid in batches.items()}
            got[who] = {k for k, r in answers.items() if r.status_code == 200 and r.content.startswith(b"%PDF")}
            assert all(r.status_code in (403, 404) and b"%PDF" not in r.content
                       for k, r in answers.items() if k not in got[who]), (path, who)
        assert got == sees, path


def _stable_listing(db, region: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """An enterprise of the division whose product the committee approved: it waits in the draft announcement."""
    from tests.stable.helpers import People, approved
    from zhijian.stable import service as stable

    with db.session() as s:
        ent = factories.enterprise(s, region=region)
        owner = factories.user(s, "enterprise", ent)
        reviewer, committee = factories.user(s, "association"), factories.user(s, "association")
        stable.appoint_committee_member(s, SYSTEM, committee.id)
        _, listing = approved(s, People(ent, actor_for(owner), actor_for(reviewer), actor_for(committee)))
        return listing.announcement_id, ent.id


def test_draft_announcement_preview_pdf_is_the_associations_only(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    ann_hz, ent_hz = _stable_listing(db, HZ_ENT)
    ann_gd, ent_gd = _stable_listing(db, GD_ENT)
    assert ann_hz == ann_gd  # one draft listing announcement holds both divisions' products
    path = f"/console/stable/announcements/{ann_hz}/preview.pdf"
    assoc = client.get(path, headers=_login(client, db, "association"))
    assert assoc.status_code == 200 and assoc.content.startswith(b"%PDF")
    for who, h in {**{k: r.h for k, r in regs.items()}, "ent_hz": _login(client, db, "enterprise", ent_hz),
                   "ent_gd": _login(client, db, "enterprise", ent_gd)}.items():
        r = client.get(path, headers=h)  # unpublished: neither a division's bureau nor a listed enterprise
        assert r.status_code == 404 and not r.content.startswith(b"%PDF"), who


def test_ttbz_xlsx_is_the_associations_only(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    from zhijian.association.standards.models import GroupStandard

    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s, region=GD_ENT, name=f"起草企业{uid}有限公司")
        s.add(GroupStandard(title=f"锂电池安全要求{uid}", status="published", year=2026, seq=int(uid[:6], 16),
                            number=f"T/CAQI {uid[:8]}—2026", drafting_units=[ent.name], drafters=["张三"]))
        ent_id = ent.id
    path = "/api/v1/association/standards/ttbz.xlsx"
    assoc = client.get(path, headers=_login(client, db, "association"))
    assert assoc.status_code == 200 and f"起草企业{uid}有限公司" in _cells(assoc.content)
    for who, h in {**{k: r.h for k, r in regs.items()}, "ent": _login(client, db, "enterprise", ent_id)}.items():
        r = client.get(path, headers=h)
        assert r.status_code == 403 and uid.encode() not in r.content, who


def test_codes_csv_only_to_the_enterprise_that_issued_them(client, db, regs) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        mine, other = factories.enterprise(s, region=HZ_ENT), factories.enterprise(s, region=GD_ENT)
        pid, mine_id, other_id = factories.product(s, mine, gtin=factories.new_gtin()).id, mine.id, other.id
    owner = _login(client, db, "enterprise", mine_id)
    lot = "J" + factories.uid()[:6].upper()
    r = client.post("/api/v1/trace/batches", headers=owner, json={"product_id": pid, "lot": lot, "quantity": 3})
    assert r.status_code == 201, r.text
    path = f"/api/v1/trace/batches/{r.json()['id']}/codes.csv"
    got = client.get(path, headers=owner)
    assert got.status_code == 200 and len(got.text.lstrip("\ufeff").splitlines()) == 4 and lot in got.text
    for who, h in {**{k: r.h for k, r in regs.items()}, "other": _login(client, db, "enterprise", other_id)}.items():
        r = client.get(path, headers=h)  # not even 杭州市局, whose division the enterprise is in: PINs, labels
        assert r.status_code in (403, 404) and lot not in r.text, who
