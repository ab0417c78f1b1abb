"""Issue #21 finding 9: a rule refusal in the application's console forms returns to the form — the message
beside its field, in the visitor's language, with every value typed kept — instead of a dead-end error page."""

from __future__ import annotations

import datetime as dt
import html
import re

from tests import factories
from tests.stable.test_web import _csrf


def _field(page: str, name: str) -> str:
    """The .field block of one input (its label, control, hint and error)."""
    m = re.search(rf'<div class="field">(?:(?!<div class="field">).)*?name="{name}".*?</div>', page, re.S)
    assert m, f"no field {name}"
    return m.group(0)


def test_committee_approval_without_override_keeps_the_form(client, db, crew):
    with db.session() as s:  # a product with no spot-check history: the evaluation cannot be 符合条件
        product = factories.product(s, crew.people(s).enterprise, brand="特批牌", model=f"T-{factories.uid()}")
        pid = product.id
    owner, reviewer, member = crew.headers["owner_a"], crew.headers["reviewer"], crew.headers["committee"]
    page = client.get("/console/stable", headers=owner).text
    r = client.post("/console/stable/apply", headers=owner, follow_redirects=False,
                    data={"csrf_token": _csrf(page), "product_id": pid, "statement": "申请列入"})
    app_url = r.headers["location"]
    detail = client.get(app_url, headers=reviewer).text
    r = client.post(app_url + "/review", headers=reviewer, follow_redirects=False,
                    data={"csrf_token": _csrf(detail), "recommendation": "approve", "comment": "资料齐全"})
    assert r.status_code == 303
    detail = client.get(app_url, headers=member).text
    reason = "连续三年国抽合格，委员会一致同意"
    r = client.post(app_url + "/decide", headers=member,
                    data={"csrf_token": _csrf(detail), "decision": "approved", "reason": reason})
    assert r.status_code == 409
    page = r.text
    assert "<h1>" in page and "评审委员会决定" in page  # the application page, not the error page
    override = _field(page, "override")
    assert 'aria-invalid="true"' in override and "委员会特批" in html.unescape(override)
    assert "「无法判定」" in html.unescape(page) or "「不符合条件」" in html.unescape(page)
    assert "ineligible" not in page and "undetermined" not in page  # the outcome named in Chinese
    assert reason in html.unescape(_field(page, "reason"))  # the typed reason kept
    assert re.search(r'<option value="approved" selected>', _field(page, "decision"))
    assert 'href="#override"' in page  # the summary links to the field
    # and in English the message is English
    r = client.post(app_url + "/decide?lang=en", headers=member,
                    data={"csrf_token": _csrf(page), "decision": "approved", "reason": reason})
    assert r.status_code == 409 and "committee override" in r.text and 'lang="en"' in r.text
    # nothing was decided: the same form, now with the override, goes through
    r = client.post(app_url + "/decide", headers=member, follow_redirects=False,
                    data={"csrf_token": _csrf(page), "decision": "approved", "reason": reason, "override": "1"})
    assert r.status_code == 303


def test_refused_application_keeps_what_was_typed(client, db, crew):
    """An enterprise applying twice for the same product is told so at the product (申报 is open), statement kept;
    the typed statement and the chosen product stay."""
    with db.session() as s:
        product = factories.product(s, crew.people(s).enterprise, brand="重复牌", model=f"D-{factories.uid()}")
        pid = product.id
    owner = crew.headers["owner_a"]
    page = client.get("/console/stable", headers=owner).text
    r = client.post("/console/stable/apply", headers=owner, follow_redirects=False,
                    data={"csrf_token": _csrf(page), "product_id": pid, "statement": "第一次申报"})
    assert r.status_code == 303
    statement = "再次申报：产品已更名"
    r = client.post("/console/stable/apply", headers=owner,
                    data={"csrf_token": _csrf(page), "product_id": pid, "statement": statement})
    assert r.status_code == 409 and 'id="apply"' in r.text
    assert re.search(r'<p class="field-error" id="product_id-error">该产品已有在审申报', r.text)
    assert statement in html.unescape(_field(r.text, "statement"))
    assert re.search(rf'<option value="{pid}" selected>', r.text)


def test_keeping_a_flagged_listing_without_reasons_is_refused_at_its_row(client, db, crew):
    from tests.stable.helpers import approved
    from zhijian.stable.service.flags import flag_listings

    with db.session() as s:
        _app, listing = approved(s, crew.people(s))
        listing.status, listing.valid_until = "listed", dt.date(2099, 12, 31)  # as if announced
        s.flush()
        flag_listings(s, listing.product_id, report_no="ZJ-2026-0001", failing_items=["铅"])
        lid = listing.id
    member = crew.headers["committee"]
    page = client.get("/console/stable/listings", headers=member).text
    assert f'action="/console/stable/listings/{lid}/keep"' in page
    r = client.post(f"/console/stable/listings/{lid}/keep", headers=member,
                    data={"csrf_token": _csrf(page), "reason": "   "})
    assert r.status_code == 422
    assert re.search(rf'<p class="field-error" id="k{lid}-error" role="alert">维持须说明理由</p>', r.text)
    assert re.search(rf'id="k{lid}"[^>]*aria-invalid="true"', r.text)
