"""Issue #21 finding 8 (every screen in one language) and 13 (tiny chart text) for the association's pages, through
the real app: provinces by their English names on English pages (GB/T 2260 divisions through catalog's
`region_name`; Heilongjiang, Guangdong), the tile map's squares labelled with the ISO 3166-2:CN letters in English
(HL, NM) and its text at 12 user units at least; technical terms kept in Latin letters on Chinese pages (E_n of
ISO 13528, r_pb, ICS, CCS) marked `lang="en"`."""

from __future__ import annotations

import re

from tests import factories
from tests.association.test_complaint_stats import _file
from tests.web.crawl import Allowed, _offending, _Visible


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def _other_script(html: str, lang: str, allowed: Allowed | None = None) -> list[str]:
    vis = _Visible()
    vis.feed(html)
    return _offending(vis.texts, lang, allowed or Allowed(set(), set()))


def _campaign_in_heilongjiang(client, staff) -> str:  # type: ignore[no-untyped-def]
    tok = _csrf(client.get("/console/association/campaigns", headers=staff).text)
    for _ in range(20):
        year = 2030 + int(factories.uid(), 16) % 70
        r = client.post("/console/association/campaigns/create", headers=staff, follow_redirects=False,
                        data={"csrf_token": tok, "kind": "consumer_day", "year": str(year), "theme": "共建诚信"})
        if r.status_code == 303:
            break
    code = f"315-{year}"
    r = client.post("/console/association/campaigns/event", headers=staff, follow_redirects=False, data={
        "csrf_token": tok, "code": code, "title": "哈尔滨消费维权宣传", "province": "23", "city": "哈尔滨",
        "held_on": f"{year}-03-15", "capacity": "30"})
    assert r.status_code == 303, r.text
    assert client.post("/console/association/campaigns/publish", headers=staff, follow_redirects=False,
                       data={"csrf_token": tok, "code": code}).status_code == 303
    return code


def test_campaign_map_names_the_provinces_in_the_page_language(client, login):  # type: ignore[no-untyped-def]
    code = _campaign_in_heilongjiang(client, login("association"))
    zh = client.get(f"/association/campaigns/{code}", params={"lang": "zh-CN"}).text
    assert "<title>黑龙江：1</title>" in zh and ">黑龙江</text>" in zh and "<title>内蒙古：0</title>" in zh
    en = client.get(f"/association/campaigns/{code}", params={"lang": "en"}).text
    assert "<title>Heilongjiang: 1</title>" in en and ">HL</text>" in en
    assert "<title>Inner Mongolia: 0</title>" in en and ">NM</text>" in en and "<title>Xinjiang: 0</title>" in en
    assert "黑龙江" not in en and "内蒙古" not in en and "新疆" not in en
    assert " · Heilongjiang 哈尔滨 " in re.sub(r"\s+", " ", en)  # the event's province (its city is typed data)
    svg = re.search(r"<svg class=\"tilemap\".*?</svg>", en, re.S)
    assert svg and re.search(r'viewBox="0 0 440 390"', svg.group(0))
    sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)"', svg.group(0))]
    assert sizes and min(sizes) >= 12  # issue 21 finding 13: every text ≥ 12 user units at viewBox scale 1


def test_complaint_statistics_by_province_in_english(client, db, login):  # type: ignore[no-untyped-def]
    with db.session() as s:
        cat = factories.category(s, name=f"统计类别{factories.uid()}")
        for region in ("230100", "440106", "440106", "150100"):
            _file(s, cat.id, region)
    staff = login("association")
    zh = client.get("/console/association/complaint-statistics", headers=staff, params={"lang": "zh-CN"}).text
    assert "<td>黑龙江</td>" in zh and "<th>广东</th>" in zh and "<td>内蒙古</td>" in zh
    en = client.get("/console/association/complaint-statistics", headers=staff, params={"lang": "en"}).text
    assert "<td>Heilongjiang</td>" in en and "<th>Guangdong</th>" in en and "<td>Inner Mongolia</td>" in en
    for zh_name in ("黑龙江", "广东", "内蒙古"):
        assert zh_name not in en


def test_technical_terms_on_chinese_pages_are_marked_english(client, login):  # type: ignore[no-untyped-def]
    staff = login("association")
    u = factories.uid()
    assert client.post("/api/v1/association/pt/schemes", headers=staff,
                       json={"code": f"S{u}", "name": "水泥胶砂强度"}).status_code == 201
    r = client.post("/api/v1/association/pt/rounds", headers=staff, json={
        "scheme_code": f"S{u}", "code": f"R{u}", "year": 2026, "measurand": "28 d 抗压强度", "unit": "MPa",
        "sigma_method": "fixed", "sigma_given": 1.5})
    assert r.status_code == 201, r.text
    rounds = client.get("/console/association/pt", headers=staff, params={"lang": "zh-CN"}).text
    assert '<span lang="en">E<sub>n</sub></span> 值' in rounds and ">En 值<" not in rounds
    assert 'type="radio" name="score_kind" value="en"' in rounds
    one = client.get(f"/console/association/pt/R{u}", headers=staff, params={"lang": "zh-CN"}).text
    assert '<th><span lang="en">E<sub>n</sub></span></th>' in one and "<th>En</th>" not in one
    form = re.search(r"<form[^>]*>(?:(?!</form>).)*score_kind.*?</form>", rounds, re.S)
    assert form and _other_script(form.group(0), "zh-CN", Allowed(set(), {"pt"})) == []  # σ_pt: the data's symbol
    en = client.get("/console/association/pt", headers=staff, params={"lang": "en"}).text
    assert '<span lang="en">E<sub>n</sub></span> value' in en
