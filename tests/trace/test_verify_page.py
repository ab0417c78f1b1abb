"""The consumer's verification answer page (issue 21, findings 4 and 5) over the real app on every database:
the verdict is the page's one heading with a shape-coded icon, the code queried is shown back, and every
answer other than a first genuine scan has a next step — 举报假冒 (the public form prefilled with the code),
12315 and the brand's hotline — with a recall banner and instructions for recalled lots."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from tests.trace.conftest import issue_lot
from zhijian.catalog import service as catalog
from zhijian.catalog.schemas import OrganizationPatch
from zhijian.platform.auth import SYSTEM
from zhijian.trace import service

HOTLINE = "0571-8888 6666"


class Page(HTMLParser):
    """The few things these tests read: h1 texts, links (href → text), the verdict's class and icon shape."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.verdict_class = ""
        self.shapes: list[str] = []
        self.stylesheets: list[str] = []
        self._in: list[str] = []
        self._href: str | None = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section" and "verdict" in a.get("class", "").split():
            self.verdict_class = a["class"]
        if tag == "svg" and "verdict-icon" in a.get("class", ""):
            self.shapes.append(a.get("data-shape", ""))
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href", ""))
        if tag == "h1":
            self._in.append("h1")
            self._text = ""
        if tag == "a":
            self._href, self._text = a.get("href", ""), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self._in:
            self._in.pop()
            self.h1.append(self._text.strip())
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(self._text.split())))
            self._href = None

    def handle_data(self, data: str) -> None:
        self._text += data

    def href(self, text: str, exact: bool = False) -> str:
        hits = [h for h, t in self.links if (t == text if exact else t.startswith(text))]
        assert hits, f"no link {text!r} in {self.links}"
        return hits[0]


def _with_hotline(db, enterprise_id: int, phone: str = HOTLINE) -> None:  # type: ignore[no-untyped-def]
    with db.session(SYSTEM) as s:
        catalog.update_organization(s, SYSTEM, enterprise_id, OrganizationPatch(contact_phone=phone))
    service.invalidate_caches()


def _url(lot, serial: str) -> str:  # type: ignore[no-untyped-def]
    return f"/01/{lot.gtin}/10/{lot.lot}/21/{serial}"


def test_forged_code_shows_the_code_back_and_how_to_report_it(client, db, lot):
    """Finding 4: the forged-code answer was a dead end (no 举报假冒 / 12315, the code typed not shown back)."""
    _with_hotline(db, lot.enterprise_id)
    forged = lot.serials[1][:-1] + ("0" if lot.serials[1][-1] != "0" else "1")
    r = client.get(_url(lot, forged))
    assert r.status_code == 404
    page = Page(r.text)
    assert page.h1 == ["查无此码"] and "bad" in page.verdict_class.split()
    queried = r.text.split('id="queried-h"', 1)[1].split("</section>", 1)[0]
    assert f"<code>{lot.gtin}</code>" in queried and f"<code>{lot.lot}</code>" in queried
    assert f"<code>{forged}</code>" in queried
    report = urlsplit(page.href("举报假冒"))
    assert report.path == "/complaints/new"
    q = parse_qs(report.query)
    assert q["kind"] == ["report"] and q["code"] == [f"(01){lot.gtin}(10){lot.lot}(21){forged}"]
    assert q["product"] == ["纯牛奶250mL"]
    assert page.href("拨打 12315") == "tel:12315"
    assert page.href("致电品牌方") == "tel:057188886666"  # the enterprise's contact phone, digits only
    assert HOTLINE in r.text and "以上是该商品条码登记的品牌方" in r.text

    # the public complaint form reads the prefilled code (a report, the code in the product field)
    form = client.get(page.href("举报假冒"))
    assert form.status_code == 200
    assert re.search(r'<option value="report"\s+selected', form.text), "举报 not preselected"
    assert f"纯牛奶250mL (01){lot.gtin}(10){lot.lot}(21){forged}" in form.text


def test_complaint_form_reads_place_and_ignores_an_unknown_kind(client):
    form = client.get("/complaints/new", params={"kind": "bogus", "place": "某超市（西湖店）", "code": "(01)0123"})
    assert form.status_code == 200
    assert 'value="某超市（西湖店）"' in form.text and 'value="(01)0123"' in form.text
    assert re.search(r'<option value="complaint"\s+selected', form.text)


def test_recalled_answer_has_a_banner_with_instructions_and_next_steps(client, db):
    """Finding 4: a recalled answer gave no next step or brand contact."""
    lot = issue_lot(db, quantity=2)
    _with_hotline(db, lot.enterprise_id, "400-820-0000")
    with db.session(SYSTEM) as s:
        service.mark_lot_recalled(s, SYSTEM, gtin=lot.gtin, lot=lot.lot, recall_ref="ZH-2026-0042",
                                  reason="菌落总数超标", risk_level="serious")
    r = client.get(_url(lot, lot.serials[0]))
    assert r.status_code == 200
    page = Page(r.text)
    assert page.h1 == ["已召回"] and page.shapes == ["octagon-cross"]
    banner = r.text.split('id="recall-h"', 1)[1].split("</section>", 1)[0]
    assert "该批次产品正在召回" in banner and "菌落总数超标" in banner and "ZH-2026-0042" in banner
    assert "请立即停止食用或使用该商品" in banner and "召回的必要费用由生产者承担" in banner
    q = parse_qs(urlsplit(page.href("投诉", exact=True)).query)
    assert q["kind"] == ["complaint"] and q["code"] == [f"(01){lot.gtin}(10){lot.lot}(21){lot.serials[0]}"]
    assert page.href("拨打 12315") == "tel:12315" and page.href("致电品牌方") == "tel:4008200000"


def test_frozen_answer_puts_the_brand_hotline_first(client, db):
    """Finding 4: a frozen answer said 请联系品牌方核实 without giving the brand's number."""
    lot = issue_lot(db, quantity=2, freeze_threshold=1)
    _with_hotline(db, lot.enterprise_id)
    client.get(_url(lot, lot.serials[0]))
    r = client.get(_url(lot, lot.serials[0]))
    page = Page(r.text)
    assert page.h1 == ["已冻结"]
    first_action = r.text.split('class="actions"', 1)[1]
    assert first_action.index("致电品牌方核实") < first_action.index("举报假冒") < first_action.index("12315")
    assert page.href("致电品牌方核实") == "tel:057188886666"


def test_verdict_is_the_one_heading_with_a_shape_and_dates_do_not_break(client, db):
    """Finding 5: 正品 / 查无此码 was small text under a larger page title 防伪验证, with no icon."""
    lot = issue_lot(db, quantity=3)
    r = client.get(_url(lot, lot.serials[0]))
    page = Page(r.text)
    assert page.h1 == ["正品"], page.h1  # the verdict is the page's heading; 防伪验证 is no longer the h1
    assert page.shapes == ["circle-check"] and "ok" in page.verdict_class.split()
    assert "/static/verify.css" in page.stylesheets
    assert "<title>正品 · 验证结果" in r.text
    assert not any(h.startswith("举报假冒") for h, _t in page.links)  # a genuine first scan needs no report
    assert not any(t.startswith("举报假冒") for _h, t in page.links)
    again = Page(client.get(_url(lot, lot.serials[0])).text)
    assert again.h1 == ["重复查询"] and again.shapes == ["triangle-exclamation"]
    assert any(t.startswith("举报假冒") for _h, t in again.links)  # 如非本人查询 → a way to report it
    no_serial = client.get(f"/01/{lot.gtin}/10/{lot.lot}")
    assert Page(no_serial.text).h1 == ["请扫描单品码"]
    css = client.get("/static/verify.css")
    assert css.status_code == 200 and ".nowrap{white-space:nowrap}" in css.text
    assert re.search(r"\.verdict-title\{font-size:2\.6rem", css.text)


def test_dates_on_the_answer_do_not_break_across_lines(client, db):
    import datetime as dt

    lot = issue_lot(db, quantity=1, expiry=dt.date(2027, 5, 31))
    r = client.get(_url(lot, lot.serials[0]))
    assert '<dd class="nowrap">2027-05-31</dd>' in r.text


def test_answer_facts_are_cached_and_invalidated_like_the_keys(db):
    lot = issue_lot(db, quantity=1)
    service.invalidate_caches()
    with db.session() as s:
        facts = service.answer_facts(s, lot.gtin, lot.lot)
    assert (facts.product_name, facts.hotline, facts.recall) == ("纯牛奶250mL", "", None)
    assert service.cached_answer_facts(lot.gtin, lot.lot) is facts
    with db.session(SYSTEM) as s:  # a change to the brand bumps the cache version at its commit (issue #23)
        catalog.update_organization(s, SYSTEM, lot.enterprise_id, OrganizationPatch(contact_phone="12345678"))
    with db.session() as s:
        assert service.answer_facts(s, lot.gtin, lot.lot).hotline == "12345678"
    with db.session(SYSTEM) as s:  # a recall through the service clears the caches itself
        service.mark_lot_recalled(s, SYSTEM, gtin=lot.gtin, lot=lot.lot, recall_ref="R-1", reason="标签错误")
    assert service.cached_answer_facts(lot.gtin, lot.lot) is None
    with db.session() as s:
        fresh = service.answer_facts(s, lot.gtin, lot.lot)
    assert fresh.hotline == "12345678" and fresh.recall is not None and fresh.recall.reason == "标签错误"
    with db.session() as s:  # a GTIN nobody issued codes under: empty facts
        assert service.answer_facts(s, "00000000000000") == service.AnswerFacts()
