"""Requirements (标准要求) as written in a Chinese standard, read into a typed `Requirement` — or into a ``text``
requirement with the reason it goes to the inspector; the verdict words and requirement kinds every rule uses."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from zhijian.platform.errors import DomainError
from zhijian.spotcheck.rules.english import ref_en
from zhijian.spotcheck.rules.reasons import Reason

PASS = "合格"
FAIL = "不合格"
MANUAL = "待人工判定"
INCONCLUSIVE = "无法判定"  # e.g. a reported limit above the specification limit: the method is not fit for purpose
VERDICTS = (PASS, FAIL, MANUAL, INCONCLUSIVE)
NOT_DETECTED_WORDS = ("未检出", "ND", "N.D.", "nd", "n.d.", "<LOD", "未检测到", "低于检出限")
KINDS = ("max", "min", "range", "equals", "not_detected", "text", "negative", "plan")
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
KIND_ZH = {"max": "上限", "min": "下限", "range": "范围", "equals": "规定值", "not_detected": "不得检出",
           "text": "文字要求（人工判定）", "negative": "阴性", "plan": "微生物采样方案（GB 4789.1）"}
NUMERIC_KINDS = ("max", "min", "range", "equals")
QUALS = ("", "detected", "positive", "negative")
QUAL_ZH = {"": "", "detected": "检出", "positive": "阳性", "negative": "阴性"}
RULES = ("simple", "guarded")
METHODS = ("full", "rounded")
METHOD_ZH = {"full": "全数值比较法", "rounded": "修约值比较法"}


def bad_input(field_name: str, zh: str, en: str, code: str = "spotcheck.invalid") -> DomainError:
    return DomainError(code, zh, en, field=field_name)


# ---------------------------------------------------------------- requirements (标准要求)


@dataclass(frozen=True)
class Requirement:
    """A parsed requirement: kind, limits (with inclusiveness), the digits of the limit, the text as written.

    ``decimals`` is the position of the limit's last significant digit (GB/T 8170-2008 §4.3): 0.50 → 2,
    5×10⁴ → −4. A sampling plan keeps n, c, m (``upper``) and M (``big_m``; None for a two-class plan).
    A ``text`` requirement carries ``manual_reason`` and, for ``符合…要求``, the standard it names."""

    kind: str
    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True
    unit: str = ""
    text: str = ""
    decimals: int = 0
    n: int | None = None
    c: int | None = None
    big_m: float | None = None
    manual_reason: str = ""
    standard_ref: str = ""
    # the reason code `manual_reason` is the zh sentence of (rules.reasons); not part of the record (to_dict)
    manual: Reason | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["manual"]
        d["describe_zh"] = self.describe_zh
        d["parse_zh"] = self.parse_zh
        return d

    @property
    def describe_zh(self) -> str:
        u = self.unit
        if self.kind == "max":
            return f"{'≤' if self.upper_inclusive else '<'}{_fmt(self.upper, self.decimals)}{u}"
        if self.kind == "min":
            return f"{'≥' if self.lower_inclusive else '>'}{_fmt(self.lower, self.decimals)}{u}"
        if self.kind == "range":
            return f"{_fmt(self.lower, self.decimals)}~{_fmt(self.upper, self.decimals)}{u}"
        if self.kind == "equals":
            return f"={_fmt(self.lower, self.decimals)}{u}"
        if self.kind == "not_detected":
            return "不得检出" + ("" if self.upper is None else f"（{'≤' if self.upper_inclusive else '<'}{self.upper:g}{u}）")
        if self.kind == "negative":
            return "阴性"
        if self.kind == "plan":
            m_big = "" if self.big_m is None else f", M={self.big_m:g}"
            return f"n={self.n}, c={self.c}, m={self.upper:g}{m_big} {u}".strip()
        return self.text

    @property
    def parse_zh(self) -> str:
        """The requirement as the platform understood it (shown back on the plan form, the page and the report)."""
        if self._parse_key() is None:
            return f"人工判定：{self.manual_reason or '文字要求，由检验人员判定'}"
        return self._parsed("zh")

    @property
    def parse_en(self) -> str:
        """`parse_zh` in English (the English page; the zh page, the PDF and the API keep `parse_zh`)."""
        if self._parse_key() is None:
            manual = self.manual or (Reason.literal(self.manual_reason, self.manual_reason) if self.manual_reason
                                     else Reason("manual.words"))
            return f"manual judgement: {manual.en}"
        return self._parsed("en")

    def _parse_key(self) -> str | None:
        """The `_PARSED` sentence of this requirement; None for one the inspector judges (`text`)."""
        if self.kind == "not_detected" and self.upper is not None:
            return "not_detected_threshold"
        if self.kind == "plan":
            return "plan2" if self.big_m is None else "plan3"
        return self.kind if self.kind in _PARSED else None

    def _parsed(self, lang: str) -> str:
        """`parse_zh` / `parse_en` of a requirement the platform judges: its `_PARSED` sentence in `lang`."""
        zh = lang == "zh"
        u = f" {self.unit}" if self.unit else ""
        inclusive = {True: "含限值" if zh else "limit included", False: "不含限值" if zh else "limit excluded"}
        sentence = _PARSED[str(self._parse_key())][0 if zh else 1]
        return sentence.format(
            u=u, dig=(f"；限值末位 {digit_zh(self.decimals)}" if zh else f"; last digit of the limit {digit_en(self.decimals)}"),
            upper=f"{self.upper:g}" if self.upper is not None else "", lower=f"{self.lower:g}" if self.lower is not None else "",
            big_m=f"{self.big_m:g}" if self.big_m is not None else "", n=self.n, c=self.c,
            upper_incl=inclusive[self.upper_inclusive], lower_incl=inclusive[self.lower_inclusive])


# kind → the (zh-CN, English) sentence of `Requirement.parse_zh` / `parse_en` (`data/requirements.json`, read once at
# import); `text` requirements are the inspector's
_PARSED: dict[str, tuple[str, str]] = {kind: (zh, en) for kind, (zh, en) in json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "requirements.json").read_text(encoding="utf-8")).items()}


def digit_en(decimals: int) -> str:
    return "units" if decimals == 0 else digit_zh(decimals)


def digit_zh(decimals: int) -> str:
    if decimals > 0:
        return f"0.{'0' * (decimals - 1)}1"
    return "个位" if decimals == 0 else f"10^{-decimals}"


def _fmt(v: float | None, decimals: int) -> str:
    if v is None:
        return ""
    if decimals < 0:
        exp = -decimals
        mant = v / 10 ** exp
        return f"{mant:g}×10^{exp}"
    return f"{v:.{decimals}f}"


_SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"
_SUPERSCRIPT = str.maketrans(_SUP, "0123456789-+")
_SUP_RUN = re.compile(f"[{_SUP}]+")
_MANT = r"\d+(?:\.\d+)?|\.\d+"
_NUM = (r"[-+]?(?:10\s*(?:\^|\*\*)\s*[-+]?\d+|(?:" + _MANT + r")(?:[eE][-+]?\d+)?"
        r"(?:\s*[×xX*]\s*10\s*(?:\^|\*\*)\s*[-+]?\d+)?)")
_NUM_RE = re.compile(_NUM)
_ND_REQ = ("不得检出", "不应检出", "不得使用", "不得添加", "不得含有", "禁用", "未检出")
_RANGE_SEP = r"(?:~|-|—|–|至|to)"
_UNIT_RE = re.compile(r"[A-Za-zμµ%‰°℃Ω/(][A-Za-zμµ%‰°℃Ω/·.()*^\d]*(?:\s*[A-Za-zμµ/()\d]+)?")
_ANNOTATION = re.compile(r"\s*[(（]\s*以[^()（）]*计\s*[)）]\s*$")  # "(以Pb计)": what the value is expressed as
_WORDS = (("不大于", "≤"), ("不超过", "≤"), ("不高于", "≤"), ("不小于", "≥"), ("不低于", "≥"), ("小于", "<"),
          ("低于", "<"), ("大于", ">"), ("高于", ">"), ("<=", "≤"), (">=", "≥"), ("≦", "≤"), ("≧", "≥"),
          ("⩽", "≤"), ("⩾", "≥"))
_SEP = r"\s*[,，;；、]\s*"
_PLAN_RE = re.compile(r"n\s*=\s*(\d+)" + _SEP + r"c\s*=\s*(\d+)" + _SEP + r"m\s*=\s*(" + _NUM + r")"
                      + r"(?:" + _SEP + r"M\s*=\s*(" + _NUM + r"))?\s*(.*)")


def normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "").strip()  # full-width ～ ＜ ０ → ASCII forms
    s = _SUP_RUN.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPT), s)  # 10⁴ → 10^4 (before NFKC digits)
    for a, b in _WORDS:
        s = s.replace(a, b)
    s = s.replace("〜", "~").replace("∼", "~").replace("−", "-")
    return s


def superscripts_first(text: str) -> str:
    """Superscripts become ^n before NFKC would turn them into plain digits (10⁴ → 10^4, not 104)."""
    return _SUP_RUN.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPT), text or "")


def read_number(token: str) -> tuple[float, int]:
    """A number as written and the position of its last significant digit (0.50 → 2; 5×10⁴ → −4; 1.0E3 → −2)."""
    t = token.replace(" ", "")
    m = re.fullmatch(r"([-+]?)(?:(\d+(?:\.\d+)?|\.\d+)(?:[eE]([-+]?\d+))?(?:[×xX*]10(?:\^|\*\*)([-+]?\d+))?"
                     r"|10(?:\^|\*\*)([-+]?\d+))", t)
    if m is None:
        raise ValueError(token)
    sign, mant, e_exp, x_exp, bare_exp = m.groups()
    if mant is None:  # 10^4
        mant, exp = "1", int(bare_exp)
    else:
        exp = int(e_exp or 0) + int(x_exp or 0)
    dec = len(mant.split(".", 1)[1]) if "." in mant else 0
    value = float(Decimal(sign + mant).scaleb(exp))
    if not math.isfinite(value):
        raise ValueError(token)
    return value, dec - exp


@lru_cache(maxsize=65536)
def _parse_cached(raw: str, unit: str) -> Requirement:
    s = normalise(superscripts_first(raw))
    if not s:
        raise bad_input("requirement", "标准要求为空", "the requirement is empty", "spotcheck.bad_requirement")
    s = _ANNOTATION.sub("", s)
    pm = _PLAN_RE.fullmatch(s)
    if pm:
        return _plan(raw, pm, unit)
    worded = _worded(raw, unit, s)
    return worded if worded is not None else _numeric(raw, unit, s)


def _worded(raw: str, unit: str, s: str) -> Requirement | None:
    """A requirement in words: 不得检出 (perhaps with a threshold), 阴性, or 应符合…的要求 (manual judgement)."""
    if any(w in s for w in _ND_REQ):
        m = re.search(r"([≤<])\s*(" + _NUM + ")", s)
        if m:  # e.g. 禁用(≤20): not detected above a stated threshold
            v, d = read_number(m.group(2))
            return Requirement("not_detected", upper=v, upper_inclusive=m.group(1) == "≤", unit=unit, text=raw,
                               decimals=d)
        return Requirement("not_detected", unit=unit, text=raw)
    if s in ("阴性", "阴性反应", "应为阴性", "-/阴性"):
        return Requirement("negative", unit=unit, text=raw)
    ref = re.fullmatch(r"(?:应)?符合\s*(.+?)\s*(?:中?的)?(?:有关|相关)?(?:要求|规定)(?:的要求)?", s)
    if ref:
        std = ref.group(1).strip("《》「」 ")
        return _manual(raw, unit, Reason.of("manual.by_standard", std=Reason.literal(std, ref_en(std))), std)
    return None


def _numeric(raw: str, unit: str, s: str) -> Requirement:
    """A limit (≤0.5 mg/kg, ≥95%), a range (6.5~8.5, 10±0.5) or a stated value; anything else is text."""
    m = re.fullmatch(r"(≤|<|≥|>|=)?\s*(" + _NUM + r")\s*(?:(" + _RANGE_SEP + r"|±)\s*(" + _NUM + r"))?\s*(.*)", s)
    if m is None:
        return _text(raw, unit, s)
    op, a, sep, b, trailing = m.group(1), m.group(2), m.group(3), m.group(4), (m.group(5) or "").strip()
    if trailing:
        if not _UNIT_RE.fullmatch(trailing):
            return _text(raw, unit, s)
        unit = trailing  # the requirement states its own unit ("≤0.5 mg/kg", "≥95%")
    try:
        va, da = read_number(a)
        vb, db = read_number(b) if b is not None else (None, 0)
    except (ValueError, InvalidOperation):
        return _text(raw, unit, s)
    if sep is not None:
        assert vb is not None
        return _text(raw, unit, s) if op else _range(raw, unit, s, sep, (va, da), (vb, db))
    if op in ("≤", "<"):
        return Requirement("max", upper=va, upper_inclusive=op == "≤", unit=unit, text=raw, decimals=da)
    if op in ("≥", ">"):
        return Requirement("min", lower=va, lower_inclusive=op == "≥", unit=unit, text=raw, decimals=da)
    return Requirement("equals", lower=va, upper=va, unit=unit, text=raw, decimals=da)


def _range(raw: str, unit: str, s: str, sep: str, a: tuple[float, int], b: tuple[float, int]) -> Requirement:
    """``a~b`` (lower and upper) or ``a±b`` (centre and half-width); each number with its last digit's place."""
    (va, da), (vb, db) = a, b
    if sep == "±":
        if vb < 0:
            return _text(raw, unit, s)
        d = max(da, db)
        return Requirement("range", lower=round(va - vb, 12), upper=round(va + vb, 12), unit=unit, text=raw, decimals=d)
    if va > vb:
        raise bad_input("requirement", f"范围要求「{raw}」下限大于上限", f"range requirement {raw!r} has lower > upper",
                   "spotcheck.bad_requirement")
    return Requirement("range", lower=va, upper=vb, unit=unit, text=raw, decimals=max(da, db))


def _manual(raw: str, unit: str, reason: Reason, standard_ref: str = "") -> Requirement:
    """A ``text`` requirement, judged by the inspector for `reason` (its zh sentence is `manual_reason`)."""
    return Requirement("text", unit=unit, text=raw, manual_reason=reason.zh, standard_ref=standard_ref, manual=reason)


def _text(raw: str, unit: str, s: str) -> Requirement:
    if re.search(r"\d", s):
        reason = Reason.of("manual.unrecognised", raw=raw)
    elif s.startswith("无") or s.startswith("不得") or s.startswith("应无"):
        reason = Reason("manual.free_of")
    else:
        reason = Reason("manual.words")
    return _manual(raw, unit, reason)


def _plan(raw: str, pm: re.Match[str], unit: str) -> Requirement:
    n, c = int(pm.group(1)), int(pm.group(2))
    m_v, m_d = read_number(pm.group(3))
    big = read_number(pm.group(4))[0] if pm.group(4) else None
    trailing = (pm.group(5) or "").strip()
    if trailing:
        unit = trailing
    if n < 1 or c >= n or m_v < 0 or (big is not None and big < m_v):
        raise bad_input("requirement", f"采样方案「{raw}」无效（应 c < n，m ≤ M）", f"sampling plan {raw!r} is invalid (c < n, m ≤ M)",
                   "spotcheck.bad_requirement")
    return Requirement("plan", upper=m_v, unit=unit, text=raw, decimals=m_d, n=n, c=c, big_m=big)


def parse_requirement(text: str, unit: str = "", *, field_name: str = "requirement") -> Requirement:
    """Parse a requirement as written in a Chinese standard: a typed requirement, or a ``text`` one with the
    reason it goes to manual judgement. Cached: a lab report repeats the same requirements."""
    try:
        return _parse_cached((text or "").strip(), (unit or "").strip())
    except DomainError as e:
        raise DomainError(e.code, e.message_zh, e.message_en, field=field_name) from None


def requirement_from_indicator(kind: str, lower: float | None, upper: float | None, unit: str, text: str,
                               lower_inclusive: bool = True, upper_inclusive: bool = True) -> Requirement:
    """A requirement from a catalog indicator: its text as written is parsed (the same parse every entry path
    uses); when the text is not a limit, the indicator's stored limits are used."""
    if text:
        try:
            parsed = parse_requirement(text, unit)
        except DomainError:
            parsed = None
        if parsed is not None and (parsed.kind != "text" or kind == "text"):
            return parsed
    if kind == "text" or kind not in KINDS:
        return _manual(text, unit, Reason("manual.words"))
    return Requirement(kind, lower=lower, upper=upper, lower_inclusive=lower_inclusive,
                       upper_inclusive=upper_inclusive, unit=unit, text=text, decimals=0)
