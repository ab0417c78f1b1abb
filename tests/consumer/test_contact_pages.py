"""Issue 15, item 6: contact verification by a one-time code on the portal, and "my complaints". Decision: filing
does not need a code — 《市场监督管理投诉举报处理暂行办法》第九条 asks a complainant for name, phone and address (and
the respondent, the request and the facts), not a verified contact, and phone/letter/visit cases have none; the code
proves the contact, after which the case's e-mails go to it and the consumer lists "my complaints". Before, the
complaint form read a `zj_contact` token that no page could set, so a web consumer could never verify or see "my
complaints"."""

from __future__ import annotations

import random
import re

from tests import factories
from tests.web.test_pages import csrf
from zhijian.consumer import notifications
from zhijian.platform.auth import SYSTEM


def _file(client, phone: str, respondent: str) -> str:  # type: ignore[no-untyped-def]
    r = client.post("/complaints/new", data={
        "csrf_token": csrf(client, "/complaints/new"), "kind": "complaint", "complainant_name": "陈静",
        "complainant_phone": phone, "complainant_address": "宁波市海曙区中山西路 1 号", "respondent_name": respondent,
        "product_text": "电饭煲", "facts": "内胆涂层脱落", "requests": ["refund"]})
    assert r.status_code == 200, r.text[:300]  # filed without any code
    return re.search(r"TS\d{14}", r.text).group(0)


def test_one_time_code_then_my_complaints(client, db):
    sms = notifications.ConsoleSender("sms")
    original = notifications.sender("sms")
    notifications.set_sender("sms", sms)
    try:
        with db.session(SYSTEM) as s:
            shop = factories.enterprise(s).name
        phone = "139" + "".join(random.choice("0123456789") for _ in range(8))
        mine = _file(client, phone, shop)
        other = _file(client, "13600000000", shop)
        assert client.get("/complaints/mine", follow_redirects=False).headers["location"] == "/complaints/verify"
        page = "/complaints/verify"
        r = client.post(page, data={"csrf_token": csrf(client, page), "channel": "sms", "contact": "abc"})
        assert r.status_code == 422
        assert '<p class="field-error" id="contact-error">手机号码格式不正确</p>' in r.text and 'value="abc"' in r.text
        r = client.post(page, data={"csrf_token": csrf(client, page), "channel": "sms", "contact": phone})
        assert r.status_code == 200 and 'id="code"' in r.text and f'value="{phone}"' in r.text
        to, text = sms.sent[-1]
        assert to == phone
        code = re.search(r"验证码是 (\d{6})", text).group(1)
        wrong = "000000" if code != "000000" else "111111"
        r = client.post(page, data={"csrf_token": csrf(client, page), "channel": "sms", "contact": phone,
                                    "code": wrong})
        assert r.status_code == 422 and '<p class="field-error" id="code-error">验证码不正确或已过期</p>' in r.text
        r = client.post(page, data={"csrf_token": csrf(client, page), "channel": "sms", "contact": phone,
                                    "code": code}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/complaints/mine"
        assert "httponly" in r.headers["set-cookie"].lower()
        html = client.get("/complaints/mine").text
        assert mine in html and other not in html and phone in html
        # the code is used up: the same code again is refused
        r = client.post(page, data={"csrf_token": csrf(client, page), "channel": "sms", "contact": phone,
                                    "code": code})
        assert r.status_code == 422
    finally:
        notifications.set_sender("sms", original)
