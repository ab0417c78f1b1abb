"""活动 rules (pure): the campaigns' periods, provinces, the notice workflow and the tile map of provinces.

质量月: September every year since 1978 (the State Economic Commission's first 质量月); 3·15: the International
Consumer Rights Day, 15 March — the association's campaign runs from 1 to 31 March around it.
Notices are published only after review by a staff member other than the author (审核后发布).
"""

from __future__ import annotations

import datetime as dt

from zhijian.catalog.rules import region_name
from zhijian.platform.errors import DomainError, InvalidTransition

KINDS = {"quality_month": "质量月", "consumer_day": "3·15 国际消费者权益日"}
NOTICE_KINDS = {"news": "新闻", "notice": "通知", "result": "结果公告"}
NOTICE_STATUSES = {"draft": "草稿", "submitted": "待审核", "published": "已发布", "returned": "已退回"}
NOTICE_TRANSITIONS = {"draft": ("submitted",), "returned": ("submitted",), "submitted": ("published", "returned"),
                      "published": ()}
PROVINCES = {"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
             "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
             "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
             "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
             "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门"}
# ISO 3166-2:CN subdivision codes (letters since the 2017 revision, from GB/T 2260's abbreviations): the short
# label of a province's tile on an English page, where the full English name does not fit a 44-unit square
ISO_3166_2_CN = {"11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL", "23": "HL",
                 "31": "SH", "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX", "37": "SD", "41": "HA",
                 "42": "HB", "43": "HN", "44": "GD", "45": "GX", "46": "HI", "50": "CQ", "51": "SC", "52": "GZ",
                 "53": "YN", "54": "XZ", "61": "SN", "62": "GS", "63": "QH", "64": "NX", "65": "XJ", "71": "TW",
                 "81": "HK", "82": "MO"}
# a tile-grid map (row, column): each province one square, roughly where it lies
TILES = {"23": (0, 7), "15": (1, 5), "11": (1, 6), "22": (1, 7), "65": (2, 1), "62": (2, 2), "64": (2, 3),
         "14": (2, 4), "13": (2, 5), "12": (2, 6), "21": (2, 7), "54": (3, 1), "63": (3, 2), "61": (3, 4),
         "41": (3, 5), "37": (3, 6), "51": (4, 2), "50": (4, 3), "42": (4, 4), "34": (4, 5), "32": (4, 6),
         "31": (4, 7), "53": (5, 2), "52": (5, 3), "43": (5, 4), "36": (5, 5), "33": (5, 6), "45": (6, 4),
         "44": (6, 5), "35": (6, 6), "71": (6, 7), "46": (7, 4), "82": (7, 5), "81": (7, 6)}


def province_name(code: str, lang: str = "zh_CN") -> str:
    """A province (two GB/T 2260 digits) by its short name in Chinese (黑龙江), its English name in English
    (Heilongjiang, Inner Mongolia: catalog's division names)."""
    if lang == "en":
        return region_name(f"{code}0000", "en") if code in PROVINCES else code
    return PROVINCES.get(code, code)


def province_names(lang: str = "zh_CN") -> dict[str, str]:
    return {code: province_name(code, lang) for code in PROVINCES}


def tile_label(code: str, lang: str = "zh_CN") -> str:
    """The text inside a province's square: the short Chinese name, or the ISO 3166-2 letters in English."""
    return ISO_3166_2_CN.get(code, code) if lang == "en" else PROVINCES.get(code, code)


def period(kind: str, year: int) -> tuple[dt.date, dt.date]:
    if kind == "quality_month":
        return dt.date(year, 9, 1), dt.date(year, 9, 30)
    if kind == "consumer_day":
        return dt.date(year, 3, 1), dt.date(year, 3, 31)
    raise DomainError("association.campaign.bad_kind", "活动类型应为 质量月 或 3·15", "kind must be quality_month or consumer_day",
                      field="kind")


def campaign_code(kind: str, year: int) -> str:
    return f"{'ZLY' if kind == 'quality_month' else '315'}-{year}"


def check_province(code: str) -> str:
    c = str(code or "").strip()[:2]
    if c not in PROVINCES:
        raise DomainError("association.campaign.bad_province", f"省份代码无效：{code!r}（GB/T 2260 前两位）",
                          f"invalid province code: {code!r}", field="province")
    return c


def check_notice_transition(current: str, target: str) -> None:
    if target not in NOTICE_TRANSITIONS.get(current, ()):
        raise InvalidTransition("notice", current, target)


def tile_map(counts: dict[str, int], size: int = 44) -> list[dict[str, object]]:
    """Squares for the SVG map: x, y, the province's name and count, and a shade 0–4 by count."""
    top = max(counts.values(), default=0)
    out = []
    for code, (r, c) in TILES.items():
        n = counts.get(code, 0)
        shade = 0 if n == 0 or top == 0 else 1 + min(3, int(3 * n / top))
        out.append({"code": code, "name": PROVINCES[code], "x": c * (size + 4), "y": r * (size + 4), "n": n,
                    "shade": shade, "size": size})
    return out
