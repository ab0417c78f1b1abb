"""询问笔录 as a numbered PDF (程序规定 第三十一条) and the 严重违法失信名单 proposal of a published decision (SAMR Order
No. 44, 2021, Art. 2 with Arts 5–8), through the service on every backend, the API and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import factories
from tests.enforcement.helpers import actor_for, officers, open_case, organ
from zhijian.enforcement import inquiry, listing, procedure, rules
from zhijian.enforcement.models import Evidence, Step
from zhijian.enforcement.schemas import (
    DecideIn,
    FactsIn,
    InquiryIn,
    LegalReviewIn,
    NotifyIn,
    PayIn,
    ResponseIn,
    ReviewIn,
    ServeIn,
)
from zhijian.platform.errors import DomainError

d = dt.date
# GB 11643-1999 Appendix example style: 11010519491231002 → check character X (the standard's worked example)
ID_NO = "11010519491231002X"


def _pdf_text(data: bytes) -> tuple[int, list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [p.extract_text() or "" for p in reader.pages]


def _inquiry(certs: list[str], n: int = 2, **kw: object) -> InquiryIn:
    base: dict[str, object] = dict(
        officers=certs, interviewee_name="张某某", interviewee_id_no=ID_NO, interviewee_role="legal_rep",
        interviewee_phone="13800000000", started_at=dt.datetime(2026, 3, 5, 9, 30),
        ended_at=dt.datetime(2026, 3, 5, 11, 5), place="杭州市西湖区文三路1号当事人经营场所",
        qa=[{"q": f"第{i + 1}个问题：涉案电热毯的进货来源、数量和销售价格？", "a": "从某某厂进货200条，每条售价90元。" * 3}
            for i in range(n)])
    base.update(kw)
    return InquiryIn.model_validate(base)


def test_id_check_character_and_mask():
    """GB 11643-1999 MOD 11-2: 11010519491231002 → X; any public form keeps the first 6 and the last 4."""
    assert rules.id_check_char("11010519491231002") == "X"
    assert rules.parse_id_no("11010519491231002x") == ID_NO
    with pytest.raises(DomainError) as e:
        rules.parse_id_no("110105194912310021")
    assert e.value.field == "interviewee_id_no" and "校验位" in e.value.message_zh
    assert rules.mask_id(ID_NO) == "110105********002X"


def test_inquiry_record_numbered_chained_and_pdf_signed_on_every_page(db):
    with db.session() as s:
        org = organ(s, "330100", name=f"杭州市市场监督管理局{factories.uid()}")
        certs = officers(s, org)
        case = open_case(s, org, certs)
        step = inquiry.record_inquiry(s, actor_for(org), case.id, _inquiry(certs, n=40))
        out = inquiry.inquiry_out(step)
        assert out.number.startswith("杭市监询〔2026〕") and out.number.endswith("号")
        assert out.interviewee_id_no == "110105********002X" and out.questions == 40 and out.recorder == certs[1]
        ev = s.scalar(select(Evidence).where(Evidence.case_id == case.id, Evidence.seq == out.evidence_seq))
        assert ev.kind == "inquiry_record" and out.number in ev.description and len(ev.file_hash) == 64
        assert procedure.evidence(s, actor_for(org), case.id)[1] is None  # the chain holds
        pages, texts = _pdf_text(inquiry.inquiry_pdf(s, case, step))
        assert pages >= 2  # 40 long answers run over several pages
        for i, t in enumerate(texts, 1):  # 第三十一条: 逐页签名 — the confirmation line on EVERY page
            flat = t.replace(" ", "").replace("\n", "")
            assert rules.INQUIRY_SIGN_LINE in flat and "被询问人签名" in flat, i
            assert f"第{i}页共{pages}页" in flat
        first = texts[0].replace(" ", "").replace("\n", "")
        assert "询问笔录" in first and ID_NO in first and certs[0] in first and "2026年3月5日9时30分" in first
        _, pub = _pdf_text(inquiry.inquiry_pdf(s, case, step, public=True))
        assert ID_NO not in "".join(pub).replace(" ", "") and "110105********002X" in pub[0].replace(" ", "")
        second = inquiry.record_inquiry(s, actor_for(org), case.id, _inquiry(certs, n=1, interviewee_role="witness"))
        assert int(second.data["number"].split("〕")[1][:-1]) == int(out.number.split("〕")[1][:-1]) + 1


@pytest.mark.parametrize(("change", "field"), [
    ({"interviewee_id_no": "110105194912310021"}, "interviewee_id_no"),
    ({"ended_at": dt.datetime(2026, 3, 5, 9, 0)}, "ended_at"),
    ({"place": "  "}, "place"),
    ({"interviewee_role": "boss"}, "interviewee_role"),
    ({"started_at": dt.datetime(2026, 2, 1, 9, 0), "ended_at": dt.datetime(2026, 2, 1, 10, 0)}, "started_at"),
])
def test_inquiry_bad_input_names_the_field(sqlite_db, change, field):
    with sqlite_db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        case = open_case(s, org, certs)
        with pytest.raises(DomainError) as e:
            inquiry.record_inquiry(s, actor_for(org), case.id, _inquiry(certs, **change))
        assert e.value.field == field and e.value.status == 422


def test_inquiry_needs_two_officers_of_the_organ(sqlite_db):
    with sqlite_db.session() as s:
        org, other = organ(s, "330100"), organ(s, "330100")
        certs, foreign = officers(s, org), officers(s, other)
        case = open_case(s, org, certs)
        with pytest.raises(DomainError) as e:
            inquiry.record_inquiry(s, actor_for(org), case.id, _inquiry([certs[0], foreign[0]]))
        assert e.value.field == "officers"


def _published(s, *, violation: str = "PQL-49", circumstances: tuple[str, ...] = ("harm",), serious: bool = True,
               fine: int = 55000, first: str | None = None):  # type: ignore[no-untyped-def]
    """A case decided, paid and published: 货值 20 000 元 under 产品质量法 第四十九条 (1–3 倍 → 20 000–60 000 元)."""
    org = organ(s, "330100", name=f"{first or chr(0x4E00 + random.randrange(20000))}市市场监督管理局{factories.uid()}")
    certs = officers(s, org)
    a = actor_for(org)
    party = factories.enterprise(s, region="330106")
    case = open_case(s, org, certs, party=party, violation=violation)
    procedure.submit_review(s, a, case.id, ReviewIn(
        officers=certs, on=d(2026, 3, 17), violation_code=violation, proposed_fine=fine,
        facts=FactsIn(goods_value=20000, circumstances=list(circumstances), serious=serious)))
    procedure.notify(s, a, case.id, NotifyIn(officers=certs, served_on=d(2026, 3, 20)))
    if case.legal_review:
        procedure.legal_review(s, a, case.id, LegalReviewIn(reviewer="法规科 李某", opinion="同意", on=d(2026, 3, 21)))
    procedure.respond(s, a, case.id, ResponseIn(waive=True, on=d(2026, 3, 23)))
    procedure.decide(s, a, case.id, DecideIn(officers=certs, fine=fine, approver="局长 王某", on=d(2026, 3, 24)))
    procedure.serve(s, a, case.id, ServeIn(officers=certs, method="direct", served_on=d(2026, 3, 25)))
    procedure.record_payment(s, a, case.id, PayIn(paid_on=d(2026, 3, 30), amount=Decimal(fine)))
    procedure.publish(s, a, case.id, d(2026, 4, 1))
    return org, a, party, case


def test_aggravated_fine_for_a_quality_violation_is_proposed_and_listed_through_consumer(db):
    """Order 44 Art. 2 (较重行政处罚: 从重 fine) + Art. 7 (不符合保障人体健康和人身、财产安全标准的产品) + 情节严重:
    publication records the proposal; the organ's decision after the notice lists through consumer `add_listing`."""
    from zhijian.consumer.models import CreditListing

    with db.session() as s:
        org, a, party, case = _published(s)
        st = listing.status(s, a, case.id)
        assert st.state == "proposed" and st.articles[0] == "第二条" and "第七条" in st.articles[1]
        assert st.proposed_on == d(2026, 4, 1) and "从重" in st.reason and "拟列入严重违法失信名单" in case.credit_record
        with pytest.raises(DomainError) as e:  # the listing decision follows the notice of intended listing
            listing.list_serious(s, a, case.id, notified_on=d(2026, 4, 10), on=d(2026, 4, 8), approver="局长 王某")
        assert e.value.field == "notified_on"
        st = listing.list_serious(s, a, case.id, notified_on=d(2026, 4, 2), on=d(2026, 4, 15), approver="局长 王某")
        assert st.state == "listed" and st.listed_on == d(2026, 4, 15) and st.listing_id
        row = s.get(CreditListing, st.listing_id)
        assert (row.enterprise_id, row.kind, row.decision_no, row.authority) == (party.id, "serious", case.decision_no,
                                                                              org.name)
        with pytest.raises(DomainError) as e:
            listing.list_serious(s, a, case.id, notified_on=d(2026, 4, 2), on=d(2026, 4, 15), approver="局长 王某")
        assert e.value.code == "enforcement.already_listed"


@pytest.mark.parametrize(("violation", "circ", "serious", "fine", "why"), [
    ("PQL-49", (), True, 30000, "较重行政处罚"),  # ordinary tier (30 000 of 20 000–60 000)
    ("PQL-49", ("harm",), False, 55000, "情节严重"),  # 从重 fine but no finding of 情节严重
    ("PQL-54", ("harm",), True, 0, "第五条至第八条"),  # 标识 violation: not among Arts 5–8
])
def test_decisions_below_the_criteria_are_not_proposed(sqlite_db, violation, circ, serious, fine, why):
    with sqlite_db.session() as s:
        if violation == "PQL-54":
            verdict = rules.serious_listing(violation_code="PQL-54", tier="aggravated", measures=[], serious=True)
            assert not verdict.meets and why in verdict.reason
            return
        _, a, _, case = _published(s, violation=violation, circumstances=circ, serious=serious, fine=fine)
        st = listing.status(s, a, case.id)
        assert st.state == "not_met" and why in st.reason
        assert s.scalar(select(Step.id).where(Step.case_id == case.id, Step.kind == "listing_proposal")) is None
        with pytest.raises(DomainError) as e:
            listing.list_serious(s, a, case.id, notified_on=d(2026, 4, 2), on=d(2026, 4, 15), approver="局长")
        assert e.value.status == 409


def test_heavy_measure_meets_art2_without_an_aggravated_fine():
    """Art. 2 第二款: 吊销许可证件 is a 较重行政处罚 whatever the fine's tier (食品: Art. 5)."""
    v = rules.serious_listing(violation_code="FSL-123", tier="ordinary", measures=["吊销许可证"], serious=True)
    assert v.meets and "第五条" in v.articles[1] and "吊销" in v.reason


def test_inquiry_and_listing_through_the_api(client, db, login):
    with db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        case = open_case(s, org, certs)
        oid, cid = org.id, case.id
    h = login("regulator", SimpleNamespace(id=oid))
    body = json.loads(_inquiry(certs, n=2).model_dump_json())
    r = client.post(f"/api/v1/enforcement/cases/{cid}/inquiries", json=body, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["interviewee_id_no"] == "110105********002X" and ID_NO not in r.text
    r = client.get(f"/api/v1/enforcement/cases/{cid}/inquiries/{out['id']}.pdf", headers=h)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    bad = dict(body, interviewee_id_no="110105194912310021")
    r = client.post(f"/api/v1/enforcement/cases/{cid}/inquiries", json=bad, headers=h)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "interviewee_id_no" in r.text
    r = client.get(f"/api/v1/enforcement/cases/{cid}/serious-listing", headers=h)
    assert r.status_code == 200 and r.json()["state"] == "not_met"
    r = client.post(f"/api/v1/enforcement/cases/{cid}/serious-listing", headers=h,
                    json={"notified_on": "2026-04-02", "approver": "局长"})
    assert r.status_code == 409


def test_inquiry_through_the_cli(sqlite_db, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from zhijian.platform.cli import app

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        org = organ(s, "330100")
        certs = officers(s, org)
        cid = open_case(s, org, certs).id
    f = tmp_path / "qa.json"
    f.write_text(_inquiry(certs, n=3).model_dump_json(), encoding="utf-8")
    pdf = tmp_path / "inquiry.pdf"
    r = CliRunner().invoke(app, ["enforcement", "inquiry", str(cid), str(f), "--out", str(pdf)])
    assert r.exit_code == 0, r.output
    assert "110105********002X" in r.output and "3 问" in r.output and pdf.read_bytes().startswith(b"%PDF")
    f.write_text("{not json", encoding="utf-8")
    r = CliRunner().invoke(app, ["enforcement", "inquiry", str(cid), str(f)])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1


def test_inquiry_through_the_console_form(client, db, login):
    """The case page's 询问笔录 form calls `record_inquiry`; the list shows the ID masked, the PDF link works, and a bad
    ID number is shown in place (422, never 500)."""
    from tests.enforcement.test_api import _setup
    from tests.enforcement.test_pages import _token

    oid, reg, certs = _setup(client, db, login, "330100", "municipal", "杭州市市场监督管理局")
    with db.session() as s:
        from zhijian.catalog.models import Organization

        org = s.get(Organization, oid)
        cid = open_case(s, org, certs).id
    url = f"/console/enforcement/cases/{cid}"
    page = client.get(url, headers=reg)
    assert page.status_code == 200 and 'id="form-inquiry"' in page.text
    form = {"csrf_token": _token(page.text), "officers": ",".join(certs), "interviewee_name": "张某某",
            "interviewee_id_no": ID_NO, "interviewee_role": "legal_rep", "started_at": "2026-03-05T09:30",
            "ended_at": "2026-03-05T10:40", "place": "当事人经营场所",
            "qa": "问：涉案电热毯从何处进货？\n答：从某某厂进货。\n问：销售了多少？\n答：销售了120条，\n每条90元。"}
    r = client.post(f"{url}/inquiry", headers=reg, data=dict(form, interviewee_id_no="110105194912310021"),
                    follow_redirects=False)
    assert r.status_code == 422 and "校验位" in r.text
    r = client.post(f"{url}/inquiry", headers=reg, data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[-600:]
    page = client.get(url, headers=reg)
    assert "110105********002X" in page.text and ID_NO not in page.text
    with db.session() as s:
        step = s.scalar(select(Step).where(Step.case_id == cid, Step.kind == "inquiry"))
        assert [x["a"] for x in step.data["qa"]] == ["从某某厂进货。", "销售了120条，\n每条90元。"]
        sid = step.id
    assert f"/inquiries/{sid}.pdf" in page.text
    r = client.get(f"{url}/inquiries/{sid}.pdf", headers=reg)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_serious_listing_through_the_cli(sqlite_db, monkeypatch):
    from typer.testing import CliRunner

    from zhijian.platform.cli import app

    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", sqlite_db.url)
    with sqlite_db.session() as s:
        _, _, _, case = _published(s)
        cid = case.id
    r = CliRunner().invoke(app, ["enforcement", "serious-list", str(cid), "--notified", "2026-04-20", "--approver",
                                 "局长 王某", "--on", "2026-04-10"])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1  # before the notice: refused, one line
    r = CliRunner().invoke(app, ["enforcement", "serious-list", str(cid), "--notified", "2026-04-02", "--approver",
                                 "局长 王某", "--on", "2026-04-15"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("listed\t第二条、第七条") and "已列入严重违法失信名单" in r.output


def test_two_organs_sharing_a_code_both_publish(db):
    """Two bureaus whose names give the same 代字 (杭市监) number their first decision alike; the consumer's penalty
    record is unique per 文号, and before, the second publication's failed credit write rolled back the whole
    transaction (the case itself vanished: a foreign-key error on the publication step). Now it is noted instead."""
    with db.session() as s:
        _, _, _, one = _published(s, violation="PQL-49", circumstances=(), serious=False, fine=30000, first="杭")
        _, a2, _, two = _published(s, violation="PQL-49", circumstances=(), serious=False, fine=30000, first="杭")
        assert one.decision_no == two.decision_no == "杭市监罚〔2026〕1号"
        assert one.published_on == two.published_on == d(2026, 4, 1)
        assert "同一文号" in two.credit_record
        assert procedure.count_steps(s, two.id, "publication") == 1
