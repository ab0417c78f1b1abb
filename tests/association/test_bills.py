"""会费与培训费: 缴费通知书 and 收款收据 as PDF (platform.documents' letter layout, the embedded CJK font), the amount
in capitals, who may read a bill, and hostile text in the payer's name.

大写金额: the worked examples of 中国人民银行《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》 (1997), items 2–5:
¥1409.50 → 壹仟肆佰零玖元伍角; ¥6007.14 → 陆仟零柒元壹角肆分; ¥1680.32 → 壹仟陆佰捌拾元叁角贰分 (the second form
given); ¥107000.53 → 壹拾万零柒仟元伍角叁分 (the second form given); ¥16409.02 → 壹万陆仟肆佰零玖元零贰分;
¥325.04 → 叁佰贰拾伍元零肆分; an amount ending in 元 ends with 整.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from tests import factories
from zhijian.association.common.receipts import rmb_upper
from zhijian.association.members import service as mem
from zhijian.association.members.schemas import ApplicationIn, DecisionIn, PaymentIn
from zhijian.association.training import service as training
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError

HOSTILE = '<img src="/etc/passwd"> A&B <b>粗</b> \x00\x07\x1b[31m 甲<乙 ' + "W" * 5000


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\u200b", "")


@pytest.mark.parametrize(("amount", "upper"), [
    ("1409.50", "壹仟肆佰零玖元伍角"), ("6007.14", "陆仟零柒元壹角肆分"), ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "壹拾万零柒仟元伍角叁分"), ("16409.02", "壹万陆仟肆佰零玖元零贰分"), ("325.04", "叁佰贰拾伍元零肆分"),
    ("5000", "伍仟元整"), ("10", "壹拾元整"), ("1000002.07", "壹佰万零贰元零柒分"), ("100000001", "壹亿零壹元整"),
    ("0.5", "伍角"), ("0", "零元整")])
def test_amount_in_capitals(amount: str, upper: str) -> None:
    assert rmb_upper(amount) == upper


def test_amount_out_of_range() -> None:
    with pytest.raises(DomainError) as e:
        rmb_upper("-1")
    assert e.value.field == "amount"


def _member(s, name: str) -> tuple[Actor, int]:
    ent = factories.enterprise(s, name=name)
    u = factories.user(s, "enterprise", ent)
    me = Actor(u.id, u.username, "enterprise", ent.id)
    m = mem.apply(s, me, ApplicationIn(kind="unit", member_class="理事单位"), on=dt.date(2026, 1, 5))
    mem.decide(s, SYSTEM, m.id, DecisionIn(approve=True), on=dt.date(2026, 1, 10))
    [d] = mem.dues_of(s, me)
    return me, d.id


def test_dues_invoice_then_receipt(db, client, login):
    with db.session() as s:
        me, dues_id = _member(s, f"票据测试{factories.uid()}有限公司")
        other, _ = _member(s, f"别家{factories.uid()}有限公司")
        invoice = _text(mem.dues_bill(s, me, dues_id))
        d = mem.dues_of(s, me)[0]
        assert "缴费通知书" in invoice and d.invoice_no in invoice and "中国质量检验协会" in invoice
        assert d.amount == 5000 and "伍仟元整" in invoice and "¥5,000.00" in invoice  # 理事单位 dues (members.rules)
        with pytest.raises(DomainError) as e:
            mem.dues_bill(s, other, dues_id)  # another member: as if it did not exist
        assert e.value.status == 404
        mem.record_payment(s, SYSTEM, dues_id, PaymentIn(paid_on=dt.date(2026, 3, 2), payment_ref="BANK-778"))
        receipt = _text(mem.dues_bill(s, SYSTEM, dues_id))
        assert "收款收据" in receipt and "伍仟元整" in receipt and "BANK-778" in receipt and "2026-03-02" in receipt
    staff = login("association")
    r = client.get(f"/api/v1/association/members/dues/{dues_id}/bill.pdf", headers=staff)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and "收款收据" in _text(r.content)
    assert client.get(f"/console/association/members/dues/{dues_id}/bill.pdf", headers=staff).status_code == 200
    assert client.get("/api/v1/association/members/dues/999999999/bill.pdf", headers=staff).status_code == 404
    with db.session() as s:
        stranger = factories.enterprise(s)
    assert client.get(f"/api/v1/association/members/dues/{dues_id}/bill.pdf",
                      headers=login("enterprise", stranger)).status_code == 404


def test_hostile_payer(sqlite_db):
    """The payer's name with markup, controls and a 5,000-character run: the PDF is made, the markup printed as
    text (nothing of /etc/passwd embedded), no control character reaches the page."""
    with sqlite_db.session() as s:
        me, dues_id = _member(s, f"正常{factories.uid()}")
        from zhijian.association.members.models import Member, MemberDues

        d = s.get(MemberDues, dues_id)
        s.get(Member, d.member_id).name = HOSTILE  # as a register import could have stored it
        text = _text(mem.dues_bill(s, me, dues_id)).replace("\n", "")
    assert '<img src="/etc/passwd">' in text and "A&B" in text and "<b>粗</b>" in text and "甲<乙" in text
    # (pypdf reads the zero-width break pdf_text puts into a long run as NUL: only between the W's)
    assert not any(ch in text.replace("W\x00W", "WW") for ch in "\x00\x07\x1b")
    assert 10 < text.count("W") < 200  # the 5,000-character run is cut (the payer line stays on the page)


def test_training_fee_bill(db):
    with db.session() as s:
        code = f"C{factories.uid()}"
        training.create_course(s, SYSTEM, training.CourseIn(code=code, title="测量不确定度评定", kind="online", hours=8,
                                                            fee=1680.32))
        free = f"F{factories.uid()}"
        training.create_course(s, SYSTEM, training.CourseIn(code=free, title="免费课", kind="online", hours=2))
        u, v = factories.user(s, "public"), factories.user(s, "public")
        me, stranger = Actor(u.id, u.username, "public"), Actor(v.id, v.username, "public")
        e = training.sign_up(s, me, code)
        assert e.fee == 1680.32 and e.invoice_no and e.invoice_no.startswith(f"PX{dt.date.today().year}")
        invoice = _text(training.enrolment_bill(s, me, e.id))
        assert "缴费通知书" in invoice and "壹仟陆佰捌拾元叁角贰分" in invoice and "测量不确定度评定" in invoice
        with pytest.raises(DomainError) as err:
            training.enrolment_bill(s, stranger, e.id)
        assert err.value.status == 404
        with pytest.raises(DomainError) as err:
            training.record_fee_payment(s, me, e.id, training.FeePaymentIn())
        assert err.value.status in (401, 403)  # only the secretariat records payments
        training.record_fee_payment(s, SYSTEM, e.id, training.FeePaymentIn(payment_ref="WX-1"))
        assert "收款收据" in _text(training.enrolment_bill(s, me, e.id))
        with pytest.raises(DomainError) as err:
            training.record_fee_payment(s, SYSTEM, e.id, training.FeePaymentIn())
        assert err.value.code == "association.course.already_paid"
        gratis = training.sign_up(s, me, free)
        assert gratis.invoice_no is None
        with pytest.raises(DomainError) as err:
            training.enrolment_bill(s, me, gratis.id)
        assert err.value.status == 404
        assert [x.invoice_no for x, _ in training.billed_enrolments(s, me)] == [e.invoice_no]
