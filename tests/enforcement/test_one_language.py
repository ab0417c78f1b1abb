"""Issue 21 finding 8: every enforcement screen in one language. Before, the English case page showed the 办案期限
rule (《市场监督管理行政处罚程序规定》第六十四条：…), the checklist's dates as 「送达 2026-03-20，陈述申辩期限 …」, the
steps as raw codes (filing, review), a refusal in Chinese and full-width punctuation; the joint operation's timeline
read 「…：立案」; the Chinese page of a shared case listed the field names (party_name, facts_text, gtin).

Checked as the crawl test checks (tests/web/crawl.py): visible text, elements marked with their own `lang` (the
statute's text, 文号, official documents) and <code> skipped; only the data's own words (names, titles) may stay.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from sqlalchemy import select

from tests.enforcement.helpers import actor_for, officers, open_case, organ, to_notice
from tests.web.crawl import CJK, TOKEN, Allowed, _offending, _Visible
from zhijian.catalog.models import Organization
from zhijian.enforcement import cooperation, inquiry, rules
from zhijian.enforcement.schemas import QA, InquiryIn, OperationIn
from zhijian.platform.i18n import gettext_for


def _mixed(html: str, lang: str, data: list[str]) -> list[str]:
    vis = _Visible()
    vis.feed(html)
    allowed = Allowed({r for d in data for r in CJK.findall(d)}, {w for d in data for w in TOKEN.findall(d)})
    return _offending(vis.texts, lang, allowed)


def _setup(db):  # type: ignore[no-untyped-def]
    """A case of 杭州 carried to the notice with an interview (the ID number is GB 11643-1999's own example), joined to
    an operation 广州 is a member of."""
    with db.session() as s:
        hz, gz = organ(s, "330100"), organ(s, "440100")
        certs = officers(s, hz)
        case = open_case(s, hz, certs)
        to_notice(s, hz, certs, case)
        inquiry.record_inquiry(s, actor_for(hz), case.id, InquiryIn(
            officers=certs, recorder=certs[0], interviewee_name="王某", interviewee_id_no="11010519491231002X",
            interviewee_role="party", place="杭州市西湖区某路 1 号", started_at=dt.datetime(2026, 3, 5, 9, 0),
            ended_at=dt.datetime(2026, 3, 5, 9, 40), qa=[QA(q="你的身份？", a="店长")]))
        op = cooperation.create_operation(s, actor_for(hz), OperationIn(name="清源行动", member_organ_ids=[gz.id],
                                                                         on=dt.date(2026, 3, 1)))
        cooperation.join_case(s, actor_for(hz), op.id, case.id)
        data = [case.title, case.party_name, case.case_no, "局长 王某", "王某", "店长", "清源行动", "当事人销售的电热毯经监督抽查不合格",
                *s.scalars(select(Organization.name))]
        return hz.id, gz.id, case.id, case.case_no, op.id, data


def test_the_case_and_operation_pages_in_english(client, db, login):
    hz, _gz, case_id, case_no, op_id, data = _setup(db)
    h = login("regulator", SimpleNamespace(id=hz))
    page = client.get(f"/console/enforcement/cases/{case_id}?lang=en", headers=h).text
    assert "<small>Provisions on Administrative Penalty Procedures for Market Regulation, Article 64: a decision within " \
           "90 days of filing;" in page
    assert "<td>Case filed</td>" in page and "<td>Interviewed 王某</td>" in page and "<td>filing</td>" not in page
    assert "<small>served 2026-03-20, response due 2026-03-27</small>" in page
    assert "<dd>2026-03-20, response deadline 2026-03-27" in page  # no full-width comma in English
    assert f'<h1><span lang="zh-CN">{case_no}</span>: ' in page
    refused = client.post(f"/console/enforcement/cases/{case_id}/decision?lang=en", headers=h, data={
        "csrf_token": _token(page), "kind": "penalty", "fine": "100", "approver": "", "officers": "X"})
    assert refused.status_code >= 400 and _mixed(refused.text, "en", data) == []
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', refused.text)
    assert error and error.group(1).startswith(gettext_for("en")("负责人（审批）") + ": "), error  # not 「approver」
    refused = client.post(f"/console/enforcement/cases/{case_id}/decision?lang=zh_CN", headers=h, data={
        "csrf_token": _token(page), "kind": "penalty", "fine": "100", "approver": "", "officers": "X"})
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', refused.text)
    assert error and error.group(1).startswith("「负责人（审批）」填写有误："), error
    op = client.get(f"/console/enforcement/operations/{op_id}?lang=en", headers=h).text
    assert "Operation started: 清源行动" in op and f'<span lang="zh-CN">{case_no}</span>: Case filed' in op
    assert "brought case" in op
    penalties = client.get("/console/enforcement/penalties?lang=en", headers=h).text
    assert '<td lang="zh-CN">《中华人民共和国产品质量法》第五十条</td>' in penalties
    for html in (page, op, penalties):
        assert _mixed(html, "en", data) == []


def test_a_shared_case_in_chinese_names_its_fields(client, db, login):
    _hz, gz, case_id, _no, _op, data = _setup(db)
    page = client.get(f"/console/enforcement/cases/{case_id}?lang=zh_CN", headers=login("regulator", SimpleNamespace(id=gz)))
    assert page.status_code == 200
    assert "<dt>简要案情</dt>" in page.text and "<dt>商品条码</dt>" in page.text and "facts_text" not in page.text
    assert _mixed(page.text, "zh_CN", data) == []


def test_every_step_has_its_label_in_both_languages_and_the_checklist_reads_as_the_page():
    assert set(rules.STEP_KINDS) == set(rules.STEP_KINDS_EN)
    assert rules.step_label("closure", "en") == "Case closed" and rules.step_label("closure", "zh_CN") == "结案"
    en = gettext_for("en")
    for text in (rules.CASE_BASIS, rules.VERIFY_BASIS, *cooperation.SHAREABLE_ZH.values()):
        assert en(text) != text and not CJK.search(en(text))


def test_the_checklist_details_follow_the_language(sqlite_db):
    from zhijian.enforcement import oversight

    with sqlite_db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        case = to_notice(s, org, certs, open_case(s, org, certs))
        zh = {i["item"]: i["detail"] for i in oversight.checklist(s, actor_for(org), case.id)}
        en = {i["item"]: i["detail"] for i in oversight.checklist(s, actor_for(org), case.id, lang="en")}
    assert zh["行政处罚告知书"] == "送达 2026-03-20，陈述申辩期限 2026-03-27"
    assert en["行政处罚告知书"] == "served 2026-03-20, response due 2026-03-27"
    assert zh["证据材料"] == "0 件" and en["证据材料"] == "0 item(s)"


def _token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)

