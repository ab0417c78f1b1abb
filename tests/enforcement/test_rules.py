"""The procedure's clocks and gates (pure), each with its article; a property test of the decision gate.

Dates use the 2026 calendar of the State Council's 放假安排 (国办发明电〔2025〕… as shipped in the calendar package):
2026-10-01..07 National Day rest days (so a period across them skips them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhijian.enforcement import rules
from zhijian.platform.calendar import default_calendar
from zhijian.platform.errors import DomainError, InvalidTransition

CAL = default_calendar()
d = dt.date


def test_verification_clock_15_working_days_art18():
    # 程序规定 第十八条: received Mon 2026-11-02 → 15 working days → Mon 2026-11-23
    assert rules.verify_due(CAL, d(2026, 11, 2), extended=False).due == d(2026, 11, 23)
    # +15 with approval → 2026-12-14
    assert rules.verify_due(CAL, d(2026, 11, 2), extended=True).due == d(2026, 12, 14)
    # 检测 time (5 working days 11-09..11-13) is not counted
    assert rules.verify_due(CAL, d(2026, 11, 2), extended=False, excluded=[(d(2026, 11, 9), d(2026, 11, 13))]).due == \
        d(2026, 11, 30)


def test_case_clock_90_days_extension_and_excluded_art64():
    # 立案 2026-03-02 + 90 days = 2026-05-31 (Sunday) → next working day 2026-06-01 (民法典 第二百零三条)
    assert rules.case_due(CAL, d(2026, 3, 2), extension_days=0).due == d(2026, 6, 1)
    # +30 days extension, plus a 10-day 听证 period not counted → 130 days → 2026-07-10
    due = rules.case_due(CAL, d(2026, 3, 2), extension_days=30, excluded=[(d(2026, 4, 1), d(2026, 4, 10))])
    assert due.due == d(2026, 7, 10) and "第六十四条" in due.basis


def test_seizure_30_days_and_response_and_payment():
    # 行政强制法 第二十五条: 30 days from 2026-09-10 → 2026-10-10 (a working Saturday in 2026? it is 班 only if the notice says)
    due = rules.seizure_due(CAL, d(2026, 9, 10), extended=False).due
    assert due == CAL.next_workday(d(2026, 10, 10))
    # 告知书 served Fri 2026-09-25: 5 working days skip the National Day holiday
    assert rules.response_due(CAL, d(2026, 9, 25)).due == CAL.add_working_days(d(2026, 9, 25), 5).due
    assert rules.response_due(CAL, d(2026, 11, 2)).due == d(2026, 11, 9)
    # 行政处罚法 第六十七条: 15 days from receipt
    assert rules.payment_due(CAL, d(2026, 11, 2)).due == d(2026, 11, 17)
    # 第七十二条: 3 % a day, at most the fine
    assert rules.late_surcharge(Decimal(10000), d(2026, 11, 17), d(2026, 11, 27)) == Decimal("3000.00")
    assert rules.late_surcharge(Decimal(10000), d(2026, 11, 17), d(2027, 3, 1)) == Decimal(10000)
    # 第六十四条: hearing at least 7 days after its notice
    assert rules.earliest_hearing(d(2026, 11, 2)) == d(2026, 11, 9)


def test_publication_20_working_days():
    assert rules.publication_due(CAL, d(2026, 11, 2)).due == d(2026, 11, 30)


def test_state_machine_and_officers():
    rules.check_transition("investigating", "review")
    with pytest.raises(InvalidTransition):
        rules.check_transition("investigating", "decided")
    with pytest.raises(DomainError) as exc:
        rules.check_two_officers(["33010020230001", "33010020230001"])
    assert exc.value.code == "enforcement.two_officers"
    with pytest.raises(DomainError) as exc:
        rules.check_two_officers(["abc"])
    assert exc.value.field == "officers"
    assert rules.doc_number("杭市监", "罚", 2026, 12) == "杭市监罚〔2026〕12号"
    assert rules.organ_abbr("杭州市市场监督管理局") == "杭市监"


def test_evidence_chain_detects_edit():
    a = rules.evidence_link("", "f1", "photo", "现场照片", "2026-11-02T10:00")
    b = rules.evidence_link(a, "f2", "inquiry_record", "询问笔录", "2026-11-02T11:00")
    rows = [("", "f1", "photo", "现场照片", "2026-11-02T10:00", a), (a, "f2", "inquiry_record", "询问笔录", "2026-11-02T11:00", b)]
    assert rules.check_chain(rows) is None
    rows[0] = ("", "f1", "photo", "改过的说明", "2026-11-02T10:00", a)
    assert rules.check_chain(rows) == 0


def test_redaction_of_personal_data():
    text = "当事人张三丰，身份证号330106199001011234，电话13812345678，销售不合格电热毯。"
    out = rules.redact(text, ["张三丰"])
    assert "330106199001011234" not in out and "13812345678" not in out and "张三丰" not in out
    assert "张＊＊" in out and "138＊＊＊＊5678" in out
    out = rules.redact("法定代表人李四，联系人：王小明，电话0571-88888888。当事人杭州某某电器有限公司")
    assert "李＊" in out and "王＊＊" in out and "88888888" not in out and "杭州某某电器有限公司" in out


@given(notified=st.one_of(st.none(), st.dates(d(2026, 1, 1), d(2026, 12, 31))),
       on=st.dates(d(2026, 1, 1), d(2027, 3, 31)), waived=st.booleans(), requested=st.booleans(), held=st.booleans())
def test_property_no_decision_without_notice_and_response_period(notified, on, waived, requested, held):
    due = rules.response_due(CAL, notified).due if notified else None
    gate = rules.decision_gate(notified_on=notified, response_due=due, waived=waived, hearing_requested=requested,
                               hearing_held=held, on=on)
    if gate.allowed:
        assert notified is not None and due is not None
        assert waived or on > due
        assert not requested or held


def test_an_excluded_period_has_a_known_kind_and_ends_after_it_starts():
    """除外期间 (程序规定 第十八条第二款, 第六十四条第二款): one check for a lead's 核查 clock and a case's 办案期限."""
    day = dt.date(2026, 3, 2)
    rules.check_excluded("hearing", day, day)  # one day, both ends counted
    assert rules.interval_days([(day, day)]) == 1
    for kind, start, end, code, field in (("holiday", day, day, "enforcement.bad_kind", "kind"),
                                          ("hearing", day, day - dt.timedelta(days=1), "enforcement.bad_interval",
                                           "end")):
        with pytest.raises(DomainError) as err:
            rules.check_excluded(kind, start, end)
        assert (err.value.code, err.value.field) == (code, field)
