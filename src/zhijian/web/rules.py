"""Pure helpers of the web layer: the current campaign, reading a scanned code, audit diffs."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from zhijian.catalog.rules import gtin_check_digit

# ---------------------------------------------------------------- campaigns (质量月, 3·15)


@dataclass(frozen=True)
class Campaign:
    """A yearly public campaign: 全国质量月 (September) or 3·15 国际消费者权益日 (March)."""

    key: str  # quality_month | consumer_day
    title: str  # zh-CN source string
    starts: dt.date
    ends: dt.date
    highlight: dt.date  # the day the campaign is known by (1 September, 15 March)

    def active(self, today: dt.date) -> bool:
        return self.starts <= today <= self.ends


def campaigns_of(year: int) -> list[Campaign]:
    return [
        Campaign("consumer_day", "3·15 国际消费者权益日", dt.date(year, 3, 1), dt.date(year, 3, 31),
                 dt.date(year, 3, 15)),
        Campaign("quality_month", "全国质量月", dt.date(year, 9, 1), dt.date(year, 9, 30), dt.date(year, 9, 1)),
    ]


def current_campaign(today: dt.date) -> tuple[Campaign | None, Campaign]:
    """(the campaign running today or None, the next one to start after today)."""
    running = next((c for c in campaigns_of(today.year) if c.active(today)), None)
    upcoming = sorted((c for y in (today.year, today.year + 1) for c in campaigns_of(y) if c.starts > today),
                      key=lambda c: c.starts)
    return running, upcoming[0]


# ---------------------------------------------------------------- reading a code (扫码 / 输码)


class CodeError(ValueError):
    """A typed or scanned text that is not a product code; `reason` is a zh-CN catalogue string."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_FIXED = {"01": 14, "17": 6, "11": 6, "13": 6, "15": 6}
_VARIABLE = ("10", "21", "22")
_GS = "\x1d"


def _gtin14(gtin: str) -> str:
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise CodeError("商品条码（GTIN）应为 8、12、13 或 14 位数字")
    gtin = gtin.zfill(14)
    if gtin_check_digit(gtin[:-1]) != gtin[-1]:
        raise CodeError("商品条码（GTIN）校验位不正确，请核对后重新输入")
    return gtin


def _element_string(text: str) -> dict[str, str]:
    """Parse GS1 element strings: "(01)…(10)…(21)…" or raw "01…10…<GS>21…" (GB/T 33993 / GS1 QR)."""
    out: dict[str, str] = {}
    if text.startswith("("):
        for ai, value in re.findall(r"\((\d{2,4})\)([^()]*)", text):
            out[ai] = value.strip()
        return out
    i = 0
    s = text
    for prefix in ("]Q3", "]d2", "]C1"):  # symbology identifiers some scanners prepend
        s = s.removeprefix(prefix)
    s = s.lstrip(_GS)
    while i < len(s):
        ai = s[i:i + 2]
        if ai in _FIXED:
            out[ai] = s[i + 2:i + 2 + _FIXED[ai]]
            i += 2 + _FIXED[ai]
        elif ai in _VARIABLE:
            end = s.find(_GS, i + 2)
            end = len(s) if end < 0 else end
            out[ai] = s[i + 2:end]
            i = end + 1
        else:
            raise CodeError("无法识别的码：请输入商品包装上二维码下方的码，或扫描二维码")
        if s[i:i + 1] == _GS:
            i += 1
    return out


def digital_link_path(gtin: str, lot: str | None = None, serial: str | None = None, cpv: str | None = None) -> str:
    """GS1 Digital Link path with qualifiers in the order 22 → 10 → 21."""
    path = f"/01/{_gtin14(gtin)}"
    for ai, value in (("22", cpv), ("10", lot), ("21", serial)):
        if value:
            if len(value) > 20:
                raise CodeError("批号或序列号超过 20 个字符")
            path += f"/{ai}/{quote(value, safe='')}"
    return path


def code_to_path(text: str) -> str:
    """Turn what a consumer typed or scanned into the Digital Link path the trace room answers.

    Accepts a full URL (`https://host/01/…`), a path (`/01/…`), a GS1 element string with or without
    brackets, or a bare GTIN. Raises CodeError with a zh-CN reason for anything else.
    """
    text = (text or "").strip().replace("\u001d", _GS)
    if not text:
        raise CodeError("请输入或扫描商品上的码")
    if "://" in text or text.startswith(("/01/", "01/")):
        path = urlsplit(text).path if "://" in text else "/" + text.lstrip("/")
        m = re.search(r"/01/([^/?#]+)((?:/(?:22|10|21)/[^/?#]+)*)", path)
        if not m:
            raise CodeError("该链接不是商品码（缺少 /01/ 商品条码）")
        parts = m.group(2).strip("/").split("/") if m.group(2) else []
        quals = {parts[i]: unquote(parts[i + 1]) for i in range(0, len(parts) - 1, 2)}
        return digital_link_path(unquote(m.group(1)), quals.get("10"), quals.get("21"), quals.get("22"))
    compact = re.sub(r"[ \t\r\n]+", "", text)  # not \s: it would eat the GS separator (\x1d)
    if compact.isdigit() and len(compact) in (8, 12, 13, 14):
        return digital_link_path(compact)
    ais = _element_string(text if text.startswith("(") else compact)
    if "01" not in ais:
        raise CodeError("无法识别的码：请输入商品包装上二维码下方的码，或扫描二维码")
    return digital_link_path(ais["01"], ais.get("10"), ais.get("21"), ais.get("22"))


# ---------------------------------------------------------------- audit history


def audit_changes(before: dict[str, Any] | None, after: dict[str, Any] | None,
                  hidden: tuple[str, ...] = ("search_text", "updated_at", "password_hash")) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for the fields an audited change touched, in a stable order."""
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys
            if k not in hidden and before.get(k) != after.get(k)
            and not (before.get(k) in (None, "") and after.get(k) in (None, ""))]


# ---------------------------------------------------------------- category picker (tree, pinyin search)


def pinyin_terms(name: str) -> str:
    """Search terms of a Chinese name: full pinyin and initials (婴幼儿配方奶粉 → yingyouerpeifangnaifen, yyepfnf),
    lower case; pypinyin's phrase dictionary reads polyphones in context (重庆 → chongqing, 长虹 → changhong)."""
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(name, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return f"{full} {initials}".strip()


def sibling_key(name: str, lang: str) -> tuple[str, str]:
    """Order of siblings: by pinyin in Chinese (not by code point), alphabetically in English."""
    if lang == "en":
        return (name.casefold(), name)
    from pypinyin import lazy_pinyin

    return (" ".join(lazy_pinyin(name, errors="default")).lower(), name)


def _parent_path(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:-1]) + "/" if len(parts) > 1 else ""


def category_tree(rows: list[tuple[int, str, str]], lang: str) -> list[dict[str, Any]]:
    """Nest (id, path, name) rows ("/1/4/" materialised paths) into nodes {id, name, terms, children}, siblings
    ordered by `sibling_key`; a row whose parent is missing becomes a root."""
    nodes: dict[str, dict[str, Any]] = {
        path: {"id": cid, "name": name, "path": path, "children": [],
               "terms": "|".join([name.lower().replace(" ", ""), *pinyin_terms(name).split()])}
        for cid, path, name in rows}
    roots: list[dict[str, Any]] = []
    for path, node in nodes.items():
        parent = nodes.get(_parent_path(path))
        (parent["children"] if parent is not None else roots).append(node)

    def order(level: list[dict[str, Any]]) -> list[dict[str, Any]]:
        level.sort(key=lambda n: sibling_key(n["name"], lang))
        for n in level:
            order(n["children"])
        return level

    return order(roots)


def tree_order(rows: list[tuple[int, str, str]], lang: str) -> list[tuple[int, int, str]]:
    """(id, depth, name) in tree order (each parent before its children, siblings by `sibling_key`)."""
    out: list[tuple[int, int, str]] = []

    def walk(level: list[dict[str, Any]], depth: int) -> None:
        for n in level:
            out.append((n["id"], depth, n["name"]))
            walk(n["children"], depth + 1)

    walk(category_tree(rows, lang), 0)
    return out
