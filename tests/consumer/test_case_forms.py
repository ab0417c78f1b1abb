"""Issue 15, item 2: console forms on the case page for 赔偿测算 (the statutory computation shown), 违法线索转举报
(Art. 23), 拆分举报 (Art. 7), 延长办案期限 and 指定承办人 — each calls the service function of the API and CLI; a rule
refusal re-renders the page (422) with the message under its field and the typed values kept. Before, none of the
first four forms existed and a refused assignment was a redirect with the message in the URL and the input lost."""

from __future__ import annotations

import datetime as dt
import re

from tests import factories
from tests.web.test_pages import csrf, web_login
from zhijian.consumer import service
from zhijian.consumer.models import Complaint
from zhijian.consumer.schemas import ComplaintIn, TransitionIn
from zhijian.platform.auth import SYSTEM

BODY = {"kind": "complaint", "complainant_name": "陈静", "complainant_phone": "13700001234",
        "complainant_address": "宁波市海曙区中山西路 1 号", "facts": "月饼霉变", "requests": ["compensation"],
        "product_text": "月饼", "request_amount": 200}


def _field_error(html: str, name: str) -> str:
    m = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html)
    assert m, f"no error under {name}"
    return m.group(1)


def _post(client, page: str, action: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(f"{page}/{action}", data={"csrf_token": csrf(client, page), **data}, follow_redirects=False)


def test_compensation_lead_split_and_assign_forms(client, db):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s, region="330106")
        c, _code = service.submit_complaint(s, SYSTEM, ComplaintIn.model_validate(
            BODY | {"respondent_id": ent.id, "received_on": dt.date(2026, 3, 2)}))
        service.transition(s, SYSTEM, c.id, TransitionIn(to="accepted", on=dt.date(2026, 3, 2)))
        cid = c.id
    web_login(client, db, "regulator")
    page = f"/console/complaints/{cid}"
    html = client.get(page).text
    assert 'id="form-compensation"' in html and 'id="form-lead"' in html and 'id="form-split"' in html
    assert 'name="price" type="number" value="200.00"' in html  # prefilled with the amount the consumer asked

    # 赔偿测算: a negative price is refused at its field, the typed values stay
    r = _post(client, page, "compensation", price="-5", loss="12", fraud="1")
    assert r.status_code == 422 and _field_error(r.text, "price") == "数值超出范围"
    assert 'name="price" type="number" value="-5"' in r.text and 'name="loss" type="number" value="12"' in r.text
    assert re.search(r'id="fraud" name="fraud" value="1" checked', r.text)
    # 消法第五十五条: max(3 × 200, 500) = 600 增加赔偿, 800 with the price; 食安法第一百四十八条: max(10 × 200, 3 × 0,
    # 1000) = 2000 增加赔偿 — listed first as the larger applicable basis
    r = _post(client, page, "compensation", price="200", fraud="1", food="1", unsafe_food="1")
    assert r.status_code == 200, r.text[:300]
    table = r.text[r.text.index('id="compensation-result"'):]
    assert table.index("《食品安全法》第一百四十八条第二款") < table.index("《消费者权益保护法》第五十五条第一款")
    assert "max(3 × 200.00, 500) = 600.00" in table and ">800.00<" in table and ">2000.00<" in table
    assert "仅供调解参考，未记入案件" in table
    with db.session() as s:
        assert not s.get(Complaint, cid).compensation_basis
    r = _post(client, page, "compensation", price="100", fraud="1", record="1")  # 3 × 100 < 500 → 500
    assert r.status_code == 200 and "max(3 × 100.00, 500) = 500；" in r.text and "已记入案件" in r.text
    with db.session() as s:
        assert s.get(Complaint, cid).compensation_basis[0]["punitive"] == 500.0

    # 违法线索: a discovery date before the date of receipt is refused at found_on, the facts typed are kept
    r = _post(client, page, "lead", lead_facts="无中文标签的进口月饼", found_on="2026-03-01")
    assert r.status_code == 422 and _field_error(r.text, "found_on") == "发现日期应在登记之后、今天之前"
    assert ">无中文标签的进口月饼</textarea>" in r.text and 'name="found_on" type="date" value="2026-03-01"' in r.text
    r = _post(client, page, "lead", lead_facts="无中文标签的进口月饼", found_on="2026-03-04")
    assert r.status_code == 303
    lead_id = int(r.headers["location"].rsplit("/", 1)[1])
    with db.session() as s:
        lead = s.get(Complaint, lead_id)
        # Art. 23: checked within 15 working days of discovery, 2026-03-04 → 2026-03-25
        assert lead.kind == "report" and lead.origin_id == cid and lead.due_on == dt.date(2026, 3, 25)

    # 拆分举报: empty facts refused at the field; then the report's number and check code shown once
    r = _post(client, page, "split", split_facts="")
    assert r.status_code == 422 and _field_error(r.text, "split_facts") == "内容过短"
    r = _post(client, page, "split", split_facts="该店销售过期月饼")
    assert r.status_code == 200
    m = re.search(r"已拆分为举报 (JB\d{14})，查询码 ([2-9A-Z]{6})", r.text)
    assert m, r.text[:2000]
    with db.session() as s:
        rep = s.query(Complaint).filter(Complaint.tracking_no == m.group(1)).one()
        assert service.track(s, m.group(1), m.group(2)).id == rep.id and rep.origin_kind == "split"

    # 指定承办人: an unknown user is refused at the field, the choice kept
    r = _post(client, page, "assign", assignee_user_id="999999999")
    assert r.status_code == 422 and "999999999" in _field_error(r.text, "assignee_user_id")
    assert _post(client, page, "assign", assignee_user_id="x").status_code == 422
    assert _post(client, page, "assign", assignee_user_id="me").status_code == 303


def test_case_extension_form(client, db):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s, region="330106")
        r, _code = service.submit_complaint(s, SYSTEM, ComplaintIn.model_validate({
            "kind": "report", "respondent_id": ent.id, "facts": "销售无证电线", "anonymous": True,
            "received_on": dt.date(2026, 3, 2)}))
        service.transition(s, SYSTEM, r.id, TransitionIn(to="accepted", on=dt.date(2026, 3, 2)))
        service.transition(s, SYSTEM, r.id, TransitionIn(to="decided", decision="filed", on=dt.date(2026, 3, 2)))
        rid = r.id
    web_login(client, db, "regulator")
    page = f"/console/complaints/{rid}"
    html = client.get(page).text
    assert "办案期限至 2026-06-01" in html  # 90 days from 2026-03-02 is Sunday 2026-05-31 → Monday
    # the head alone may extend by at most 30 days (《市场监督管理行政处罚程序规定》)
    r = _post(client, page, "case-extension", ext_days="45", ext_approved_by="张局长", ext_reason="需检验鉴定")
    assert r.status_code == 422 and _field_error(r.text, "ext_days") == "经负责人批准最多延长 30 日"
    assert 'value="45"' in r.text and 'value="张局长"' in r.text and ">需检验鉴定</textarea>" in r.text
    r = _post(client, page, "case-extension", ext_days="30", ext_approved_by="", ext_reason="需检验鉴定")
    assert r.status_code == 422 and _field_error(r.text, "ext_approved_by") == "内容过短"
    assert _post(client, page, "case-extension", ext_days="30", ext_approved_by="张局长",
                 ext_reason="需检验鉴定").status_code == 303
    html = client.get(page).text
    assert "办案期限至 2026-06-30" in html and "延长 30 日" in html  # 120 days from filing
    # a further extension needs the heads' collective decision
    r = _post(client, page, "case-extension", ext_days="15", ext_approved_by="局务会", ext_reason="案情复杂")
    assert r.status_code == 422 and _field_error(r.text, "ext_collective") == "再次延期须经负责人集体讨论决定"
