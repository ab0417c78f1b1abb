"""Issue #14 "one judgement": the same item results sent through the four entry paths — the console form
(POST), the API (POST), the import (CSV) and `zhijian judge` — give identical verdicts and identical refusals.

Before the fix: 未检出 without a detection limit was refused by the form only (合格 through the import, the API
and the CLI); U = −5 was accepted by the API only; "0.5-1.5" was read as "=0.5"; "<0.05" against ≤0.01 was 合格;
"检出" was refused as unreadable; 阳性/阴性 went to manual; sampling plans were free text."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from tests import factories
from tests.spotcheck.scenario import sampling
from tests.spotcheck.test_pages import _login
from zhijian.catalog.schemas import IndicatorIn
from zhijian.platform.auth import Actor
from zhijian.spotcheck import service
from zhijian.spotcheck.models import Batch, ItemResult
from zhijian.spotcheck.schemas import PlanCategoryIn, PlanIn


@dataclass(frozen=True)
class Case:
    requirement: str
    value: str = ""
    unit: str = ""  # the value's unit (the requirement's unit when empty)
    lod: str = ""
    u: str = ""
    lab: str = ""
    units: tuple[str, ...] = ()
    req_unit: str = "mg/kg"
    expect: str = ""  # a verdict, or the code of the refusal


PLAN = "n=5, c=2, m=100, M=1000"
ACCEPTED = [
    Case("≤0.5", "0.4", expect="合格"), Case("≤0.5", "0.6", expect="不合格"), Case("≤0.5", "0.5", expect="合格"),
    Case("<0.1", "0.1", expect="不合格"), Case("≥3.0", "2.95", expect="不合格"), Case("≥3.0", "3.2", expect="合格"),
    Case("0.5-1.5", "1.0", expect="合格"),  # ASCII hyphen: a range, not "=0.5"
    Case("0.5~1.5", "1.6", expect="不合格"), Case("0.5～1.5", "0.4", expect="不合格"), Case("0.5—1.5", "1.5", expect="合格"),
    Case("0.5至1.5", "0.5", expect="合格"),
    Case("≤0.01", "<0.05", expect="无法判定"),  # the reported limit is above the limit: method not fit for purpose
    Case("≤0.01", "<0.005", expect="合格"),
    Case("≤0.2", "未检出", lod="0.01", expect="合格"), Case("≤0.2", "ND", lod="0.5", expect="无法判定"),
    Case("≥2.9", "未检出", lod="0.1", expect="不合格"),
    Case("不得检出", "检出", expect="不合格"), Case("不得检出", "未检出", expect="合格"), Case("不得检出", "阳性", expect="不合格"),
    Case("阴性", "阴性", expect="合格"), Case("阴性", "阳性", expect="不合格"), Case("不得检出", "阴性", expect="合格"),
    Case("≤0.5", "检出", expect="无法判定"),
    Case("不大于0.5", "0.3", expect="合格"), Case("≥95%", "94", req_unit="", expect="不合格"),
    Case("≤5×10⁴", "5.4×10⁴", req_unit="CFU/g", expect="不合格"),  # 全数值比较法 (the rounded method is in test_judgement)
    Case("≤1.0×10³", "1.05×10³", req_unit="CFU/g", expect="不合格"),
    Case("≤5E4", "40000", req_unit="CFU/g", expect="合格"), Case("≤10^4", "12000", req_unit="CFU/g", expect="不合格"),
    Case("≤0.5 mg/kg", "480", unit="μg/kg", expect="合格"),  # converted with pint: 0.48 mg/kg
    Case("6.5", "6.5", req_unit="", expect="合格"), Case("5.0±0.5", "5.6", req_unit="", expect="不合格"),
    Case(PLAN, units=("50", "150", "200", "80", "90"), req_unit="CFU/g", expect="合格"),
    Case(PLAN, units=("50", "150", "200", "180", "90"), req_unit="CFU/g", expect="不合格"),  # 3 in (m, M] > c
    Case(PLAN, units=("50", "1500", "20", "30", "40"), req_unit="CFU/g", expect="不合格"),  # one above M
    Case("n=5, c=0, m=0", units=("未检出",) * 5, req_unit="/25g", expect="合格"),
    Case("n=5, c=1, m=100", units=("150", "150", "10", "10", "10"), req_unit="CFU/g", expect="不合格"),
    Case("无渗漏", "无渗漏", req_unit="", lab="合格", expect="合格"),
    Case("符合GB 2760的规定", "符合", req_unit="", lab="不合格", expect="不合格"),
    Case("≤0.5", "0.6", u="0.2", expect="不合格"),  # the simple rule does not use U
]
REFUSED = [
    Case("≤0.2", "未检出", expect="spotcheck.lod_required"),
    Case("≤0.5", "0.4", u="-5", expect="spotcheck.bad_uncertainty"),
    Case("≤0.5", "0.4", lod="-1", expect="spotcheck.bad_lod"),
    Case("无渗漏", "无渗漏", req_unit="", expect="spotcheck.lab_verdict_required"),
    Case(PLAN, units=("50", "150", "200"), req_unit="CFU/g", expect="spotcheck.units_count"),
    Case(PLAN, req_unit="CFU/g", expect="spotcheck.units_required"),
    Case("≤0.5", "abc", expect="spotcheck.bad_value"),
    Case("≤0.5 mg/kg", "0.4", unit="cm", expect="spotcheck.unit_mismatch"),
]

# The guarded rule (判定规则 with the expanded uncertainty U; ILAC-G8:09/2019 §4.2.3 guarded rejection as
# rules.judge implements it, w = r·U with r = 1): 不合格 only when the value lies beyond the limit by more than
# w (JJF 1059.1-2012 U, k = 2). Every numeric limit needs U; 未检出, qualitative, plan and text items do not.
GUARDED_ACCEPTED = [
    Case("≤0.5", "0.6", u="0.2", expect="合格"),  # beyond by 0.1 ≤ w = 0.2: non-conformity not proven
    Case("≤0.5", "0.7", u="0.2", expect="合格"),  # exactly at limit + w: not beyond it
    Case("≤0.5", "0.8", u="0.2", expect="不合格"),
    Case("≤0.5", "0.6", u="0", expect="不合格"),  # U = 0: w = 0, the simple comparison
    Case("≤0.5", "0.4", u="0.2", expect="合格"),
    Case("≥3.0", "2.95", u="0.1", expect="合格"), Case("≥3.0", "2.85", u="0.1", expect="不合格"),
    Case("0.5-1.5", "1.6", u="0.2", expect="合格"), Case("0.5~1.5", "1.6", u="0.05", expect="不合格"),
    Case("0.5至1.5", "0.35", u="0.1", expect="不合格"), Case("5.0±0.5", "5.6", u="0.2", req_unit="", expect="合格"),
    Case("<0.1", "0.1", u="0.05", expect="合格"),
    Case("≤0.5 mg/kg", "600", unit="μg/kg", u="150", expect="合格"),  # value and U converted: 0.6 ≤ 0.5 + 0.15
    Case("≤0.5 mg/kg", "700", unit="μg/kg", u="150", expect="不合格"),  # 0.7 > 0.65
    Case("≤5×10⁴", "5.4×10⁴", u="5000", req_unit="CFU/g", expect="合格"),
    Case("≤0.2", "未检出", lod="0.01", expect="合格"),  # no value: no U needed
    Case("≤0.01", "<0.05", expect="无法判定"), Case("不得检出", "检出", expect="不合格"),
    Case("阴性", "阴性", expect="合格"), Case("6.5", "6.5", req_unit="", expect="合格"),
    Case(PLAN, units=("50", "150", "200", "180", "90"), req_unit="CFU/g", expect="不合格"),
    Case("无渗漏", "无渗漏", req_unit="", lab="合格", expect="合格"),
]
GUARDED_REFUSED = [
    Case("≤0.5", "0.6", expect="spotcheck.uncertainty_required"),
    Case("≥3.0", "2.95", expect="spotcheck.uncertainty_required"),
    Case("0.5-1.5", "1.0", expect="spotcheck.uncertainty_required"),
    Case("≤0.5", "0.4", u="-5", expect="spotcheck.bad_uncertainty"),
    Case("≤0.5", "0.4", u="0.1", lod="-1", expect="spotcheck.bad_lod"),
    Case("≤0.2", "未检出", expect="spotcheck.lod_required"),
    Case("≤0.5 mg/kg", "0.4", unit="cm", u="0.1", expect="spotcheck.unit_mismatch"),
    Case("≤0.5", "abc", u="0.1", expect="spotcheck.bad_value"),
]
TABLES = {"simple": (ACCEPTED, REFUSED), "guarded": (GUARDED_ACCEPTED, GUARDED_REFUSED)}


def _name(k: int) -> str:
    return f"项目{k:02d}"


def _cli(case: Case, rule: str = "simple") -> tuple[str, str]:
    """(verdict or error code, Chinese message of the refusal) from `zhijian judge`."""
    from zhijian.platform.cli import app

    args = ["judge", "--requirement", case.requirement, "--requirement-unit", case.req_unit, "--value", case.value,
            "--json", "--rule", rule]
    if case.unit:
        args += ["--unit", case.unit]
    for opt, v in (("--lod", case.lod), ("--uncertainty", case.u), ("--lab-verdict", case.lab)):
        if v:
            args += [opt, v]
    if case.units:
        args += ["--units", ",".join(case.units)]
    r = CliRunner().invoke(app, args)
    if r.exit_code == 0:
        return json.loads(r.output)["verdict"], ""
    m = re.match(r"错误 (\S+) \[[^\]]*\]: (.*?) / ", r.output)
    assert r.exit_code == 2 and m, r.output
    return m.group(1), m.group(2)


def _api_item(k: int, case: Case) -> dict[str, object]:
    item: dict[str, object] = {"name": _name(k), "requirement": case.requirement, "requirement_unit": case.req_unit,
                               "unit": case.unit or case.req_unit, "value": case.value}
    if case.lod:
        item["lod"] = float(case.lod)
    if case.u:
        item["uncertainty"] = float(case.u)
    if case.lab:
        item["lab_verdict"] = case.lab
    if case.units:
        item["units"] = list(case.units)
    return item


def _csv(sample_no: str, cases: list[tuple[int, Case]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["抽样单编号", "检验项目", "单位", "标准要求", "检验结果", "检出限", "扩展不确定度", "单项判定", "样品单元结果"])
    for k, c in cases:
        w.writerow([sample_no, _name(k), c.unit or c.req_unit, c.requirement, c.value, c.lod, c.u, c.lab,
                    ", ".join(c.units)])
    return buf.getvalue().encode("utf-8-sig")


def _form(token: str, expected: list, cases: dict[str, Case]) -> dict[str, object]:  # type: ignore[type-arg]
    data: dict[str, object] = {"csrf_token": token, "indicator_ids": [str(e.indicator_id) for e in expected]}
    for i, e in enumerate(expected):
        c = cases[e.name]
        data |= {f"value_{i}": c.value, f"unit_{i}": c.unit or c.req_unit, f"lod_{i}": c.lod, f"u_{i}": c.u,
                 f"method_{i}": "", f"verdict_{i}": c.lab}
        data |= {f"units_{i}_{j}": v for j, v in enumerate(c.units)}
    return data


def _world(s, n_ok: int = 3, rule: str = "simple"):  # type: ignore[no-untyped-def]
    """A plan with two categories: one whose standard holds the accepted cases, one with the refused ones."""
    reg = factories.regulator(s)
    lab = factories.lab(s)
    regulator = Actor(None, f"regulator_{factories.uid()}", "regulator", reg.id)
    cats, stds = [], []
    for cases, offset in zip(TABLES[rule], (0, 100), strict=True):
        cat = factories.category(s, name=f"判定类别{factories.uid()}")
        std = factories.standard(s, comparison_method="full", indicators=[
            IndicatorIn(name=_name(offset + k), unit=c.req_unit, requirement_kind="text", text=c.requirement)
            for k, c in enumerate(cases)])
        cats.append(cat)
        stds.append(std)
    for cat, n in ((cats[0], n_ok), (cats[1], 1)):
        for _ in range(n):
            factories.product(s, factories.enterprise(s), cat)
    plan = service.create_plan(s, regulator, PlanIn(
        code=f"J-{factories.uid()}", title="判定一致性", year=2026, level="provincial", decision_rule=rule,  # type: ignore[arg-type]
        period_start=sampling().sampled_on.replace(month=1), period_end=sampling().sampled_on.replace(month=12),
        categories=[PlanCategoryIn(category_id=c.id, standard_ids=[st.id], target_batches=n)
                    for c, st, n in zip(cats, stds, (n_ok, 1), strict=True)], lab_ids=[lab.id]))
    inspector = Actor(None, f"inspector_{factories.uid()}", "inspector", lab.id)
    service.draw_plan(s, regulator, plan.id, seed=14)
    out = {}
    for b in service.list_batches(s, regulator, plan_id=plan.id):
        service.record_sampling(s, inspector, b.id, sampling())
        service.receive_sample(s, inspector, b.id)
        out.setdefault(b.category_id, []).append((b.id, b.sample_no))
    user = factories.user(s, "inspector", lab).username
    return out[cats[0].id], out[cats[1].id][0], user


def test_the_table_has_forty_cases():
    assert len(ACCEPTED) + len(REFUSED) >= 40
    assert len(GUARDED_ACCEPTED) + len(GUARDED_REFUSED) >= 30


@pytest.mark.parametrize("rule", ["simple", "guarded"])
def test_four_entry_paths_agree(client, db, rule):
    from tests.spotcheck.test_api import _hdr

    accepted, refused = TABLES[rule]
    with db.session() as s:
        ok_batches, (bad_id, bad_no), username = _world(s, rule=rule)
        user = type("U", (), {"username": username})()
    (api_ok, _n1), (imp_ok, imp_no), (form_ok, _n3) = ok_batches
    hdr = _hdr(client, user)
    cli = {k: _cli(c, rule) for k, c in enumerate(accepted)} | {100 + k: _cli(c, rule) for k, c in enumerate(refused)}
    # the CLI gives the expected verdicts and refusals (the published shapes of the issue)
    assert [cli[k][0] for k in range(len(accepted))] == [c.expect for c in accepted]
    assert [cli[100 + k][0] for k in range(len(refused))] == [c.expect for c in refused]

    # API: the accepted items in one POST; each refused item alone (422, nothing stored)
    r = client.post(f"/api/v1/spotcheck/batches/{api_ok}/results", headers=hdr,
                    json={"items": [_api_item(k, c) for k, c in enumerate(accepted)]})
    assert r.status_code == 200, r.text
    for k, c in enumerate(refused):
        r = client.post(f"/api/v1/spotcheck/batches/{bad_id}/results", headers=hdr,
                        json={"items": [_api_item(100 + k, c)]})
        assert r.status_code == 422, (c, r.text)
        assert (r.json()["code"], r.json()["message_zh"]) == cli[100 + k], c

    # import: the accepted rows in one file; each refused row in a file of its own (all or nothing)
    r = client.post("/api/v1/spotcheck/results/import", headers=hdr,
                    files={"file": ("r.csv", _csv(imp_no, list(enumerate(accepted))), "text/csv")})
    assert r.status_code == 200, r.text
    for k, c in enumerate(refused):
        r = client.post("/api/v1/spotcheck/results/import", headers=hdr,
                        files={"file": ("r.csv", _csv(bad_no, [(100 + k, c)]), "text/csv")})
        assert r.status_code == 422, (c, r.text)
        body = r.json()
        assert body["code"] == "spotcheck.import_invalid" and body["cause"] == cli[100 + k][0], (c, body)
        assert cli[100 + k][1] in body["message_zh"], (c, body)

    # console form: the accepted rows saved; the refused rows each marked with the same message
    client.headers.pop("Authorization", None)
    token = _login(client, username)
    with db.session() as s:
        exp_ok = service.expected_items(s, s.get(Batch, form_ok))
        exp_bad = service.expected_items(s, s.get(Batch, bad_id))
    r = client.post(f"/console/spotcheck/batches/{form_ok}/results", follow_redirects=False,
                    data=_form(token, exp_ok, {_name(k): c for k, c in enumerate(accepted)}))
    assert r.status_code == 303, r.text[:3000]
    r = client.post(f"/console/spotcheck/batches/{bad_id}/results",
                    data=_form(token, exp_bad, {_name(100 + k): c for k, c in enumerate(refused)}))
    assert r.status_code == 422
    import html

    for i, e in enumerate(exp_bad):
        m = re.search(rf'<p class="field-error" id="[a-z]+_{i}(?:_0)?-error">([^<]*)</p>', r.text)
        assert m, (e.name, "no error shown")
        assert html.unescape(m.group(1)) == cli[int(e.name[2:])][1], e.name

    with db.session() as s:
        for bid in (api_ok, imp_ok, form_ok):
            rows = s.query(ItemResult).filter(ItemResult.batch_id == bid).order_by(ItemResult.position).all()
            got = {r.name: r.verdict for r in rows}
            assert [got[_name(k)] for k in range(len(accepted))] == [c.expect for c in accepted], bid
        assert s.query(ItemResult).filter(ItemResult.batch_id == bad_id).count() == 0


@pytest.mark.parametrize(("rule", "case"), [("simple", c) for c in REFUSED] + [("guarded", c) for c in GUARDED_REFUSED],
                         ids=lambda c: c if isinstance(c, str) else c.expect)
def test_refusals_name_the_field(rule, case):
    code, msg = _cli(case, rule)
    assert code == case.expect and msg
