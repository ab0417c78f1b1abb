"""Issue #21 finding 12: the complaint form says, to assistive technology too, which fields a 投诉 requires
(姓名、联系电话、地址 — 《市场监督管理投诉举报处理暂行办法》第九条; a 举报 may be anonymous), and the 查询码 page
after filing is reached by POST-redirect-GET: a refresh never files the complaint twice, the code is never in a
URL, and it can be copied or downloaded as a receipt — only in the filing browser, only for ten minutes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from zhijian.consumer.models import Complaint
from zhijian.platform.app import create_app

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM = {"kind": "complaint", "complainant_name": "赵磊", "complainant_phone": "13700003333",
        "complainant_address": "南京市玄武区北京东路 41 号", "respondent_name": "南京某电器有限公司",
        "facts": "插座外壳发热变形", "requests": "replacement"}


@pytest.fixture
def client(sqlite_db, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))) as c:
        yield c


def _inputs(page: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in re.finditer(r'<input id="(complainant_\w+)"[^>]*>', page)}


def test_required_fields_of_a_complaint_are_marked_for_every_reader(client, sqlite_db):
    from tests import factories

    uid = factories.uid()
    with sqlite_db.session() as s:
        dairy = factories.category(s, name=f"乳制品{uid}")
        factories.category(s, name=f"液体乳{uid}", parent=dairy)
    inputs = _inputs(client.get("/complaints/new").text)
    for name in ("complainant_name", "complainant_phone", "complainant_address"):
        assert 'aria-required="true"' in inputs[name] and 'data-required-for="complaint"' in inputs[name], name
    report = client.get("/complaints/new?kind=report").text  # a report may be anonymous
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', report)
    assert options[options.index(f"乳制品{uid}") + 1] == f"— 液体乳{uid}"  # 商品类别 as the tree (finding 13)
    assert all('aria-required="false"' in tag for tag in _inputs(report).values())


def test_check_code_page_is_post_redirect_get_with_copy_and_download(client, sqlite_db):
    token = TOKEN.search(client.get("/complaints/new").text).group(1)
    r = client.post("/complaints/new", data={**FORM, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    target = r.headers["location"]
    no = re.fullmatch(r"/complaints/created/(TS\d{14})", target).group(1)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Path=/complaints/created" in cookie and "Max-Age=600" in cookie
    page = client.get(target)
    assert page.status_code == 200
    code = re.search(r"<dt>查询码</dt><dd>([0-9A-Z]{6})</dd>", page.text).group(1)
    assert code not in target
    again = client.get(target)  # a refresh is a GET: the same receipt, no second complaint
    assert code in again.text
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Complaint).where(Complaint.tracking_no == no)) == 1
    assert f'data-copy="登记编号 {no} 查询码 {code}"' in page.text
    receipt = client.get(f"{target}/receipt.txt")
    assert receipt.status_code == 200 and "attachment" in receipt.headers["content-disposition"]
    assert f"登记编号: {no}" in receipt.text and f"查询码: {code}" in receipt.text
    # the code works for tracking
    track = client.post("/complaints/track", data={"tracking_no": no, "check_code": code, "csrf_token": token})
    assert track.status_code == 200 and no in track.text
    # another browser (no receipt cookie) never sees the code, and gets no receipt file
    with TestClient(client.app) as other:
        stranger = other.get(target)
        assert stranger.status_code == 200 and code not in stranger.text and no in stranger.text
        assert other.get(f"{target}/receipt.txt").status_code == 404
