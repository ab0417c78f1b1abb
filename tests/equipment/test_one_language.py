"""Issue 21 finding 8: every equipment screen in one language. Before, the English pages showed the catalogue's
品种 (曳引驱动乘客电梯), the states (在用, 停用), the 维保 kinds, the 作业项目, the parameter names and the due-date
explanation in Chinese, and the Chinese registration form listed raw parameter keys (rated_load_kg=…) as text.

The check is the crawl test's own (tests/web/crawl.py: visible text, `lang`-marked elements and <code> skipped),
over pages of data made here; the words of that data (names, addresses) are the only Chinese allowed in English.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests import factories
from tests.equipment.helpers import elevator
from tests.web.crawl import Allowed, _offending, _Visible
from zhijian.catalog.models import Organization
from zhijian.equipment import rules, service
from zhijian.equipment.service.requests import REQUEST_STATUSES
from zhijian.platform.i18n import gettext_for


def _mixed(html: str, lang: str, data: list[str]) -> list[str]:
    from tests.web.crawl import CJK, TOKEN

    vis = _Visible()
    vis.feed(html)
    allowed = Allowed({r for d in data for r in CJK.findall(d)}, {w for d in data for w in TOKEN.findall(d)})
    return _offending(vis.texts, lang, allowed)


def _unit(db):
    with db.session() as s:
        reg = factories.regulator(s, level="municipal", region="330100")
        owner = factories.enterprise(s)
        unit = elevator(s, owner.id, last=service.today() - dt.timedelta(days=40))
        data = [unit.address, unit.registration_no or "", unit.manufacturer or "", unit.code]
        # organisation names are proper nouns (the institutes of the request form's select are every lab's)
        data += [n for n in s.scalars(select(Organization.name))]
        return reg, owner, unit.code, data


def test_the_equipment_pages_in_english_show_no_chinese_label(client, db, login):
    reg, owner, code, data = _unit(db)
    o_h, r_h = login("enterprise", owner), login("regulator", reg)
    home = client.get("/console/equipment?lang=en", headers=o_h).text
    assert "<td>Traction passenger lift</td>" in home and "<td>In use</td>" in home
    assert "曳引驱动乘客电梯" not in home and ">Half-monthly maintenance</option>" in home
    assert 'Required columns: <code lang="zh-CN">设备代码</code>, <code lang="zh-CN">维保日期</code>' in home
    record = client.get(f"/console/equipment/units/{code}?lang=en", headers=o_h).text
    last = service.today() - dt.timedelta(days=40)
    assert (f"Last inspection {last.isoformat()} + 12 months = {rules.add_months(last, 12).isoformat()} "
            '(<span lang="zh-CN">TSG T7001-2023《电梯监督检验和定期检验规则》</span>: the periodic inspection interval is 1 year') \
        in record
    scan = client.get(f"/equipment/u/{code}?lang=en").text
    assert "<h1>Traction passenger lift <small>" in scan and "<dd>Elevators</dd>" in scan
    assert "Xihu District, Hangzhou, Zhejiang" in scan  # the division in English (GB/T 2260 330106)
    new = client.get("/console/equipment/units/new?lang=en", headers=r_h).text
    assert "<li>Lifts (except escalators and moving walks): <code>rated_load_kg</code>=Rated load (kg); " in new
    assert ">Class II pressure vessel</option>" in new and "optional columns:" in new
    due = client.get("/console/equipment/due?state=due_soon&lang=en", headers=r_h).text
    assert ">Overdue</option>" in due
    for page in (home, record, scan, new, due):
        assert _mixed(page, "en", data) == []


def test_the_equipment_pages_in_chinese_show_no_english_word(client, db, login):
    reg, owner, code, data = _unit(db)
    r_h = login("regulator", reg)
    new = client.get("/console/equipment/units/new?lang=zh_CN", headers=r_h).text
    assert "<li>电梯（自动扶梯、自动人行道除外）：<code>rated_load_kg</code>=额定载重量(kg)；" in new
    assert "必填列：<code lang=\"zh-CN\">设备代码</code>、" in new and "<title>登记设备" in new  # no form inside <title>
    scan = client.get(f"/equipment/u/{code}?lang=zh_CN").text
    assert '<span lang="en">GIAI (8004)</span>' in scan
    record = client.get(f"/console/equipment/units/{code}?lang=zh_CN", headers=r_h).text
    assert "上次检验" in record and "+ 12 个月 =" in record
    for page in (new, scan):  # TSG (the rules' code system) and MW (megawatt) beside the data's own words
        assert _mixed(page, "zh_CN", [*data, "TSG", "MW"]) == []


def test_every_label_the_equipment_room_renders_has_its_english():
    en = gettext_for("en")
    labels = {*rules.VARIETIES.values(), *rules.STATUSES.values(),
              *rules.CONCLUSIONS.values(), *rules.MAINTENANCE_KINDS.values(), *rules.WORK_ITEMS.values(),
              *rules.INCIDENT_KINDS.values(), *rules.ACCIDENT_LEVELS.values(), *REQUEST_STATUSES.values(),
              *(label for fields in rules.PARAMS.values() for _, label, _ in fields),
              *(row.note for row in rules.CURRENT_TABLE.rows.values()), *(to for to, _ in rules.ESCALATE_TO.values())}
    assert len(labels) > 100
    assert sorted(v for v in labels if en(v) == v) == []
    assert en("曳引驱动乘客电梯") == "Traction passenger lift" and en("在用") == "In use"
    # by code, not through the catalogue (锅炉, 电梯, 气瓶 are also the catalog's stored category names)
    assert set(rules.DUE_STATE_EN) == set(rules.DUE_STATE_ZH) and set(rules.PARAM_KINDS_EN) == set(rules.PARAM_KINDS)
    assert set(rules.CATEGORY_EN) == set(rules.CATEGORIES)
