"""The association's complaint/report statistics: counts by category and province read through the consumer
room's contract (``complaint_records``), with no reporter identity anywhere in the answer (《市场监督管理投诉举报处理
暂行办法》 Art. 33: only the handling staff see a reporter's identity, never the association) and counts of 1–2
shown as "<3"."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from zhijian.association.campaigns import complaint_stats as cs
from zhijian.consumer.schemas import ComplaintIn
from zhijian.consumer.service import submit_complaint
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError

REPORTER = "举报人甲乙丙"
PHONE = "13900001111"


def _file(s, cat_id: int, region: str, kind: str = "report") -> None:  # type: ignore[no-untyped-def]
    extra = {"requests": ["refund"], "complainant_address": "杭州市西湖区某路1号"} if kind == "complaint" else {}
    submit_complaint(s, SYSTEM, ComplaintIn(kind=kind, complainant_name=REPORTER, complainant_phone=PHONE,  # type: ignore[arg-type]
                                            complainant_region=region, respondent_name="某电器有限公司",
                                            category_id=cat_id, facts="电热水壶漏电", **extra))


def test_pure_aggregate_suppresses_small_cells() -> None:
    day = dt.date(2026, 3, 15)
    recs = [(i, day, "report", 7, None, None, "330106", i % 2 == 0, i == 0) for i in range(4)]
    recs += [(10, day, "complaint", 7, None, None, "650102", True, False), (11, day, "report", None, None, None, None,
                                                                             False, False),
             (12, dt.date(2025, 1, 1), "report", 7, None, None, "330106", False, False)]  # outside the period
    st = cs.aggregate(recs, {7: "电热水壶"}, dt.date(2026, 1, 1), day)
    assert (st.total_complaints, st.total_reports) == (1, 5)  # totals exact
    kettle = next(r for r in st.by_category if r.label == "电热水壶")
    assert (kettle.complaints, kettle.reports, kettle.justified, kettle.hazard) == (None, 4, 3, None)
    assert [r.label for r in st.by_province] == ["浙江", "新疆", "—"]
    assert st.provinces == ["浙江", "新疆", "—"] and dict(st.cross)["电热水壶"] == [4, None, 0]
    assert cs.shown(0) == 0 and cs.shown(2) is None and cs.shown(3) == 3


def test_statistics_through_the_contract_without_identities(db, client, login):
    with db.session() as s:
        cat = factories.category(s, name=f"统计类别{factories.uid()}")
        for _ in range(3):
            _file(s, cat.id, "330106")
        _file(s, cat.id, "650100")
        _file(s, cat.id, "330106", kind="complaint")
        st = cs.complaint_statistics(s, SYSTEM)
        row = next(r for r in st.by_category if r.label == cat.name)
        assert (row.reports, row.complaints) == (4, None)  # 4 reports; 1 complaint shown as "<3"
        cells = dict(zip(st.provinces, dict(st.cross)[cat.name], strict=True))
        assert cells["浙江"] == 4 and cells["新疆"] is None  # 3 reports + 1 complaint in 浙江; one report in 新疆
        regulator = Actor(None, "r", "regulator", None)
        with pytest.raises(DomainError) as err:
            cs.complaint_statistics(s, regulator)
        assert err.value.status == 403
        with pytest.raises(DomainError) as err:
            cs.complaint_statistics(s, SYSTEM, start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1))
        assert err.value.field == "start"
    staff = login("association")
    r = client.get("/api/v1/association/complaint-statistics", headers=staff)
    assert r.status_code == 200 and r.json()["suppressed_below"] == 3
    assert REPORTER not in r.text and PHONE not in r.text and "某路" not in r.text
    page = client.get("/console/association/complaint-statistics", headers=staff)
    assert page.status_code == 200 and cat.name in page.text and "&lt;3" in page.text
    assert REPORTER not in page.text and PHONE not in page.text
    assert client.get("/api/v1/association/complaint-statistics?start=2026-13-01", headers=staff).status_code == 422
    with db.session() as s:
        lab = factories.lab(s)
    assert client.get("/console/association/complaint-statistics", headers=login("inspector", lab)).status_code == 403
    assert client.get("/api/v1/association/complaint-statistics", headers=login("inspector", lab)).status_code == 403
