"""Issue #21 finding 8 (every screen in one language) for the stable room.

Before: the certificate check on the English page said 列入2026年第1号公告，有效期至 … / 资格复核中：… / 资格已撤销：…
and its facts 2026年第1号; the evaluation's evidence showed the raw match code "[similar 0.89]" on the Chinese page;
announcement titles and reasons carried no language. The API's Chinese `reason` is unchanged."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests import factories
from tests.stable.helpers import approved
from tests.web.crawl import _Visible
from zhijian.platform.events import publish
from zhijian.platform.i18n import gettext_for
from zhijian.stable import rules, service, wording
from zhijian.stable.models import Listing

CJK = re.compile(r"[\u3400-\u9fff]+")
EN, ZH = gettext_for("en"), gettext_for("zh_CN")


def _main(html: str) -> str:
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def _unmarked_cjk(html: str) -> list[str]:
    """Chinese text of the main content not inside an element marked with its language (the crawl's rule)."""
    v = _Visible()
    v.feed(_main(html))
    return [t for t in v.texts if CJK.search(t)]


def test_certificate_check_in_english_valid_flagged_and_revoked(client, db, crew):
    with db.session() as s:
        p = crew.people(s)
        _app, listing = approved(s, p, factories.product(s, p.enterprise, name="Kettle", brand="Acme",
                                                         model=f"K-{factories.uid()}"))
        ann = service.publish_announcement(s, p.reviewer, listing.announcement_id)
        cert, pid, until = listing.certificate_no, listing.product_id, listing.valid_until
        names = {listing.enterprise_name, listing.category_name}  # proper nouns of the data, shown as stored
        no_en = f"No. {ann.number} of {ann.year}"
    page = client.get(f"/stable/verify/{cert}?lang=en").text
    assert f"<strong>Listed in announcement {no_en}, valid until {until}</strong>" in page
    assert f"<dd>{no_en}</dd>" in page
    assert not [t for t in _unmarked_cjk(page) if "年第" in t or "列入" in t]
    zh = client.get(f"/stable/verify/{cert}?lang=zh_CN").text
    assert f"<strong>列入{ann.year}年第{ann.number}号公告，有效期至 {until}</strong>" in zh

    with db.session() as s:
        publish(s, "spotcheck.verdict_final", {"batch_id": 77, "product_id": pid, "enterprise_id": p.enterprise.id,
                                               "verdict": "不合格", "failing_items": ["耐压"], "report_no": "R-77",
                                               "gtin": None, "lot": None})
    page = client.get(f"/stable/verify/{cert}?lang=en").text
    assert ("<strong>Under review: final spot-check verdict: non-conforming (batch 77, report R-77, failing items: "
            '<span lang="zh-CN">耐压</span>)</strong>') in page
    zh = re.sub(r"<(?!/?strong)[^>]+>", "", client.get(f"/stable/verify/{cert}?lang=zh_CN").text)
    assert "<strong>资格复核中：监督抽查最终判定不合格（批次 77，报告 R-77，不合格项目：耐压）</strong>" in zh
    api = client.get(f"/api/v1/stable/verify/{cert}").json()  # the API keeps its Chinese sentence
    assert api["reason"] == "资格复核中：监督抽查最终判定不合格（批次 77，报告 R-77，不合格项目：耐压）"

    with db.session() as s:
        row = service.listing_by_certificate(s, cert)
        service.revoke_listing(s, crew.committee, row.id, "2026年国家监督抽查耐压项目不合格")
        rev = service.publish_announcement(s, p.reviewer, row.revocation_announcement_id)
        rev_en = f"No. {rev.number} of {rev.year}"
    page = client.get(f"/stable/verify/{cert}?lang=en").text
    assert '<strong>Listing revoked: <span lang="zh-CN">2026年国家监督抽查耐压项目不合格</span></strong>' in page
    assert f"<dd>{rev_en}</dd>" in page
    assert set(_unmarked_cjk(page)) <= names
    ann_page = client.get(f"/stable/announcements/{rev.year}/{rev.number}?lang=en").text
    assert '<span lang="zh-CN">2026年国家监督抽查耐压项目不合格</span>' in ann_page


def test_how_an_inspection_matched_is_said_not_coded():
    product = rules.ProductRef(1, 7, "蓝海", "TDT-1025Z")
    rec = rules.Inspection(batch_id=1, plan_level="provincial", plan_year=2026, enterprise_id=7, brand="蓝海",
                           model="TDT-1025ZB", sampled_on=None, final_verdict="合格", product_id=None)  # type: ignore[arg-type]
    code = rules.match_inspection(product, rec, 0.85)
    assert code is not None and code.startswith("similar ")
    score = code.split()[-1]
    assert wording.match_label(code, ZH) == f"型号相似（相似度 {score}）"
    assert wording.match_label(code, EN) == f"similar model (similarity {score})"
    assert wording.match_label("alias exact", EN) == "same model (alias)"
    assert wording.match_label("product_id", ZH) == "同一产品" and wording.match_label("exact", EN) == "same model"


def test_portal_items_carry_their_catalogue_sentence(db, crew):
    with db.session() as s:
        p = crew.people(s)
        _app, listing = approved(s, p)
        ann = service.publish_announcement(s, p.reviewer, listing.announcement_id)
        item = next(i for i in service.latest_announcements(s, limit=50)
                    if i["href"] == f"/stable/announcements/{ann.year}/{ann.number}")
        # other tests on the shared database may list products in the same announcement: count them
        n = s.scalar(select(func.count()).select_from(Listing).where(Listing.announcement_id == ann.id))
    assert n >= 1 and item["note_args"] == {"n": n}
    assert item["note"] == f"列入 {n} 个产品"  # what the portal shows today, unchanged
    assert EN(item["note_msgid"], **item["note_args"]) == f"Products listed: {n}"
    assert ZH(item["note_msgid"], **item["note_args"]) == item["note"] and item["label_lang"] == "zh-CN"
