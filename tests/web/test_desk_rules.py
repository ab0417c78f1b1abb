"""Pure rules of issue 21's desk work: pinyin search terms and order of categories, numbered pages and their
parameters, the personal work queue built from the rooms' console cards."""

from __future__ import annotations

import pytest

from zhijian.platform.auth import Actor
from zhijian.platform.errors import DomainError
from zhijian.web.listing import Numbered, page_params, sort_key
from zhijian.web.queue import work_queue
from zhijian.web.rules import category_tree, pinyin_terms, tree_order


def test_pinyin_terms_full_and_initials_with_polyphones_in_context():
    assert pinyin_terms("婴幼儿配方奶粉") == "yingyouerpeifangnaifen yyepfnf"
    assert pinyin_terms("电线电缆") == "dianxiandianlan dxdl"
    assert pinyin_terms("重庆") == "chongqing cq"  # 重 read chóng in 重庆, not zhòng
    assert pinyin_terms("长虹") == "changhong ch"


def test_tree_order_nests_and_sorts_siblings_by_pinyin_not_code_point():
    rows = [(1, "/1/", "食品"), (2, "/2/", "儿童用品"), (3, "/3/", "安全防护"), (4, "/4/", "电器"),
            (5, "/4/5/", "电线电缆"), (6, "/4/6/", "插座"), (7, "/1/7/", "乳制品")]
    # code point order would be 乳 儿 安 电 食 (U+4E73 U+513F U+5B89 U+7535 U+98DF); pinyin: an dian er shi
    assert [(i, d) for i, d, _ in tree_order(rows, "zh_CN")] == [(3, 0), (4, 0), (6, 1), (5, 1), (2, 0), (1, 0),
                                                                   (7, 1)]
    tree = category_tree(rows, "zh_CN")
    assert [n["name"] for n in tree[1]["children"]] == ["插座", "电线电缆"]
    assert tree[1]["terms"] == "电器|dianqi|dq"
    en = [(1, "/1/", "Food"), (2, "/2/", "appliances")]
    assert [i for i, _, _ in tree_order(en, "en")] == [2, 1]  # case-insensitive in English


def test_page_parameters_are_checked_and_named():
    assert page_params(None, None) == (1, 20) and page_params("3", "100") == (3, 100)
    for page, size, field in (("0", "20", "page"), ("-1", "20", "page"), ("x", "20", "page"), ("1", "30", "size"),
                              ("1", "abc", "size")):
        with pytest.raises(DomainError) as err:
            page_params(page, size)
        assert err.value.field == field and err.value.status == 422
    assert sort_key("-name", {"name": 1}, "name") == ("name", True)
    with pytest.raises(DomainError) as err:
        sort_key("password_hash", {"name": 1}, "name")
    assert err.value.field == "sort"


def test_numbered_page_window():
    p = Numbered(items=[], total=250, page=7, size=20)
    assert p.pages == 13 and (p.first_row, p.last_row) == (121, 140)
    assert p.window() == [1, None, 5, 6, 7, 8, 9, None, 13]
    assert Numbered([], 0, 1, 20).window() == [1] and Numbered([], 0, 1, 20).first_row == 0


def test_work_queue_from_room_cards():
    lab = Actor(1, "lab1", "inspector", organization_id=9)
    # the cards spotcheck.service.dashboard_cards sends a lab, and association's proficiency-testing card
    cards = [{"label": "待收样", "value": 2, "href": "/console/spotcheck"},
             {"label": "待录入结果", "value": 5, "href": "/console/spotcheck"},
             {"label": "待审核", "value": 3, "href": "/console/spotcheck"},
             {"label": "能力验证轮次", "value": 4, "href": "/console/association/pt"},  # a figure, not work
             {"label": "待答复的能力验证跟踪", "value": "500+", "href": "/console/association/pt/follow-ups"},
             {"label": "自定义", "value": 1, "href": "/x", "queue": "review"}]  # a room may name the queue
    q = {x["key"]: x for x in work_queue(lab, cards)}
    assert (q["entry"]["total"], q["review"]["total"], q["handle"]["total"]) == (7, 4, 500)
    assert [c["label"] for c in q["review"]["cards"]] == ["待审核", "自定义"]
    ent = Actor(2, "e", "enterprise", organization_id=3)
    got = work_queue(ent, [{"label": "稳定合格产品待审核", "value": 1, "href": "/"}, {"label": "投诉", "value": 2,
                                                                                       "href": "/"}])
    assert [x["key"] for x in got] == ["entry", "handle"] and got[1]["total"] == 2
