"""Issue 15, item 4: every UI string of the consumer room (templates, pages, the labels its rules render) has an
English entry in the catalogue — before, 139 strings of the case page, the credit page, the 12315 form, the inbox
and the satisfaction statistics fell back to Chinese on ?lang=en."""

from __future__ import annotations

from zhijian.platform.i18n import gettext_for
from zhijian.web.i18n_check import missing, ui_strings


def test_every_string_of_the_consumer_room_is_translated():
    assert len(ui_strings(["consumer"])) > 300  # the extractor really finds the room's strings
    assert missing(["consumer"]) == {}


def test_placeholders_survive_translation():
    en = gettext_for("en")
    assert en("已拆分为举报 {no}，查询码 {code}（只显示一次，请告知举报人）", no="JB20260302000001", code="ABC234") == (
        "Split off as report JB20260302000001, check code ABC234 (shown only once; tell the reporter)")
    assert en("延长 {d} 日", d=30) == "Extended by 30 days"
    assert en("双随机抽查频次") == "Random inspection frequency"
