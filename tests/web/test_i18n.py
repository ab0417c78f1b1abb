"""The message catalogue: every web string has English, the .po file is well-formed, the switch works."""

from __future__ import annotations

import re
from importlib import resources

from zhijian.platform.i18n import catalogue_conflicts, catalogue_files, gettext_for, negotiate
from zhijian.web.i18n_check import missing, ui_strings

PO = resources.files("zhijian.platform").joinpath("locale/en/LC_MESSAGES/messages.po")


def test_every_string_of_the_web_room_is_translated():
    assert len(ui_strings(["web"])) > 200  # the extractor really finds the templates' strings
    assert missing(["web"]) == {}


def test_catalogue_has_no_duplicate_ids_and_no_empty_translations():
    files = catalogue_files("en")
    assert files[0][0] == "platform" and files[0][1] == PO
    for owner, path in files:
        text = path.read_text(encoding="utf-8")
        ids = re.findall(r'^msgid "(.+)"$', text, re.M)
        dupes = {i for i in ids if ids.count(i) > 1}
        assert not dupes, owner
        assert not re.search(r'^msgid "(.+)"\nmsgstr ""$', text, re.M), owner


def test_one_source_string_has_one_translation_across_the_rooms_catalogues():
    """A room's own `locale/en.po` may repeat a platform string only with the same English."""
    assert catalogue_conflicts("en") == {}


def test_translation_with_arguments_and_fallback():
    en = gettext_for("en")
    assert en("还有 {n} 天", n=5) == "in 5 days"
    assert en("没有这个词条") == "没有这个词条"  # unknown strings fall back to the zh-CN source
    assert gettext_for("zh_CN")("还有 {n} 天", n=5) == "还有 5 天"
    assert negotiate("en", "zh_CN", None) == "en"  # ?lang= beats the cookie
    assert negotiate(None, "en", "zh-CN,zh;q=0.9") == "en"  # the cookie beats the browser
    assert negotiate(None, None, "en-GB,en;q=0.8") == "en"
    assert negotiate("fr", None, None) == "zh_CN"
