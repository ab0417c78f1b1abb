"""Issue 15, item 1: `zhijian complaints …` for the enterprise path and the procedure of 《市场监督管理投诉举报处理暂行
办法》 (SAMR Order No. 20) on a real SQLite database — link, forward, the enterprise's answer, consent (Art. 16),
termination with its notice due in 7 working days (Art. 21), non-acceptance with an Art. 15 ground, split (Art. 7),
lead (Art. 23), the 90-day case period and its extension (《市场监督管理行政处罚程序规定》), compensation
(消法第五十五条, 食安法第一百四十八条); bad input is one line and exit 2. Before, none of these commands existed."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from tests import factories
from zhijian.consumer import service
from zhijian.consumer.models import Complaint
from zhijian.consumer.schemas import ComplaintIn, ConsumerResponseIn, TransitionIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli import app

runner = CliRunner()
BODY = {"kind": "complaint", "complainant_name": "王丽", "complainant_phone": "13800001111",
        "complainant_address": "杭州市西湖区文三路1号", "facts": "电水壶底座漏电", "requests": ["refund"],
        "product_text": "电水壶", "request_amount": 199}


def _ok(args: list[str]) -> str:
    r = runner.invoke(app, ["complaints", *args])
    assert r.exit_code == 0, r.output
    return r.output


def _bad(args: list[str], code: str) -> str:
    r = runner.invoke(app, ["complaints", *args])
    assert r.exit_code == 2, r.output
    assert code in r.output and len(r.output.strip().splitlines()) == 1, r.output
    return r.output


def _file(db, **extra) -> tuple[int, str]:
    with db.session(SYSTEM) as s:
        c, code = service.submit_complaint(s, SYSTEM, ComplaintIn.model_validate(BODY | extra))
        return c.id, code


def test_link_forward_answer_consent_terminate(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session(SYSTEM) as s:
        ent = factories.enterprise(s, name=f"杭州{factories.uid()}电器有限公司")
        eid = ent.id
    cid, code = _file(sqlite_db, respondent_name="一家没登记的店", received_on="2026-03-02")
    _bad(["forward", str(cid), "--on", "2026-03-03"], "complaint.invalid_transition")  # not accepted yet
    _ok(["accept", str(cid), "--on", "2026-03-02"])
    _bad(["forward", str(cid), "--on", "2026-03-03"], "complaint.no_respondent")  # not linked: the old failure
    out = _ok(["link", str(cid), str(eid), "--note", "电话核实"])
    assert f"linked to enterprise {eid}" in out
    # 10 working days for the enterprise (12315 practice): 2026-03-03 (Tue) → 2026-03-17
    assert "answer due 2026-03-17" in _ok(["forward", str(cid), "--on", "2026-03-03"])
    _bad(["answer", str(cid), "--enterprise", str(eid), "--response", "settlement", "--text", "退一半"],
         "complaint.amount_required")
    _bad(["answer", str(cid), "--enterprise", str(eid), "--response", "maybe", "--text", "x"], "validation.invalid")
    r = runner.invoke(app, ["complaints", "answer", str(cid), "--enterprise", str(eid + 10_000), "--response",
                            "answer", "--text", "x"])
    assert r.exit_code == 2 and "complaint.not_found" in r.output  # another enterprise does not see it
    out = _ok(["answer", str(cid), "--enterprise", str(eid), "--response", "settlement", "--text", "退一半",
               "--amount", "99.5"])
    assert "settlement 99.50 元" in out
    with sqlite_db.session(SYSTEM) as s:
        no = s.get(Complaint, cid).tracking_no
        service.consumer_respond(s, ConsumerResponseIn(tracking_no=no, check_code=code, response="mediation"))
    _bad(["mediate", str(cid), "--on", "2026-03-05"], "complaint.consent")  # Art. 16: the respondent has not agreed
    _bad(["consent", str(cid), "--party", "witness"], "validation.invalid")
    out = _ok(["consent", str(cid), "--party", "respondent"])
    assert "complainant=True respondent=True" in out
    _ok(["mediate", str(cid), "--on", "2026-03-05"])
    _bad(["terminate", str(cid), "--code", "tired", "--on", "2026-03-09"], "complaint.bad_ground")
    # Art. 21: notice within 7 working days of 2026-03-09 (Mon) → 2026-03-18 (Wed)
    data = json.loads(_ok(["terminate", str(cid), "--code", "no_agreement", "--on", "2026-03-09", "--send-notice",
                           "--json"]))
    assert data["state"] == "closed" and data["termination_code"] == "no_agreement"
    assert data["notice_due_on"] == "2026-03-18" and "第二十一条第四项" in data["notice"]


def test_reject_with_art15_ground_and_the_three_year_limit(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    # knew on 2022-12-01, filed 2026-03-02: more than three years (Art. 15(4)) — accepting it is refused
    cid, _ = _file(sqlite_db, respondent_name="某商店", received_on="2026-03-02", knew_on="2022-12-01")
    _bad(["accept", str(cid), "--on", "2026-03-02"], "complaint.time_limit")
    _bad(["reject", str(cid), "--code", "because", "--reason", "超过三年"], "complaint.bad_ground")
    out = _ok(["reject", str(cid), "--code", "time_limit", "--reason", "超过三年", "--on", "2026-03-03"])
    assert "不予受理 第十五条第四项" in out
    with sqlite_db.session(SYSTEM) as s:
        c = s.get(Complaint, cid)
        assert c.state == "rejected" and c.rejected_code == "time_limit" and c.notice_sent_on == dt.date(2026, 3, 3)


def test_split_lead_and_extension_of_a_filed_report(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    cid, _ = _file(sqlite_db, respondent_name="某超市", received_on="2026-03-02")
    data = json.loads(_ok(["split", str(cid), "--facts", "该超市销售过期食品", "--json"]))
    assert data["kind"] == "report" and data["tracking_no"].startswith("JB") and len(data["check_code"]) == 6
    # a report is checked within 15 working days of receipt: 2026-03-02 → 2026-03-23
    assert data["due_on"] == "2026-03-23"
    _bad(["split", str(cid), "--facts", ""], "validation.invalid")
    _bad(["lead", str(cid), "--facts", "线索"], "complaint.cannot_hand_over")  # not accepted yet
    _ok(["accept", str(cid), "--on", "2026-03-02"])
    _bad(["lead", str(cid), "--facts", "线索", "--found-on", "2026-03-01"], "complaint.bad_date")  # before receipt
    lead = json.loads(_ok(["lead", str(cid), "--facts", "调解中发现无中文标签", "--found-on", "2026-03-04", "--json"]))
    assert lead["received_on"] == "2026-03-04" and lead["due_on"] == "2026-03-25"  # Art. 23: 15 working days
    rid = data["id"]
    _bad(["extend", str(rid), "--days", "30", "--approved-by", "局长", "--reason", "案情复杂"], "complaint.not_filed")
    with sqlite_db.session(SYSTEM) as s:
        service.transition(s, SYSTEM, rid, TransitionIn(to="accepted", on=dt.date(2026, 3, 2)))
        service.transition(s, SYSTEM, rid, TransitionIn(to="decided", decision="filed", on=dt.date(2026, 3, 2)))
        # 90 days from 2026-03-02 is Sun 2026-05-31 → the next working day, 2026-06-01
        assert s.get(Complaint, rid).case_due_on == dt.date(2026, 6, 1)
    _bad(["extend", str(rid), "--days", "0", "--approved-by", "局长", "--reason", "x"], "validation.invalid")
    _bad(["extend", str(rid), "--days", "45", "--approved-by", "局长", "--reason", "案情复杂"], "complaint")
    out = _ok(["extend", str(rid), "--days", "30", "--approved-by", "局长", "--reason", "案情复杂"])
    assert "case due 2026-06-30 (1 extension(s))" in out  # 120 days from 2026-03-02


def test_compensation_figures_from_the_statutes():
    # 消法第五十五条: 3 × 200 = 600 增加赔偿 + the price 200 → 800; 3 × 100 = 300 < 500 → 500 (+100 → 600)
    assert "增加赔偿 600.00 元，合计 800.00 元" in _ok(["compensation", "--price", "200", "--fraud"])
    assert "增加赔偿 500.00 元，合计 600.00 元" in _ok(["compensation", "--price", "100", "--fraud"])
    assert "不适用（未认定经营者有欺诈行为）" in _ok(["compensation", "--price", "100"])
    # 食安法第一百四十八条: max(10 × 50, 3 × 0, 1000) = 1000; max(10 × 150, 3 × 800) = 2400 (+ loss 800 → 3200)
    out = _ok(["compensation", "--price", "50", "--food", "--unsafe-food"])
    assert "《食品安全法》第一百四十八条第二款: 适用 增加赔偿 1000.00 元" in out
    out = _ok(["compensation", "--price", "150", "--loss", "800", "--food", "--unsafe-food"])
    assert "增加赔偿 2400.00 元，合计 3200.00 元" in out
    assert "经营者不是生产者且未证明其明知" in _ok(["compensation", "--price", "50", "--food", "--unsafe-food",
                                                 "--seller-unaware"])
    _bad(["compensation", "--price", "-5"], "validation.invalid")


def test_compensation_recorded_on_a_case_and_overdue(sqlite_db, monkeypatch):
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    cid, _ = _file(sqlite_db, respondent_name="某商店", received_on="2026-03-02")
    _ok(["accept", str(cid), "--on", "2026-03-02"])
    _ok(["compensation", "--price", "200", "--fraud", "--complaint", str(cid)])
    with sqlite_db.session(SYSTEM) as s:
        assert s.get(Complaint, cid).compensation_basis[0]["punitive"] == 600.0
    _bad(["compensation", "--price", "200", "--complaint", "999999999"], "not_found")
    # accepted 2026-03-02: mediation ends 45 working days later; long overdue by 2026-12-01
    out = _ok(["overdue", "--on", "2026-12-01"])
    with sqlite_db.session(SYSTEM) as s:
        assert s.get(Complaint, cid).tracking_no in out
