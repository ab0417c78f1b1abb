"""Issue 21 (desk work, header and footer, 适老化) through the real ASGI app on every database: the display name
in the header, the 适老化 switch kept in a cookie, the portal footer's 主办单位 / ICP 备案号 / 政府网站标识码 from
settings, numbered and sortable lists with a page-size choice (named 422 on a bad page, size or sort), the
category tree with pinyin search terms on the product form, and the console home's personal work queue."""

from __future__ import annotations

import dataclasses
import re

from fastapi.testclient import TestClient

from tests import factories
from tests.web.test_pages import csrf
from zhijian.catalog import service as catalog
from zhijian.catalog.schemas import UserIn
from zhijian.platform.app import create_app
from zhijian.platform.auth import SYSTEM

ROW = re.compile(r'<tr><td><a href="/console/organizations/(\d+)">([^<]+)</a>')


def _login_named(client, db, role: str, display: str, org=None) -> str:  # type: ignore[no-untyped-def]
    username = f"{role}_{factories.uid()}"
    with db.session() as s:
        if role == "regulator" and org is None:
            org = factories.regulator(s, level="national", region="110000")
        catalog.create_user(s, SYSTEM, UserIn(username=username, password="correct horse 1", role=role,  # type: ignore[arg-type]
                                              organization_id=org.id if org else None, display_name=display))
    r = client.post("/login", data={"csrf_token": csrf(client, "/login"), "username": username,
                                    "password": "correct horse 1", "next": "/console"}, follow_redirects=False)
    assert r.status_code == 303
    return username


def test_footer_identifiers_from_settings_and_placeholders(client, db, settings):
    # 《政府网站发展指引》(国办发〔2017〕47号): every page of a government site shows its 主办单位, 政府网站标识码
    # and ICP 备案号 in the footer; unset, the portal says so instead of inventing one
    html = client.get("/").text
    foot = html[html.index('<footer class="foot">'):]
    assert "主办单位：（未配置）" in foot and "ICP 备案号：（未配置）" in foot and "政府网站标识码：（未配置）" in foot
    configured = dataclasses.replace(settings, site_sponsor="杭州市市场监督管理局", site_icp="浙ICP备12345678号",
                                     site_gov_code="3301000001")
    with TestClient(create_app(db, configured)) as other:
        foot = other.get("/").text.split('<footer class="foot">')[1]
        assert "主办单位：杭州市市场监督管理局" in foot and "政府网站标识码：3301000001" in foot
        assert '<a href="https://beian.miit.gov.cn/" rel="noopener">浙ICP备12345678号</a>' in foot
        en = other.get("/?lang=en").text.split('<footer class="foot">')[1]
        assert "Host organisation: 杭州市市场监督管理局" in en and "Government website code: 3301000001" in en


def test_elder_mode_is_switched_from_the_header_and_kept(client):
    html = client.get("/").text
    assert '<body class="portal">' in html and '>适老化模式</a>' in html
    r = client.get("/?elder=1")
    assert '<body class="portal elder">' in r.text and ">退出适老化</a>" in r.text
    assert "zj_elder=1" in r.headers["set-cookie"]
    assert '<body class="portal elder">' in client.get("/search").text  # the cookie keeps it on the next page
    assert 'href="/search?q=x&amp;elder=0"' in client.get("/search?q=x").text  # the switch keeps the query
    client.get("/?elder=0")
    assert '<body class="portal">' in client.get("/").text


def test_display_name_in_the_header(client, db):
    username = _login_named(client, db, "regulator", "王建国")
    html = client.get("/console").text
    assert f'<span class="who" title="{username}">王建国 · 监管部门</span>' in html
    portal = client.get("/").text
    assert '<span class="who">王建国</span><a href="/console">工作台</a>' in portal


def test_lists_are_numbered_sortable_and_sized(client, db):
    uid = factories.uid()
    with db.session() as s:
        ids = [factories.enterprise(s, name=f"温州{uid}阀门{i:02d}有限公司").id for i in range(25)]
    _login_named(client, db, "regulator", "李娜")
    r = client.get("/console/organizations", params={"q": uid})
    assert '<body class="console wide">' in r.text  # the desk layout: no narrow column for lists
    rows = ROW.findall(r.text)
    assert len(rows) == 20 and "第 1 / 2 页，共 25 条" in r.text  # default 20 a page, sorted by name
    assert [name for _, name in rows] == [f"温州{uid}阀门{i:02d}有限公司" for i in range(20)]
    assert f'href="/console/organizations?q={uid}&amp;page=2"' in r.text
    r = client.get("/console/organizations", params={"q": uid, "page": "2"})
    assert [int(i) for i, _ in ROW.findall(r.text)] == ids[20:]
    r = client.get("/console/organizations", params={"q": uid, "sort": "-name", "size": "50"})
    assert [name for _, name in ROW.findall(r.text)][:2] == [f"温州{uid}阀门24有限公司", f"温州{uid}阀门23有限公司"]
    assert 'aria-sort="descending"' in r.text and "第 1 / 1 页，共 25 条" in r.text
    assert re.search(r'<a href="[^"]*size=50[^"]*" aria-current="true">50</a>', r.text)
    r = client.get("/console/organizations", params={"q": uid, "page": "9"})  # past the end: the last page
    assert "第 2 / 2 页，共 25 条" in r.text
    for params, message in (({"page": "0"}, "页码「0」无效"), ({"size": "1000"}, "每页条数「1000」无效"),
                            ({"sort": "secret"}, "不能按「secret」排序")):
        r = client.get("/console/products", params=params)
        assert r.status_code == 422 and message in r.text, params


def test_product_form_category_tree_with_pinyin(client, db):
    uid = factories.uid()
    with db.session() as s:
        parent = factories.category(s, name=f"电器{uid}")
        child = factories.category(s, name="电线电缆", parent=parent)
        pid, cid = parent.id, child.id
    _login_named(client, db, "regulator", "周敏")
    html = client.get("/console/products/new").text
    assert '<fieldset class="tree-pick" id="category_id">' in html and 'data-tree-search="category_id-tree"' in html
    branch = re.search(rf'<li data-terms="电器{uid}\|dianqi\|dq"><label><input type="radio" name="category_id" '
                       rf'value="{pid}">电器{uid}</label>\s*<ul>(.*?)</ul></li>', html, re.S)
    assert branch, "the child category is nested under its parent"
    assert (f'<li data-terms="电线电缆|dianxiandianlan|dxdl"><label><input type="radio" name="category_id" '
            f'value="{cid}">电线电缆</label>') in branch.group(1)
    # a form sent back with an error keeps the chosen category checked
    r = client.post("/console/products/new", data={"csrf_token": csrf(client, "/console/products/new"), "name": "",
                                                   "category_id": str(cid)})
    assert r.status_code == 422 and f'value="{cid}" checked>' in r.text


def test_console_home_work_queue_per_role(client, db):
    with db.session() as s:
        lab = factories.lab(s)
    _login_named(client, db, "inspector", "陈工", org=lab)
    html = client.get("/console").text
    for key, label in (("entry", "待我录入"), ("review", "待我审核"), ("handle", "待我处理")):
        assert re.search(rf'<h2 id="queue-{key}-h">{label} <span class="num">\d+</span></h2>', html), label
    client.post("/logout", data={"csrf_token": csrf(client, "/console")})
    ent = None
    with db.session() as s:
        ent = factories.enterprise(s)
    _login_named(client, db, "enterprise", "赵经理", org=ent)
    html = client.get("/console").text
    assert 'id="queue-handle"' in html and 'id="queue-review"' not in html  # an enterprise reviews nothing
