"""Regional jurisdiction of spot checks (issue 13 item 2; platform/jurisdiction.py, GB/T 2260 division codes).

Finding (issue 13): regulators were not scoped by jurisdiction at all — `regulator_hz` read every province's
plans and batches. Now a regulator sees and acts on the plans of its division and below, the plans of the
divisions above that cover it (`ancestor_codes`) and national plans; of a higher-level or national plan only
the batches of enterprises within its division; follow-ups and attachments likewise. Anything else answers
404 (existence not revealed). Published results stay public. The association reads published results only
(as it did before: `can_read_plan` / `_visible_batches` give it nothing unpublished).

Demo-like setup: 浙江省局 330000, 杭州市局 330100, 广东省局 440000, 总局 (national) 110000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests import factories
from tests.spotcheck.scenario import sampling
from zhijian.catalog.schemas import IndicatorIn
from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError, NotFound, PermissionDenied
from zhijian.spotcheck import service
from zhijian.spotcheck.schemas import FollowUpIn, PlanCategoryIn, PlanIn

PERIOD = (dt.date(2026, 3, 1), dt.date(2026, 10, 31))


@dataclass
class Setup:
    regs: dict[str, Actor]  # zj, hz, gd, nat
    users: dict[str, str]  # usernames of real logins: zj, hz, gd, nat, assoc
    plans: dict[str, int]  # zj, hz, gd, nat
    batches: dict[str, dict[str, int]]  # plan key → enterprise region → batch id


def _setup(s) -> Setup:  # type: ignore[no-untyped-def]
    orgs = {"zj": factories.regulator(s, "provincial", "330000"), "hz": factories.regulator(s, "municipal", "330100"),
            "gd": factories.regulator(s, "provincial", "440000"), "nat": factories.regulator(s, "national", "110000")}
    regs = {k: Actor(None, f"regulator_{k}_{factories.uid()}", "regulator", o.id) for k, o in orgs.items()}
    users = {k: factories.user(s, "regulator", o).username for k, o in orgs.items()}
    users["assoc"] = factories.user(s, "association").username
    lab = factories.lab(s, region="330100")
    cat = factories.category(s, name=f"管辖类别{factories.uid()}")
    std = factories.standard(s, indicators=[IndicatorIn(name="铅(以Pb计)", unit="mg/kg", requirement_kind="max",
                                                        upper=0.5, text="≤0.5", is_safety=True)])
    for region in ("330106", "330782", "440106"):  # 杭州西湖区, 金华义乌市, 广州天河区
        factories.product(s, factories.enterprise(s, region=region), cat)
    plans: dict[str, int] = {}
    batches: dict[str, dict[str, int]] = {}
    # lower levels first: a higher-level plan drawn first would exclude the products (PQL Art. 15)
    for key, level, region, target in (("hz", "municipal", "330100", 1), ("zj", "provincial", "330000", 2),
                                       ("gd", "provincial", "440000", 1), ("nat", "national", "110000", 3)):
        plan = service.create_plan(s, regs[key], PlanIn(
            code=f"JUR-{key}-{factories.uid()}", title=f"{key} 抽查", year=2026, level=level,  # type: ignore[arg-type]
            region_code=region, period_start=PERIOD[0], period_end=PERIOD[1], basis="emergency" if key == "nat"
            else "random", repeat_exemption="应急抽查" if key == "nat" else "",
            categories=[PlanCategoryIn(category_id=cat.id, standard_ids=[std.id], target_batches=target)],
            lab_ids=[lab.id]))
        service.draw_plan(s, regs[key], plan.id, seed=13)
        plans[key] = plan.id
        batches[key] = {b.region_code: b.id for b in service.list_batches(s, regs["nat"], plan_id=plan.id)}
    assert {k: sorted(v) for k, v in batches.items()} == {
        "hz": ["330106"], "zj": ["330106", "330782"], "gd": ["440106"], "nat": ["330106", "330782", "440106"]}
    return Setup(regs, users, plans, batches)


@pytest.fixture
def setup(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return _setup(s)


def _final_gd(s, setup: Setup) -> int:  # type: ignore[no-untyped-def]
    """广东's batch made final and failing (the workflow itself is tested in test_workflow.py)."""
    bid = setup.batches["gd"]["440106"]
    b = service.get_batch(s, setup.regs["nat"], bid)
    b.final_verdict, b.state = "不合格", "final"
    s.flush()
    return bid


def _plans_seen(s, actor: Actor, setup: Setup) -> set[str]:  # type: ignore[no-untyped-def]
    ids = {p.id for p in service.list_plans(s, actor)}
    return {k for k, pid in setup.plans.items() if pid in ids}


def _batches_seen(s, actor: Actor, setup: Setup) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    ids = {b.id for b in service.list_batches(s, actor, limit=10_000)}
    return {(k, region) for k, by in setup.batches.items() for region, bid in by.items() if bid in ids}


EXPECTED_PLANS = {"hz": {"hz", "zj", "nat"}, "zj": {"hz", "zj", "nat"}, "gd": {"gd", "nat"},
                  "nat": {"hz", "zj", "gd", "nat"}}
EXPECTED_BATCHES = {
    "hz": {("hz", "330106"), ("zj", "330106"), ("nat", "330106")},  # the provincial plan: only 杭州's batches
    "zj": {("hz", "330106"), ("zj", "330106"), ("zj", "330782"), ("nat", "330106"), ("nat", "330782")},
    "gd": {("gd", "440106"), ("nat", "440106")},
    "nat": {("hz", "330106"), ("zj", "330106"), ("zj", "330782"), ("gd", "440106"), ("nat", "330106"),
            ("nat", "330782"), ("nat", "440106")}}


@pytest.mark.parametrize("who", ["hz", "zj", "gd", "nat"])
def test_each_regulator_sees_its_division_and_the_plans_covering_it(db, setup, who):
    with db.session() as s:
        actor = setup.regs[who]
        assert _plans_seen(s, actor, setup) == EXPECTED_PLANS[who]
        assert _batches_seen(s, actor, setup) == EXPECTED_BATCHES[who]
        for key, pid in setup.plans.items():
            if key in EXPECTED_PLANS[who]:
                assert service.get_plan(s, actor, pid).id == pid
            else:
                with pytest.raises(NotFound):
                    service.get_plan(s, actor, pid)
        for key, by in setup.batches.items():
            for region, bid in by.items():
                if (key, region) not in EXPECTED_BATCHES[who]:
                    with pytest.raises(NotFound):
                        service.get_batch(s, actor, bid)
                    with pytest.raises(NotFound):  # nor act on it: not found before any permission check
                        service.record_sampling(s, actor, bid, sampling())


def test_regulator_hz_over_http(client, db, setup):
    from tests.spotcheck.test_api import _hdr

    hz = _hdr(client, type("U", (), {"username": setup.users["hz"]})())
    gd_plan, zj_plan = setup.plans["gd"], setup.plans["zj"]
    assert client.get(f"/api/v1/spotcheck/plans/{gd_plan}", headers=hz).status_code == 404
    assert client.post(f"/api/v1/spotcheck/plans/{gd_plan}/publish", headers=hz).status_code == 404
    gd_batch = setup.batches["gd"]["440106"]
    assert client.get(f"/api/v1/spotcheck/batches/{gd_batch}", headers=hz).status_code == 404
    assert client.post(f"/api/v1/spotcheck/batches/{gd_batch}/judge", headers=hz).status_code == 404
    r = client.get(f"/api/v1/spotcheck/plans/{zj_plan}", headers=hz)  # the provincial plan covering 杭州
    assert r.status_code == 200
    assert r.json()["workflow"]["planned"] == 1  # of its two batches, the one in 杭州
    assert client.post(f"/api/v1/spotcheck/plans/{zj_plan}/publish", headers=hz).status_code == 403  # not its plan
    listed = {p["id"] for p in client.get("/api/v1/spotcheck/plans", headers=hz).json()}
    assert gd_plan not in listed and zj_plan in listed and setup.plans["nat"] in listed
    r = client.post("/api/v1/spotcheck/plans", headers=hz, json={
        "code": f"JUR-x-{factories.uid()}", "title": "越界计划", "year": 2026, "level": "municipal",
        "region_code": "440100", "period_start": "2026-03-01", "period_end": "2026-10-31", "categories": []})
    assert r.status_code == 422 and r.json()["field"] == "region_code"


def test_followups_and_publication_follow_the_jurisdiction(db, setup):
    with db.session() as s:
        nat, hz, gd = setup.regs["nat"], setup.regs["hz"], setup.regs["gd"]
        gd_batch = _final_gd(s, setup)
        service.add_followup(s, gd, gd_batch, FollowUpIn(step="rectify", due_on=dt.date(2026, 12, 31)))
        assert [f.batch_id for f in service.list_followups(s, gd, batch_id=gd_batch)] == [gd_batch]
        assert service.list_followups(s, hz, batch_id=gd_batch) == []
        assert gd_batch in {f.batch_id for f in service.list_followups(s, nat)}
        with pytest.raises(NotFound):
            service.add_followup(s, hz, gd_batch, FollowUpIn(step="recheck", due_on=dt.date(2026, 12, 31)))
        with pytest.raises(PermissionDenied):  # 杭州 sees the provincial plan but does not run it
            service.publish_plan(s, hz, setup.plans["zj"])
        with pytest.raises(PermissionDenied):  # nor does the national level run 广东's plan
            service.publish_plan(s, nat, setup.plans["gd"])
        # publication: once 广东 publishes, its results are public — 杭州 reads them too
        service.publish_plan(s, gd, setup.plans["gd"])
        assert service.get_plan(s, hz, setup.plans["gd"]).status == "published"
        assert service.get_batch(s, hz, gd_batch).id == gd_batch
        assert ("gd", "440106") in _batches_seen(s, hz, setup)
        assert service.list_attachments(s, hz, gd_batch) == []  # photos are not published


def test_association_reads_published_results_only(client, db, setup):
    from tests.spotcheck.test_api import _hdr

    with db.session() as s:
        _final_gd(s, setup)
        service.publish_plan(s, setup.regs["gd"], setup.plans["gd"])
    assoc = _hdr(client, type("U", (), {"username": setup.users["assoc"]})())
    listed = {p["id"] for p in client.get("/api/v1/spotcheck/plans", headers=assoc).json()}
    assert setup.plans["gd"] in listed and not listed & {setup.plans[k] for k in ("hz", "zj", "nat")}
    assert client.get(f"/api/v1/spotcheck/plans/{setup.plans['zj']}", headers=assoc).status_code == 404
    assert client.get(f"/api/v1/spotcheck/batches/{setup.batches['gd']['440106']}", headers=assoc).status_code == 200
    assert client.get(f"/api/v1/spotcheck/batches/{setup.batches['zj']['330106']}", headers=assoc).status_code == 404
    assert client.get("/api/v1/spotcheck/followups", headers=assoc).status_code == 403


def test_a_regulator_without_a_division_sees_published_only(db, setup):
    with db.session() as s:
        nobody = Actor(None, "regulator_x", "regulator", None, "-")
        assert _plans_seen(s, nobody, setup) == set()
        with pytest.raises(DomainError):
            service.get_plan(s, nobody, setup.plans["nat"])
