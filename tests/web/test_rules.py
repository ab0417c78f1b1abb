"""Pure helpers of the web layer: campaigns, reading a typed or scanned code, audit diffs."""

from __future__ import annotations

import datetime as dt

import pytest

from zhijian.web.rules import CodeError, audit_changes, code_to_path, current_campaign

# GS1's own example GTIN 09506000134352 (GS1 Digital Link standard 1.2, section 4 examples).
GTIN = "09506000134352"


@pytest.mark.parametrize(("today", "running", "upcoming"), [
    (dt.date(2026, 9, 1), "quality_month", (2027, 3, 1)),
    (dt.date(2026, 9, 30), "quality_month", (2027, 3, 1)),
    (dt.date(2026, 10, 1), None, (2027, 3, 1)),
    (dt.date(2026, 3, 15), "consumer_day", (2026, 9, 1)),
    (dt.date(2026, 2, 28), None, (2026, 3, 1)),
    (dt.date(2026, 12, 31), None, (2027, 3, 1)),
])
def test_campaign_follows_the_calendar(today, running, upcoming):
    cur, nxt = current_campaign(today)
    assert (cur.key if cur else None) == running
    assert (nxt.starts.year, nxt.starts.month, nxt.starts.day) == upcoming


@pytest.mark.parametrize("text", [
    f"https://id.gs1.org/01/{GTIN}/10/ABC123/21/12345",
    f"https://shop.example.cn/01/{GTIN}/10/ABC123/21/12345?linkType=all",
    f"/01/{GTIN}/10/ABC123/21/12345",
    f"(01){GTIN}(10)ABC123(21)12345",
    f"01{GTIN}10ABC123\x1d2112345",
    f"]Q301{GTIN}10ABC123\x1d2112345",
])
def test_code_forms_lead_to_one_digital_link_path(text):
    assert code_to_path(text) == f"/01/{GTIN}/10/ABC123/21/12345"


def test_short_gtin_is_padded_and_qualifiers_are_ordered_and_escaped():
    assert code_to_path("6901234567892") == "/01/06901234567892"  # GTIN-13 → GTIN-14
    assert code_to_path(f"(01){GTIN}(21)S 1/2(10)L-9") == f"/01/{GTIN}/10/L-9/21/S%201%2F2"


@pytest.mark.parametrize(("text", "reason"), [
    ("", "请输入或扫描商品上的码"),
    ("09506000134353", "商品条码（GTIN）校验位不正确，请核对后重新输入"),
    ("hello", "无法识别的码：请输入商品包装上二维码下方的码，或扫描二维码"),
    ("https://example.com/products/1", "该链接不是商品码（缺少 /01/ 商品条码）"),
    (f"(01){GTIN}(21){'9' * 21}", "批号或序列号超过 20 个字符"),
])
def test_unreadable_codes_say_why(text, reason):
    with pytest.raises(CodeError) as exc:
        code_to_path(text)
    assert exc.value.reason == reason


def test_audit_changes_lists_only_touched_visible_fields():
    before = {"name": "旧", "brand": "甲", "search_text": "x", "updated_at": "t1"}
    after = {"name": "新", "brand": "甲", "search_text": "y", "updated_at": "t2", "gtin": "1"}
    assert audit_changes(before, after) == [("gtin", None, "1"), ("name", "旧", "新")]
    assert audit_changes(None, {"name": "a", "brand": "", "gtin": None}) == [("name", None, "a")]
