"""i18n — one message catalogue (Babel .po files). Source strings are zh-CN; en has translations.

`gettext_for(locale)("抽查计划")` → "Spot-check plans" for en. Missing translations fall back to zh-CN.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from babel.messages.pofile import read_po

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


@lru_cache(maxsize=4)
def _catalog(locale: str) -> dict[str, str]:
    if locale == DEFAULT_LOCALE:
        return {}
    path = resources.files("zhijian.platform").joinpath(f"locale/{locale}/LC_MESSAGES/messages.po")
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=locale)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string}


def gettext_for(locale: str):  # type: ignore[no-untyped-def]
    table = _catalog(locale if locale in LOCALES else DEFAULT_LOCALE)

    def _(message: str, **kwargs: object) -> str:
        text = table.get(message, message)
        return text.format(**kwargs) if kwargs else text

    return _


def negotiate(query_lang: str | None, cookie_lang: str | None, accept: str | None) -> str:
    for cand in (query_lang, cookie_lang):
        if cand in LOCALES:
            return cand
    if cand := (accept or "").lower():
        if cand.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
