"""Lab assessment on every backend: a lab applies, the secretariat plans, records every ISO/IEC 17025:2017
checklist clause on site (two nonconformities → findings with 30/60-day deadlines), the lab answers, the
secretariat verifies, and the certificate (three years) is granted only when every finding is closed; the lab's
PT record is beside the decision; the console pages and forms."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories
from tests.association.helpers import lab_actor
from zhijian.association.assessment import rules
from zhijian.association.assessment import service as asm
from zhijian.association.assessment.schemas import AssessmentIn, DecisionIn, ItemIn, PlanIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError

DAY = dt.date(2026, 10, 12)


def test_assessment_to_certificate(db):
    with db.session() as s:
        lab = factories.lab(s).id
        me = lab_actor(lab)
        a = asm.apply(s, me, AssessmentIn(scope="食品中污染物检测（GB 5009 系列）"))
        with pytest.raises(DomainError) as e:
            asm.apply(s, me, AssessmentIn(scope="再次申请"))
        assert e.value.code == "association.assessment.open"
        with pytest.raises(DomainError):
            asm.plan(s, me, a.id, PlanIn(planned_on=DAY, team=["组长 王"]))  # the lab cannot plan its own
        asm.plan(s, SYSTEM, a.id, PlanIn(planned_on=DAY, team=["组长 王评审", "评审员 李"]))
        for clause in rules.CHECKLIST:
            if clause == "6.4":
                asm.record_item(s, SYSTEM, a.id, ItemIn(clause=clause, result="nonconform", severity="major",
                                                        description="天平未经检定仍在使用", evidence="设备档案 E-012"), on=DAY)
            elif clause == "7.6":
                asm.record_item(s, SYSTEM, a.id, ItemIn(clause=clause, result="nonconform",
                                                        description="铅测定不确定度评定缺少回收率分量"), on=DAY)
            elif clause == "7.3":
                asm.record_item(s, SYSTEM, a.id, ItemIn(clause=clause, result="na", evidence="不从事抽样"), on=DAY)
            else:
                asm.record_item(s, SYSTEM, a.id, ItemIn(clause=clause, result="conform"), on=DAY)
        with pytest.raises(DomainError) as e:
            asm.record_item(s, SYSTEM, a.id, ItemIn(clause="9.9", result="conform"))
        assert e.value.field == "clause"
        asm.close_site_visit(s, SYSTEM, a.id)
        fs = {f.clause: f for f in asm.findings(s, me, a.id)}
        assert fs["6.4"].due_on == DAY + dt.timedelta(days=60) and fs["7.6"].due_on == DAY + dt.timedelta(days=30)
        with pytest.raises(DomainError) as e:
            asm.decide(s, SYSTEM, a.id, DecisionIn(grant=True, reason="x"))
        assert e.value.code == "association.assessment.findings_open"
        for f in fs.values():
            asm.answer_finding(s, me, f.id, "已送检定并建立期间核查程序")
            asm.close_finding(s, SYSTEM, f.id, "见检定证书，整改有效")
        facts = asm.decision_facts(s, SYSTEM, a.id)
        assert facts["open_findings"] == [] and isinstance(facts["pt"], list)
        a = asm.decide(s, SYSTEM, a.id, DecisionIn(grant=True, reason="整改有效，同意发证"), on=DAY)
        assert a.status == "granted" and a.certificate_no.startswith("CAQI-PJ-2026-")
        assert a.valid_until == dt.date(2029, 10, 12)
        other = factories.lab(s).id
        with pytest.raises(DomainError) as e:
            asm.findings(s, lab_actor(other), a.id)
        assert e.value.status == 404


def test_checklist_must_be_complete(db):
    with db.session() as s:
        a = asm.apply(s, SYSTEM, AssessmentIn(lab_id=factories.lab(s).id, scope="电器安全"))
        asm.plan(s, SYSTEM, a.id, PlanIn(planned_on=DAY, team=["组长"]))
        asm.record_item(s, SYSTEM, a.id, ItemIn(clause="4.1", result="conform"), on=DAY)
        with pytest.raises(DomainError) as e:
            asm.close_site_visit(s, SYSTEM, a.id)
        assert e.value.code == "association.assessment.checklist_incomplete"
        with pytest.raises(DomainError) as e:
            asm.record_item(s, SYSTEM, a.id, ItemIn(clause="6.2", result="nonconform"), on=DAY)
        assert e.value.field == "description"


def test_console_pages(client, db, login):
    with db.session() as s:
        lab = factories.lab(s)
    staff, me = login("association"), login("inspector", lab)
    page = client.get("/console/association/assessments", headers=me)
    assert page.status_code == 200
    tok = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    r = client.post("/console/association/assessments", headers=me, follow_redirects=False,
                    data={"csrf_token": tok, "kind": "initial", "scope": "建材检测"})
    assert r.status_code == 303
    url = r.headers["location"]
    r = client.post(f"{url}/plan", headers=staff, follow_redirects=False,
                    data={"csrf_token": tok, "planned_on": "2026-11-01", "team": "王,李"})
    assert r.status_code == 303
    r = client.post(f"{url}/item", headers=staff, follow_redirects=False,
                    data={"csrf_token": tok, "clause": "6.2", "result": "conform", "evidence": "人员档案"})
    assert r.status_code == 303
    detail = client.get(url, headers=staff)
    assert detail.status_code == 200 and "人员档案" in detail.text and "能力验证记录" in detail.text
    assert client.get(url, headers=me).status_code == 200
    api = client.get("/api/v1/association/assessments", headers=me).json()
    assert len(api) == 1 and api[0]["status"] == "assessed"
