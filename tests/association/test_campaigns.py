"""Campaigns on every backend: 质量月 (1–30 September) and 3·15 (March) with events by province, registrations
within capacity, notices reviewed by a second staff member before publication, the campaign page with the
period's published results and the statistics frozen at the close; concurrent registrations for the last seats."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests import factories
from zhijian.association.campaigns import rules
from zhijian.association.campaigns import service as camp
from zhijian.association.campaigns.schemas import CampaignIn, EventIn, NoticeIn, RegistrationIn, ReviewIn
from zhijian.platform.auth import PUBLIC, Actor
from zhijian.platform.errors import DomainError


def _year() -> int:
    return 2030 + int(factories.uid(), 16) % 70


def test_periods_and_tiles() -> None:
    assert rules.period("quality_month", 2026) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert rules.period("consumer_day", 2026) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert len(rules.TILES) == len(rules.PROVINCES) == 34
    assert len({(t["x"], t["y"]) for t in rules.tile_map({"33": 5})}) == 34  # no two provinces on one square
    shades = {t["code"]: t["shade"] for t in rules.tile_map({"33": 6, "44": 2})}
    assert shades["33"] == 4 and shades["44"] == 2 and shades["11"] == 0


def test_quality_month_campaign(db):
    a1, a2 = Actor(None, "staff1", "association"), Actor(None, "staff2", "association")
    while True:
        year = _year()
        with db.session() as s:
            try:
                c = camp.create_campaign(s, a1, CampaignIn(kind="quality_month", year=year, theme="质量强国 标准引领"))
                break
            except DomainError:
                continue
    with db.session() as s:
        code = c.code
        assert code == f"ZLY-{year}" and (c.starts_on, c.ends_on) == (dt.date(year, 9, 1), dt.date(year, 9, 30))
        with pytest.raises(DomainError) as e:
            camp.campaign_by_code(s, PUBLIC, code)  # a draft is not public
        assert e.value.status == 404
        with pytest.raises(DomainError) as e:
            camp.add_event(s, a1, code, EventIn(title="开幕式", province="11", held_on=dt.date(year, 10, 1), capacity=5))
        assert e.value.field == "held_on"
        with pytest.raises(DomainError) as e:
            camp.add_event(s, a1, code, EventIn(title="开幕式", province="99", held_on=dt.date(year, 9, 1), capacity=5))
        assert e.value.field == "province"
        ev = camp.add_event(s, a1, code, EventIn(title="质量月启动仪式", province="110000", city="北京",
                                                  held_on=dt.date(year, 9, 1), capacity=2))
        camp.add_event(s, a1, code, EventIn(title="检验开放日", province="33", city="杭州", held_on=dt.date(year, 9, 15),
                                            capacity=100))
        camp.add_event(s, a1, code, EventIn(title="质量讲堂", province="33", city="宁波", held_on=dt.date(year, 9, 20),
                                            capacity=50))
        camp.publish_campaign(s, a1, code)
        on = dt.date(year, 8, 20)
        camp.register(s, PUBLIC, ev.id, RegistrationIn(name="刘一", phone="13800000001"), on=on)
        with pytest.raises(DomainError) as e:
            camp.register(s, PUBLIC, ev.id, RegistrationIn(name="刘一", phone="138 0000 0001"), on=on)
        assert e.value.code == "association.campaign.already_registered"
        with pytest.raises(DomainError) as e:
            camp.register(s, PUBLIC, ev.id, RegistrationIn(name="x", phone="abcdef"), on=on)
        assert e.value.field == "phone"
        camp.register(s, PUBLIC, ev.id, RegistrationIn(name="陈二", phone="13800000002"), on=on)
        with pytest.raises(DomainError) as e:
            camp.register(s, PUBLIC, ev.id, RegistrationIn(name="张三", phone="13800000003"), on=on)
        assert e.value.code == "association.campaign.full"
        with pytest.raises(DomainError) as e:
            camp.register(s, PUBLIC, ev.id, RegistrationIn(name="迟到", phone="13800000009"), on=dt.date(year, 9, 2))
        assert e.value.code == "association.campaign.event_over"
        # a notice: written by staff1, not reviewable by its author, published by staff2
        n = camp.write_notice(s, a1, NoticeIn(campaign_code=code, kind="notice", title="关于开展质量月活动的通知",
                                              body="各会员单位：……"))
        with pytest.raises(DomainError):
            camp.review_notice(s, a2, n.id, ReviewIn(approve=True))  # not submitted yet
        camp.submit_notice(s, a1, n.id)
        with pytest.raises(DomainError) as e:
            camp.review_notice(s, a1, n.id, ReviewIn(approve=True))
        assert e.value.code == "association.notice.own_review"
        with pytest.raises(DomainError) as e:
            camp.review_notice(s, a2, n.id, ReviewIn(approve=False))
        assert e.value.field == "note"
        camp.review_notice(s, a2, n.id, ReviewIn(approve=False, note="请补充活动联系人"))
        camp.submit_notice(s, a1, n.id)
        draft = camp.write_notice(s, a1, NoticeIn(campaign_code=code, title="未审核稿件", body="……"))
        n = camp.review_notice(s, a2, n.id, ReviewIn(approve=True))
        assert n.status == "published" and n.reviewer == "association:staff2"
        page = camp.campaign_page(s, PUBLIC, code)
        assert [x.id for x in page["notices"]] == [n.id] and draft.id not in {x.id for x in page["notices"]}
        st = page["stats"]
        assert (st["events"], st["registrations"], st["provinces"], st["notices"]) == (3, 2, 2, 1)
        assert st["by_province"] == {"11": 1, "33": 2} and st["fill_rate"] == round(2 / 152, 4)
        tiles = {t["code"]: t for t in page["tiles"]}
        assert tiles["33"]["n"] == 2 and tiles["33"]["shade"] == 4 and tiles["44"]["n"] == 0
        c = camp.close_campaign(s, a1, code)
        assert c.statistics["registrations"] == 2 and c.status == "closed"
    with pytest.raises(DomainError), db.session() as s:
        camp.create_campaign(s, a1, CampaignIn(kind="quality_month", year=year, theme="重复"))


def test_concurrent_registrations_fill_exactly_the_seats(app, db):
    from tests.platform.live import fire, live_server

    a = Actor(None, "staff", "association")
    while True:
        year = _year()
        with db.session() as s:
            try:
                c = camp.create_campaign(s, a, CampaignIn(kind="consumer_day", year=year, theme="共促消费公平"))
                break
            except DomainError:
                continue
    with db.session() as s:
        ev = camp.add_event(s, a, c.code, EventIn(title="3·15 咨询日", province="44", held_on=dt.date(year, 3, 15),
                                                   capacity=3))
        camp.publish_campaign(s, a, c.code)
        eid = ev.id
    with live_server(app) as base:
        counter = itertools.count()
        answers = fire(8, lambda cl: cl.post(f"/api/v1/association/campaigns/events/{eid}/registrations",
                                             json={"name": "消费者", "phone": f"1390000{next(counter):04d}"}), base)
    codes = sorted(x.status_code for x in answers)
    assert codes == [201] * 3 + [409] * 5, [x.text for x in answers][:3]
    with db.session() as s:
        assert camp.events(s, c.id)[0].registered == 3
