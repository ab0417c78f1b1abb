"""i18n — one message catalogue (Babel .po files). Source strings are zh-CN; en has translations.

`gettext_for(locale)("抽查计划")` → "Spot-check plans" for en. Missing translations fall back to zh-CN.

The catalogue is the platform's `locale/<locale>/LC_MESSAGES/messages.po` plus each room's own
`<room>/locale/<locale>.po` (a room owns the words of its own screens, as it owns its templates). One source
string has one translation: `catalogue_conflicts()` lists any string two files translate differently (a test
keeps it empty).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

from babel.messages.pofile import read_po

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


def catalogue_files(locale: str) -> list[tuple[str, Traversable]]:
    """(owner, file) for every catalogue of `locale`: the platform's first, then the rooms' in ROOMS order."""
    from zhijian.platform.rooms import ROOMS

    found: list[tuple[str, Traversable]] = []
    base = resources.files("zhijian.platform").joinpath(f"locale/{locale}/LC_MESSAGES/messages.po")
    if base.is_file():
        found.append(("platform", base))
    for room in ROOMS:
        try:
            path = resources.files(f"zhijian.{room}").joinpath(f"locale/{locale}.po")
        except ModuleNotFoundError:
            continue
        if path.is_file():
            found.append((room, path))
    return found


def _read(path: Traversable, locale: str) -> dict[str, str]:
    with path.open("rb") as fh:
        cat = read_po(fh, locale=locale)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string}


def catalogue_conflicts(locale: str = "en") -> dict[str, dict[str, str]]:
    """Source strings that two catalogue files translate differently: {msgid: {owner: translation}}."""
    seen: dict[str, dict[str, str]] = {}
    for owner, path in catalogue_files(locale):
        for msgid, text in _read(path, locale).items():
            seen.setdefault(msgid, {})[owner] = text
    return {k: v for k, v in seen.items() if len(set(v.values())) > 1}


@lru_cache(maxsize=4)
def _catalog(locale: str) -> dict[str, str]:
    if locale == DEFAULT_LOCALE:
        return {}
    table: dict[str, str] = {}
    for _owner, path in catalogue_files(locale):
        for msgid, text in _read(path, locale).items():
            table.setdefault(msgid, text)  # the first file wins; catalogue_conflicts() keeps them equal
    return table


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
