"""Pure validation of the identifiers the whole platform relies on.

- 统一社会信用代码 (GB 32100-2015, 18 characters, last one a check character) — python-stdnum's cn.uscc.
- GTIN (GS1 General Specifications §7.9.1 check digit) — python-stdnum's ean, normalised to GTIN-14.
- 行政区划代码 (GB/T 2260, 6 digits: province / city / county).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from stdnum import ean
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from zhijian.platform.errors import DomainError

ORG_KINDS = ("enterprise", "lab", "regulator", "association")
REGULATOR_LEVELS = ("national", "provincial", "municipal", "county")
STANDARD_KINDS = ("GB", "GB/T", "industry", "group", "enterprise", "local", "international")
STANDARD_STATUSES = ("current", "abolished", "upcoming")
STANDARD_STATUS_ZH = {"current": "现行", "abolished": "废止", "upcoming": "即将实施"}
REQUIREMENT_KINDS = ("max", "min", "range", "equals", "not_detected", "text")
COMPARISON_METHODS = ("full", "rounded")  # GB/T 8170-2008 全数值比较法 / 修约值比较法
CATEGORY_ROOTS = (("FOOD", "食品", "Food"), ("DRUG", "药品", "Drugs"),
                  ("SE", "特种设备", "Special equipment"), ("IND", "工业产品", "Industrial products"))


def validate_uscc(code: str, field: str = "uscc") -> str:
    """Return the normalised 统一社会信用代码 or raise naming the field."""
    try:
        return uscc.validate(code)
    except ValidationError as exc:
        raise DomainError("catalog.invalid_uscc", f"统一社会信用代码无效（{code}）：校验位或格式错误",
                          f"invalid unified social credit code {code!r}: {exc}", field=field) from exc


def uscc_check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    return uscc.calc_check_digit(first17)


def normalize_gtin(code: str, field: str = "gtin") -> str:
    """Validate a GTIN-8/12/13/14 and return it as GTIN-14 (left-padded with zeros)."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        raise DomainError("catalog.invalid_gtin", f"GTIN 格式错误（{code}）：应为 8、12、13 或 14 位数字",
                          f"invalid GTIN {code!r}: must be 8, 12, 13 or 14 digits", field=field)
    try:
        ean.validate(code)
    except ValidationError as exc:
        raise DomainError("catalog.invalid_gtin", f"GTIN 校验位错误（{code}）",
                          f"GTIN check digit is wrong: {code!r}", field=field) from exc
    return code.zfill(14)


def gtin_check_digit(body: str) -> str:
    """GS1 check digit of the digits before it (weights 3,1,3,1… from the right)."""
    return ean.calc_check_digit(body)


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    text = resources.files("zhijian.catalog").joinpath("data/regions.json").read_text(encoding="utf-8")
    names: dict[str, str] = json.loads(text)
    return names


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province | city | county
    province_code: str
    city_code: str | None


def parse_region(code: str, field: str = "region_code") -> Region:
    """Validate a GB/T 2260 code: six digits, a known province, and a known name where we keep one."""
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise DomainError("catalog.invalid_region", f"行政区划代码应为 6 位数字：{code}",
                          f"administrative division code must be 6 digits: {code!r}", field=field)
    names = region_names()
    province = code[:2] + "0000"
    if province not in names:
        raise DomainError("catalog.invalid_region", f"未知省级行政区划代码：{code}",
                          f"unknown province in division code {code!r}", field=field)
    if code.endswith("0000"):
        level, city = "province", None
    elif code.endswith("00"):
        level, city = "city", code
    else:
        level, city = "county", code[:4] + "00"
    name = names.get(code)
    if name is None:
        raise DomainError("catalog.invalid_region", f"未收录的行政区划代码：{code}",
                          f"division code not in the GB/T 2260 table: {code!r}", field=field)
    return Region(code, name, level, province, city)


@lru_cache(maxsize=1)
def region_names_en() -> dict[str, str]:
    """English names of the same divisions (`data/regions_en.json`): provinces by their official English
    (Inner Mongolia, Xizang, Hong Kong, Macao), cities and districts in Hanyu Pinyin without the 市 suffix,
    区 → District, 新区 → New Area — the forms the divisions use in English themselves (Hohhot, Harbin, Xi'an)."""
    text = resources.files("zhijian.catalog").joinpath("data/regions_en.json").read_text(encoding="utf-8")
    names: dict[str, str] = json.loads(text)
    return names


def region_name(code: str | None, lang: str = "zh_CN") -> str:
    """One division's own name in the page's language (浙江省 / Zhejiang); the code when it is not kept."""
    if not code:
        return ""
    names = region_names_en() if lang == "en" else region_names()
    return names.get(code) or code


def region_label(code: str | None, lang: str = "zh_CN") -> str:
    """Full name, e.g. 浙江省 杭州市 西湖区; in English smallest first, e.g. Xihu District, Hangzhou, Zhejiang."""
    if not code:
        return ""
    names = region_names_en() if lang == "en" else region_names()
    parts = [names.get(code[:2] + "0000")]
    if not code.endswith("0000"):
        parts.append(names.get(code[:4] + "00"))
        if not code.endswith("00"):
            parts.append(names.get(code))
    if lang == "en":
        return ", ".join(p for p in reversed(parts) if p) or code
    return " ".join(p for p in parts if p and p not in ("",)) or code


def standard_kind_from_code(code: str) -> str:
    """Infer the kind of a standard from its code: GB 2762-2022 → GB, GB/T … → GB/T, T/… → group, Q/… → enterprise."""
    c = code.strip().upper().replace(" ", "")
    if c.startswith("GB/T") or c.startswith("GB/Z"):
        return "GB/T"
    if c.startswith("GB"):
        return "GB"
    if c.startswith("T/"):
        return "group"
    if c.startswith("Q/"):
        return "enterprise"
    if c.startswith("DB"):
        return "local"
    if c.startswith(("ISO", "IEC", "EN")):
        return "international"
    return "industry"


def check_limit(kind: str, lower: float | None, upper: float | None, *, name: str, at: str,
                code: str = "catalog.indicator_limit") -> None:
    """限值完整 — a maximum needs its upper limit, a minimum its lower one, a range both with lower ≤ upper. One
    check for the catalog's indicators and the comparative tests' requirements (`at`: the field path of the item;
    a comparative "max" without its upper limit answered 500 when the report described it)."""
    if kind == "max" and upper is None:
        raise DomainError(code, f"指标「{name}」为最大值要求，缺少上限", f"indicator '{name}' is a maximum but has no "
                          "upper limit", field=f"{at}.upper")
    if kind == "min" and lower is None:
        raise DomainError(code, f"指标「{name}」为最小值要求，缺少下限", f"indicator '{name}' is a minimum but has no "
                          "lower limit", field=f"{at}.lower")
    if kind == "range" and (lower is None or upper is None or lower > upper):
        raise DomainError(code, f"指标「{name}」范围要求需要下限≤上限", f"indicator '{name}' is a range and needs lower ≤ "
                          "upper", field=at)
