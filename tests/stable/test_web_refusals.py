"""Issue #21 finding 9: a rule refusal in the application's console forms returns to the form — the message
beside its field, in the visitor's language, with every value typed kept — instead of a dead-end error page."""

from __future__ import annotations

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
