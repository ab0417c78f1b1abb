"""Pure rules of supervisory spot checks (监督抽查): requirements, judgement, units, workflow, draws.

One judgement for every entry path (console form, API, import, `zhijian judge`, demo):

- :func:`parse_requirement` reads a requirement as written in a Chinese standard into a typed
  :class:`Requirement` — or into a ``text`` requirement with the reason it goes to the inspector.
  Shapes: ``≤0.5`` ``<0.1`` ``≥3.0`` ``>95`` (half/full width, ``不大于 不超过 不小于 不低于 小于 大于``),
  ranges ``0.5~1.5`` ``0.5-1.5`` ``0.5～1.5`` ``0.5—1.5`` ``0.5至1.5`` ``5.0±0.5``, numbers ``5×10⁴`` ``5x10^4``
  ``5E4`` ``10^4`` ``10⁴``, percentages ``≥95%``, an equality ``6.5``, ``不得检出`` (and ``禁用(≤20)``), ``阴性``,
  microbiological sampling plans ``n=5,c=2,m=100,M=1000 CFU/g`` (GB 4789.1 three- and two-class),
  qualitative ``无…`` / ``符合…要求`` (manual, with the standard named).
- :func:`parse_measured` reads a result as a lab writes it: a number, ``未检出``/``ND``, ``<0.05`` (below the
  reported limit), ``检出``, ``阳性``, ``阴性``; :func:`parse_units` the n unit results of a sampling plan.
- :func:`item_problems` is the one list of refusals; :func:`judge` (one item) and :func:`judge_arrays`
  (many items, vectorised) refuse and accept exactly the same inputs and give the same verdicts.
- GB/T 8170-2008 comparison: 全数值比较法 (``full``) or 修约值比较法 (``rounded``: the value is rounded to
  the limit's last significant digit first, §4.3 — ``≤5×10⁴`` rounds to 10⁴, ``≤1.0×10³`` to 10²).
- Decision rules with measurement uncertainty from :mod:`zhijian.stats.conformity` (ILAC-G8, JCGM 106).
- The batch workflow (planned → … → published), the reproducible 双随机 draw and the re-test lab draw.

No I/O here: every function is deterministic and testable without a database.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import numpy as np

from zhijian.platform.errors import DomainError
from zhijian.stats import conformity

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
LEVELS = ("national", "provincial", "municipal", "county")
LEVEL_ZH = {"national": "国家级", "provincial": "省级", "municipal": "市级", "county": "县级"}
BASES = ("random", "targeted", "complaint", "emergency")
BASIS_ZH = {"random": "随机抽样", "targeted": "定向抽样", "complaint": "投诉举报", "emergency": "应急抽查"}
EXEMPTABLE_BASES = ("targeted", "emergency")  # may be exempt from the repeat-check rule, with a recorded reason
ANNOUNCING_LEVELS = ("national", "provincial")  # PQL Art. 17: 公告 by provincial and higher regulators only


def _bad(field_name: str, zh: str, en: str, code: str = "spotcheck.invalid") -> DomainError:
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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
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
        u = f" {self.unit}" if self.unit else ""
        dig = f"；限值末位 {_digit_zh(self.decimals)}"
        if self.kind == "max":
            return f"上限 {self.upper:g}{u}（{'含' if self.upper_inclusive else '不含'}限值）{dig}"
        if self.kind == "min":
            return f"下限 {self.lower:g}{u}（{'含' if self.lower_inclusive else '不含'}限值）{dig}"
        if self.kind == "range":
            return f"范围 {self.lower:g}{u} 至 {self.upper:g}{u}（含两端）{dig}"
        if self.kind == "equals":
            return f"规定值 {self.lower:g}{u}{dig}"
        if self.kind == "not_detected":
            return "不得检出" + ("" if self.upper is None else f"，检出阈值 {self.upper:g}{u}")
        if self.kind == "negative":
            return "定性要求：阴性（阴性/未检出合格，阳性/检出不合格）"
        if self.kind == "plan":
            if self.big_m is None:
                return (f"二级采样方案（GB 4789.1）：n={self.n} 个样品单元，超过 m={self.upper:g}{u} 的单元不得多于 "
                        f"c={self.c} 个")
            return (f"三级采样方案（GB 4789.1）：n={self.n} 个样品单元，任一单元不得超过 M={self.big_m:g}{u}，"
                    f"m={self.upper:g} 至 M 之间的单元不得多于 c={self.c} 个")
        return f"人工判定：{self.manual_reason or '文字要求，由检验人员判定'}"


def _digit_zh(decimals: int) -> str:
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


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "").strip()  # full-width ～ ＜ ０ → ASCII forms
    s = _SUP_RUN.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPT), s)  # 10⁴ → 10^4 (before NFKC digits)
    for a, b in _WORDS:
        s = s.replace(a, b)
    s = s.replace("〜", "~").replace("∼", "~").replace("−", "-")
    return s


def _sup_first(text: str) -> str:
    """Superscripts become ^n before NFKC would turn them into plain digits (10⁴ → 10^4, not 104)."""
    return _SUP_RUN.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPT), text or "")


def _number(token: str) -> tuple[float, int]:
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
    s = _normalise(_sup_first(raw))
    if not s:
        raise _bad("requirement", "标准要求为空", "the requirement is empty", "spotcheck.bad_requirement")
    s = _ANNOTATION.sub("", s)
    pm = _PLAN_RE.fullmatch(s)
    if pm:
        return _plan(raw, pm, unit)
    if any(w in s for w in _ND_REQ):
        m = re.search(r"([≤<])\s*(" + _NUM + ")", s)
        if m:  # e.g. 禁用(≤20): not detected above a stated threshold
            v, d = _number(m.group(2))
            return Requirement("not_detected", upper=v, upper_inclusive=m.group(1) == "≤", unit=unit, text=raw,
                               decimals=d)
        return Requirement("not_detected", unit=unit, text=raw)
    if s in ("阴性", "阴性反应", "应为阴性", "-/阴性"):
        return Requirement("negative", unit=unit, text=raw)
    ref = re.fullmatch(r"(?:应)?符合\s*(.+?)\s*(?:中?的)?(?:有关|相关)?(?:要求|规定)(?:的要求)?", s)
    if ref:
        std = ref.group(1).strip("《》「」 ")
        return Requirement("text", unit=unit, text=raw, standard_ref=std,
                           manual_reason=f"按「{std}」的要求由检验人员判定")
    m = re.fullmatch(r"(≤|<|≥|>|=)?\s*(" + _NUM + r")\s*(?:(" + _RANGE_SEP + r"|±)\s*(" + _NUM + r"))?\s*(.*)", s)
    if m is None:
        return _text(raw, unit, s)
    op, a, sep, b, trailing = m.group(1), m.group(2), m.group(3), m.group(4), (m.group(5) or "").strip()
    if trailing:
        if not _UNIT_RE.fullmatch(trailing):
            return _text(raw, unit, s)
        unit = trailing  # the requirement states its own unit ("≤0.5 mg/kg", "≥95%")
    try:
        va, da = _number(a)
        vb, db = _number(b) if b is not None else (None, 0)
    except (ValueError, InvalidOperation):
        return _text(raw, unit, s)
    if sep is not None:
        assert vb is not None
        if op:
            return _text(raw, unit, s)
        if sep == "±":
            if vb < 0:
                return _text(raw, unit, s)
            d = max(da, db)
            return Requirement("range", lower=round(va - vb, 12), upper=round(va + vb, 12), unit=unit, text=raw, decimals=d)
        if va > vb:
            raise _bad("requirement", f"范围要求「{raw}」下限大于上限", f"range requirement {raw!r} has lower > upper",
                       "spotcheck.bad_requirement")
        return Requirement("range", lower=va, upper=vb, unit=unit, text=raw, decimals=max(da, db))
    if op in ("≤", "<"):
        return Requirement("max", upper=va, upper_inclusive=op == "≤", unit=unit, text=raw, decimals=da)
    if op in ("≥", ">"):
        return Requirement("min", lower=va, lower_inclusive=op == "≥", unit=unit, text=raw, decimals=da)
    return Requirement("equals", lower=va, upper=va, unit=unit, text=raw, decimals=da)


def _text(raw: str, unit: str, s: str) -> Requirement:
    if re.search(r"\d", s):
        reason = f"要求「{raw}」含有数字但不是可识别的限值形式，请核对；由检验人员判定"
    elif s.startswith("无") or s.startswith("不得") or s.startswith("应无"):
        reason = "定性要求（无…），由检验人员判定"
    else:
        reason = "文字要求，由检验人员判定"
    return Requirement("text", unit=unit, text=raw, manual_reason=reason)


def _plan(raw: str, pm: re.Match[str], unit: str) -> Requirement:
    n, c = int(pm.group(1)), int(pm.group(2))
    m_v, m_d = _number(pm.group(3))
    big = _number(pm.group(4))[0] if pm.group(4) else None
    trailing = (pm.group(5) or "").strip()
    if trailing:
        unit = trailing
    if n < 1 or c >= n or m_v < 0 or (big is not None and big < m_v):
        raise _bad("requirement", f"采样方案「{raw}」无效（应 c < n，m ≤ M）", f"sampling plan {raw!r} is invalid (c < n, m ≤ M)",
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
        return Requirement("text", unit=unit, text=text, manual_reason="文字要求，由检验人员判定")
    return Requirement(kind, lower=lower, upper=upper, lower_inclusive=lower_inclusive,
                       upper_inclusive=upper_inclusive, unit=unit, text=text, decimals=0)


# ---------------------------------------------------------------- measured values and units


@dataclass(frozen=True)
class Measured:
    """A result as reported: a number, 未检出 (``not_detected``, with ``reported_limit`` for "<x"), or a
    qualitative result (``qual``: detected 检出 / positive 阳性 / negative 阴性); ``units`` for a sampling plan."""

    value: float | None
    not_detected: bool
    text: str
    qual: str = ""
    reported_limit: float | None = None
    units: tuple[float, ...] | None = None
    unit_limits: tuple[float, ...] | None = None


def parse_measured(text: str | float | int | None, *, field_name: str = "value") -> Measured:
    """A measured value as a lab writes it: a number, 未检出 / ND, '<0.01', 检出, 阳性, 阴性."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        if not math.isfinite(float(text)):
            raise _bad(field_name, "实测值不是有限数", "measured value is not finite", "spotcheck.bad_value")
        return Measured(float(text), False, repr(text))
    raw = (str(text) if text is not None else "").strip()
    return _parse_measured_text(raw, field_name)


@lru_cache(maxsize=65536)
def _measured_cached(raw: str) -> Measured | str:
    s = _normalise(_sup_first(raw))
    if not s:
        return "empty"
    if s in NOT_DETECTED_WORDS or s.startswith("未检出"):
        return Measured(None, True, raw)
    if s in ("检出", "有检出", "已检出"):
        return Measured(None, False, raw, qual="detected")
    if s in ("阳性", "阳性(+)", "+", "(+)"):
        return Measured(None, False, raw, qual="positive")
    if s in ("阴性", "阴性(-)", "(-)"):
        return Measured(None, False, raw, qual="negative")
    if s.startswith("<"):  # "<0.05": below the reported limit (检出限/定量限) 0.05
        try:
            lim, _d = _number(s[1:].strip())
        except (ValueError, InvalidOperation):
            return "bad"
        if lim < 0:
            return "bad"
        return Measured(None, True, raw, reported_limit=lim)
    try:
        v, _d = _number(s)
    except (ValueError, InvalidOperation):
        return "bad"
    return Measured(v, False, raw)


def _parse_measured_text(raw: str, field_name: str) -> Measured:
    out = _measured_cached(raw)
    if out == "empty":
        raise _bad(field_name, "实测值为空", "measured value is empty", "spotcheck.bad_value")
    if out == "bad":
        raise _bad(field_name, f"实测值无法识别：「{raw}」（应为数值、未检出、<检出限、检出、阳性或阴性）",
                   f"measured value not understood: {raw!r} (a number, 未检出, <LOD, 检出, 阳性 or 阴性)",
                   "spotcheck.bad_value")
    assert isinstance(out, Measured)
    return out


_UNIT_SPLIT = re.compile(r"\s*[,，;；、|]\s*|\s+")


def parse_units(values: str | list[Any] | tuple[Any, ...] | None, *,
                field_name: str = "units") -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The n unit results of a sampling plan ("120, 3000, 80" or a list) as (values, limits): a number has
    limit NaN; 未检出 has value NaN and limit 0; "<10" has value NaN and limit 10 (below the reported limit)."""
    if values is None:
        return (), ()
    items: list[Any] = []
    if isinstance(values, str):
        items = [x for x in _UNIT_SPLIT.split(values.strip()) if x]
    else:
        for v in values:
            if isinstance(v, str):
                items += [x for x in _UNIT_SPLIT.split(v.strip()) if x]
            else:
                items.append(v)
    vals: list[float] = []
    lims: list[float] = []
    for k, v in enumerate(items):
        m = parse_measured(v, field_name=f"{field_name}.{k}")
        if m.value is not None:
            vals.append(m.value)
            lims.append(math.nan)
        elif m.not_detected:
            vals.append(math.nan)
            lims.append(0.0 if m.reported_limit is None else m.reported_limit)
        else:
            raise _bad(f"{field_name}.{k}", f"第 {k + 1} 个样品单元结果应为数值或未检出",
                       f"unit result {k + 1} must be a number or 未检出", "spotcheck.bad_units")
    return tuple(vals), tuple(lims)


def _units_text(vals: tuple[float, ...], lims: tuple[float, ...]) -> str:
    return ", ".join(f"{v:g}" if not math.isnan(v) else ("未检出" if lim == 0 else f"<{lim:g}")
                     for v, lim in zip(vals, lims, strict=True))


def parse_measured_for(req: Requirement, text: str | float | int | None, *, field_name: str = "value",
                       units: Any = None) -> Measured:
    """The result for this requirement: a text requirement takes the observation as written (符合, 无渗漏); a
    sampling plan takes its unit results (from ``units``, or from the value written as "120, 3000, 80, …")."""
    if req.kind == "text":
        raw = "" if text is None else str(text).strip()
        if not raw:
            raise _bad(field_name, "检验结果为空", "the result is empty", "spotcheck.bad_value")
        return Measured(None, False, raw)
    if req.kind == "plan":
        source = units if units not in (None, "", [], ()) else text
        vals, lims = parse_units(source, field_name="units" if source is units else field_name)
        return Measured(None, False, _units_text(vals, lims)[:64], units=vals, unit_limits=lims)
    m = parse_measured(text, field_name=field_name)
    if units not in (None, "", [], ()):
        vals, lims = parse_units(units)
        return Measured(m.value, m.not_detected, m.text, m.qual, m.reported_limit, vals, lims)
    return m


_UNIT_ALIASES = {"ppm": "mg/kg", "ppb": "μg/kg", "%": "percent", "‰": "permille", "Ω": "ohm", "℃": "degC",
                 "μg/g": "μg/g", "ug/g": "μg/g", "mg/100g": "mg/(100*g)", "g/100g": "g/(100*g)",
                 "g/100mL": "g/(100*mL)", "mg/100mL": "mg/(100*mL)", "g/100ml": "g/(100*mL)"}


@lru_cache(maxsize=1)
def _ureg() -> Any:
    import pint

    return pint.UnitRegistry()


@lru_cache(maxsize=512)
def unit_factor(from_unit: str, to_unit: str) -> float:
    """Multiply a value in `from_unit` by this to get it in `to_unit` (1.0 when the units are the same)."""
    a, b = (from_unit or "").strip(), (to_unit or "").strip()
    if a == b or not a or not b:
        return 1.0
    ureg = _ureg()
    try:
        qa = ureg.parse_expression(_UNIT_ALIASES.get(a, a))
        qb = ureg.parse_expression(_UNIT_ALIASES.get(b, b))
        return float((qa / qb).to("dimensionless").magnitude)
    except Exception:
        raise DomainError("spotcheck.unit_mismatch", f"单位「{a}」无法换算为「{b}」",
                          f"unit {a!r} cannot be converted to {b!r}", field="unit") from None


# ---------------------------------------------------------------- rounding (GB/T 8170-2008 修约)


def round_gbt8170(value: float, decimals: int) -> float:
    """GB/T 8170-2008 §3.3 rounding to `decimals` digits (negative: to tens, hundreds, …): 四舍六入五成双."""
    d = Decimal(repr(float(value)))
    q = Decimal(1).scaleb(-decimals)
    return float(d.quantize(q, rounding=ROUND_HALF_EVEN))


def round_gbt8170_array(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Vectorised GB/T 8170 rounding; float noise below 1e-9 of the last digit is removed first."""
    scale = np.power(10.0, decimals)
    scaled = np.round(values * scale, 9)
    return np.rint(scaled) / scale


# ---------------------------------------------------------------- judgement (判定)


@dataclass(frozen=True)
class Problem:
    """Why an item result is refused (the same on every entry path); ``field`` is the item's field."""

    field: str
    code: str
    message_zh: str
    message_en: str

    def error(self, prefix: str = "") -> DomainError:
        return DomainError(self.code, self.message_zh, self.message_en, field=f"{prefix}{self.field}")


def item_problems(req: Requirement, measured: Measured, *, lod: float | None = None, uncertainty: float | None = None,
                  rule: str = "simple", lab_verdict: str | None = None) -> list[Problem]:
    """Every reason to refuse one item result — run by every entry path (form, API, import, CLI, demo) and
    mirrored exactly by :func:`judge_arrays`. An empty list means the item can be judged."""
    out: list[Problem] = []
    if uncertainty is not None and not (math.isfinite(uncertainty) and uncertainty >= 0):
        out.append(Problem("uncertainty", "spotcheck.bad_uncertainty", "扩展不确定度 U 应为非负数",
                           "the expanded uncertainty U must be a non-negative number"))
    if lod is not None and not (math.isfinite(lod) and lod >= 0):
        out.append(Problem("lod", "spotcheck.bad_lod", "检出限应为非负数", "the limit of detection must be a non-negative number"))
    if lab_verdict not in (None, PASS, FAIL):
        out.append(Problem("lab_verdict", "spotcheck.bad_verdict", "单项判定应为 合格 或 不合格",
                           "the lab's item verdict must be 合格 or 不合格"))
    k = req.kind
    if k == "plan":
        got = len(measured.units or ())
        if got == 0:
            out.append(Problem("units", "spotcheck.units_required", f"采样方案须录入 n={req.n} 个样品单元的结果",
                               f"a sampling plan needs the results of its n={req.n} sample units"))
        elif got != req.n:
            out.append(Problem("units", "spotcheck.units_count", f"采样方案 n={req.n}，但录入了 {got} 个样品单元结果",
                               f"the sampling plan has n={req.n} but {got} unit results were given"))
    elif measured.units:
        out.append(Problem("units", "spotcheck.units_unexpected", "只有微生物采样方案（n、c、m、M）录入样品单元结果",
                           "unit results belong to microbiological sampling plans (n, c, m, M) only"))
    if k in NUMERIC_KINDS and measured.not_detected and measured.reported_limit is None and lod is None:
        out.append(Problem("lod", "spotcheck.lod_required", "结果为未检出时须填写检出限（或写作「<检出限」）",
                           "a 未检出 result against a numeric limit needs the limit of detection (or write '<LOD')"))
    if rule == "guarded" and k in ("max", "min", "range") and measured.value is not None and uncertainty is None:
        out.append(Problem("uncertainty", "spotcheck.uncertainty_required", "保护带判定需要扩展不确定度 U",
                           "guarded acceptance needs the expanded uncertainty U"))
    if k == "text" and lab_verdict not in (PASS, FAIL):
        out.append(Problem("lab_verdict", "spotcheck.lab_verdict_required", "文字要求须由检验人员给出单项判定（合格/不合格）",
                           "a text requirement needs the inspector's item verdict (合格/不合格)"))
    return out


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~9 µs for these fields (bench_judge)
class ItemJudgement:
    """单项判定 — the verdict on one item with how it was reached (the same text on the page, the PDF, the API)."""

    verdict: str
    requirement: Requirement
    value: float | None
    compared_value: float | None
    unit: str
    not_detected: bool
    comparison_method: str
    rule: str
    outcome: str | None = None
    probability_of_conformance: float | None = None
    rule_text_zh: str = ""
    rule_text: str = ""
    reason_zh: str = ""
    guard_band: float | None = None
    extra: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["requirement"] = self.requirement.to_dict()
        d["comparison_method_zh"] = METHOD_ZH[self.comparison_method]
        d["explanation"] = self.explain()
        d["explanation_zh"] = self.explain_zh
        return d

    def explain(self) -> dict[str, str]:
        """Requirement as written, its parse, comparison method, rounding, uncertainty rule, result."""
        req = self.requirement
        numeric = req.kind in NUMERIC_KINDS or (req.kind == "not_detected" and req.upper is not None)
        u = f" {self.unit}" if self.unit else ""
        if not numeric:
            method = "不适用（" + ("计数判定，GB 4789.1" if req.kind == "plan" else "定性或人工判定") + "）"
            rounding = "不适用"
            unc = "不适用"
        else:
            method = METHOD_ZH[self.comparison_method] + "（GB/T 8170-2008 4.3）"
            if self.value is None:
                rounding = "不适用（未给出数值）"
            elif self.comparison_method == "rounded":
                rounding = (f"修约至{_digit_zh(req.decimals)}（四舍六入五成双，GB/T 8170-2008 3.3）："
                            f"{self.value:g} → {self.compared_value:g}")
            else:
                rounding = f"不修约，以全数值 {self.value:g} 比较"
            if self.rule == "guarded" and req.kind in ("max", "min", "range") and self.value is not None:
                unc = (f"保护带判定（ILAC-G8:09/2019 4.2.3）：w = r·U = {self.guard_band or 0:g}{u}，"
                       "超出限值超过 w 方判不合格")
            else:
                unc = "简单接受规则（ILAC-G8:09/2019 4.2.1，不计测量不确定度，w = 0）"
        return {"requirement": req.text or req.describe_zh, "parsed": req.parse_zh, "comparison_method": method,
                "rounding": rounding, "uncertainty_rule": unc, "result": f"{self.verdict}：{self.reason_zh}"}

    @property
    def explain_zh(self) -> str:
        e = self.explain()
        return (f"标准要求：{e['requirement']}；解析：{e['parsed']}；比较方法：{e['comparison_method']}；"
                f"修约：{e['rounding']}；不确定度规则：{e['uncertainty_rule']}；结果：{e['result']}")


def _check_rule(rule: str, method: str) -> None:
    if rule not in RULES:
        raise _bad("rule", f"判定规则无效：{rule}（simple 或 guarded）", f"invalid decision rule: {rule} (simple or guarded)",
                   "spotcheck.bad_rule")
    if method not in METHODS:
        raise _bad("comparison_method", f"比较方法无效：{method}（full 全数值 或 rounded 修约值）",
                   f"invalid comparison method: {method} (full or rounded)", "spotcheck.bad_method")


def effective_lod(measured: Measured, lod: float | None) -> float | None:
    """The limit below which a 未检出 lies: the one written with the result ("<0.05"), else the LOD given."""
    return measured.reported_limit if measured.reported_limit is not None else lod


def judge(req: Requirement, measured: Measured, *, unit: str | None = None, lod: float | None = None,
          uncertainty: float | None = None, rule: str = "simple", guard_factor: float = 1.0,
          comparison_method: str = "full", lab_verdict: str | None = None) -> ItemJudgement:
    """Judge one item against its requirement (refuses exactly what :func:`item_problems` lists).

    Numbers are converted to the requirement's unit first. Under ``rounded`` (修约值比较法) the value is rounded
    to the limit's last significant digit before comparing. ``guarded`` is the regulator's guarded rejection
    (ILAC-G8 §4.2.3): 不合格 only when the value is outside the limit by more than w = r·U (proven)."""
    _check_rule(rule, comparison_method)
    probs = item_problems(req, measured, lod=lod, uncertainty=uncertainty, rule=rule, lab_verdict=lab_verdict)
    if probs:
        raise probs[0].error()
    unit = req.unit if unit is None else unit
    factor = unit_factor(unit, req.unit) if (unit and req.unit and req.kind != "text") else 1.0
    value = None if measured.value is None else measured.value * factor
    big_u = None if uncertainty is None else float(uncertainty) * factor
    eff = effective_lod(measured, lod)
    lod_c = None if eff is None else float(eff) * factor
    base = dict(requirement=req, value=value, unit=req.unit or unit, not_detected=measured.not_detected,
                comparison_method=comparison_method, rule=rule)
    k = req.kind
    if k == "text":
        reason = (req.manual_reason or "文字要求，由检验人员判定") + f"：检验人员判定为{lab_verdict}"
        return ItemJudgement(lab_verdict or MANUAL, compared_value=None, reason_zh=reason, **base)  # type: ignore[arg-type]
    if k == "plan":
        units = tuple(x * factor for x in (measured.units or ()))
        lims = tuple(x * factor for x in (measured.unit_limits or ()))
        verdict, reason = _judge_plan(req, units, lims)
        return ItemJudgement(verdict, compared_value=None, reason_zh=reason, extra={"units": list(units)}, **base)  # type: ignore[arg-type]
    if measured.qual:
        return _judge_qualitative(req, measured.qual, base)
    if measured.not_detected:
        return _judge_not_detected(req, lod_c, measured.reported_limit is not None, base)
    assert value is not None
    if k == "negative":
        return ItemJudgement(INCONCLUSIVE, compared_value=value, reason_zh="阴性要求应报告阴性或阳性，数值结果无法判定", **base)  # type: ignore[arg-type]
    compared = round_gbt8170(value, req.decimals) if comparison_method == "rounded" else value
    if k == "not_detected":
        if req.upper is not None:
            ok = compared <= req.upper if req.upper_inclusive else compared < req.upper
            reason = f"低于检出阈值 {req.upper:g}" if ok else f"检出，超过阈值 {req.upper:g}"
        else:
            ok = lod_c is not None and value < lod_c
            reason = "低于检出限" if ok else "检出（不得检出）"
        return ItemJudgement(PASS if ok else FAIL, compared_value=compared, reason_zh=reason, **base)  # type: ignore[arg-type]
    if k == "equals":
        ok = compared == req.lower
        return ItemJudgement(PASS if ok else FAIL, compared_value=compared,
                             reason_zh="等于规定值" if ok else "不等于规定值", **base)  # type: ignore[arg-type]
    lo = req.lower if k in ("min", "range") else None
    hi = req.upper if k in ("max", "range") else None
    w = guard_factor * big_u if (rule == "guarded" and big_u is not None) else 0.0
    outside_lo = lo is not None and (compared < lo or (not req.lower_inclusive and compared == lo))
    outside_hi = hi is not None and (compared > hi or (not req.upper_inclusive and compared == hi))
    if w > 0:
        fail = (lo is not None and compared < lo - w) or (hi is not None and compared > hi + w)
    else:
        fail = outside_lo or outside_hi
    outcome = pc = None
    rule_zh = rule_en = ""
    if rule == "guarded":
        on_exclusive = (lo is not None and compared == lo and not req.lower_inclusive) or (
            hi is not None and compared == hi and not req.upper_inclusive)
        dec = conformity.judge_value(compared, lower=lo, upper=hi, expanded_uncertainty=big_u, rule="guarded",
                                     guard_factor=guard_factor, on_limit="fail" if on_exclusive else "pass")
        outcome, pc, rule_zh, rule_en = dec.outcome, dec.probability_of_conformance, dec.rule_text_zh, dec.rule_text
    side = "低于下限" if outside_lo else "超过上限"
    if fail:
        reason = f"{side}" + (f"，且超出量大于保护带 w = {w:g}（不合格已得到证明）" if w > 0 else "")
    elif outside_lo or outside_hi:
        reason = (f"{side}，但超出量未大于保护带 w = {w:g}（有条件不合格：不合格未得到证明），"
                  "按保护带判定规则判为合格")
    else:
        reason = "在限值内"
    return ItemJudgement(FAIL if fail else PASS, compared_value=compared, outcome=outcome,
                         probability_of_conformance=pc, rule_text_zh=rule_zh, rule_text=rule_en, reason_zh=reason,
                         guard_band=w if rule == "guarded" else None, **base)  # type: ignore[arg-type]


def _judge_qualitative(req: Requirement, qual: str, base: dict[str, Any]) -> ItemJudgement:
    word = QUAL_ZH[qual]
    if req.kind in ("not_detected", "negative"):
        ok = qual == "negative"
        reason = f"结果为{word}，要求{req.describe_zh}"
        return ItemJudgement(PASS if ok else FAIL, compared_value=None, reason_zh=reason, **base)  # type: ignore[arg-type]
    return ItemJudgement(INCONCLUSIVE, compared_value=None, reason_zh=f"定性结果「{word}」不能与数值限值比较，无法判定",
                         **base)  # type: ignore[arg-type]


def _judge_not_detected(req: Requirement, lod: float | None, reported: bool, base: dict[str, Any]) -> ItemJudgement:
    """未检出 / "<x": conforms to 不得检出; to a maximum only when the limit x does not exceed it (else the
    method is not fit for purpose: 无法判定); below a minimum it fails."""
    lim = "报告限" if reported else "检出限"
    if req.kind in ("not_detected", "negative"):
        if req.upper is not None and lod is not None and lod > req.upper:
            return ItemJudgement(INCONCLUSIVE, compared_value=None,
                                 reason_zh=f"{lim} {lod:g} 高于阈值 {req.upper:g}，方法不适用，无法判定", **base)  # type: ignore[arg-type]
        return ItemJudgement(PASS, compared_value=None, reason_zh="未检出", **base)  # type: ignore[arg-type]
    assert lod is not None
    if req.kind == "max":
        if lod <= (req.upper if req.upper is not None else math.inf):
            return ItemJudgement(PASS, compared_value=None, reason_zh=f"未检出（低于{lim} {lod:g}，不高于限值）", **base)  # type: ignore[arg-type]
        return ItemJudgement(INCONCLUSIVE, compared_value=None,
                             reason_zh=f"{lim} {lod:g} 高于限值 {req.upper:g}：方法不能证明符合，无法判定（方法不适用）", **base)  # type: ignore[arg-type]
    if lod <= (req.lower if req.lower is not None else math.inf):
        return ItemJudgement(FAIL, compared_value=None, reason_zh=f"未检出（低于{lim} {lod:g}），低于下限", **base)  # type: ignore[arg-type]
    return ItemJudgement(INCONCLUSIVE, compared_value=None, reason_zh=f"{lim} {lod:g} 高于下限，无法判定", **base)  # type: ignore[arg-type]


def _judge_plan(req: Requirement, units: tuple[float, ...], lims: tuple[float, ...]) -> tuple[str, str]:
    """GB 4789.1 attribute plan: any unit > M fails; more than c units in (m, M] fail; two-class: more than c
    units > m fail. A unit reported as "<x" with x above m cannot be placed: 无法判定 unless the rest fails."""
    m, big, c = float(req.upper or 0.0), req.big_m, int(req.c or 0)
    known = [u for u in units if not math.isnan(u)]
    unknown = sum(1 for u, lim in zip(units, lims, strict=True) if math.isnan(u) and lim > m)
    if big is not None:
        over = sum(1 for u in known if u > big)
        mid = sum(1 for u in known if m < u <= big)
        if over:
            return FAIL, f"{over} 个样品单元超过 M={big:g}"
        if mid > c:
            return FAIL, f"{mid} 个样品单元在 m 与 M 之间，多于 c={c}"
        if unknown:
            return INCONCLUSIVE, f"{unknown} 个样品单元的报告限高于 m={m:g}，无法判定"
        return PASS, f"无样品单元超过 M；m 与 M 之间 {mid} 个，不多于 c={c}"
    over = sum(1 for u in known if u > m)
    if over > c:
        return FAIL, f"{over} 个样品单元超过 m={m:g}，多于 c={c}"
    if unknown:
        return INCONCLUSIVE, f"{unknown} 个样品单元的报告限高于 m={m:g}，无法判定"
    return PASS, f"超过 m 的样品单元 {over} 个，不多于 c={c}"


# Vectorised core for bulk judgement (批量判定): the same refusals and decisions as judge(), tested against it.
V_PASS, V_FAIL, V_MANUAL, V_INCONCLUSIVE = 0, 1, 2, 3
CODE_VERDICT = (PASS, FAIL, MANUAL, INCONCLUSIVE)
QUAL_CODE = {q: i for i, q in enumerate(QUALS)}
LAB_CODE = {None: -1, PASS: 0, FAIL: 1}


def judge_arrays(kind: np.ndarray, lower: np.ndarray, upper: np.ndarray, value: np.ndarray,
                 not_detected: np.ndarray, *, lower_inclusive: np.ndarray | None = None,
                 upper_inclusive: np.ndarray | None = None, lod: np.ndarray | None = None,
                 uncertainty: np.ndarray | None = None, decimals: np.ndarray | None = None,
                 rounded: np.ndarray | None = None, guarded: bool = False, guard_factor: float = 1.0,
                 qual: np.ndarray | None = None, reported: np.ndarray | None = None,
                 lab_verdict: np.ndarray | None = None, plan_n: np.ndarray | None = None,
                 plan_c: np.ndarray | None = None, big_m: np.ndarray | None = None,
                 units: np.ndarray | None = None, unit_limits: np.ndarray | None = None,
                 unit_count: np.ndarray | None = None, field_prefix: str = "items.") -> np.ndarray:
    """Judge many items at once; codes 0 合格, 1 不合格, 2 待人工判定, 3 无法判定 (NaN limits mean 'none').

    Refuses (DomainError, field ``<prefix><i>.<field>``) the first item :func:`item_problems` would refuse."""
    n = value.shape[0]
    kind = kind.astype(np.int8, copy=False)
    li = np.ones(n, bool) if lower_inclusive is None else lower_inclusive
    ui = np.ones(n, bool) if upper_inclusive is None else upper_inclusive
    lod = np.full(n, np.nan) if lod is None else lod
    rep = np.full(n, np.nan) if reported is None else reported
    unc = np.full(n, np.nan) if uncertainty is None else uncertainty
    q = np.zeros(n, np.int8) if qual is None else qual
    lab = np.full(n, -1, np.int8) if lab_verdict is None else lab_verdict
    ucount = np.zeros(n, np.int64) if unit_count is None else unit_count
    pn = np.zeros(n, np.int64) if plan_n is None else plan_n
    k_nd, k_eq, k_text, k_max = KIND_CODE["not_detected"], KIND_CODE["equals"], KIND_CODE["text"], KIND_CODE["max"]
    k_min, k_range, k_neg, k_plan = KIND_CODE["min"], KIND_CODE["range"], KIND_CODE["negative"], KIND_CODE["plan"]
    is_plan = kind == k_plan
    is_text = kind == k_text
    numeric_kind = (kind == k_max) | (kind == k_min) | (kind == k_range) | (kind == k_eq)
    has_value = ~np.isnan(value) & ~not_detected & (q == 0) & ~is_plan & ~is_text
    # refusals: the same list, in the same order, as item_problems()
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(unc) & ~(np.isfinite(unc) & (unc >= 0))
        bad |= ~np.isnan(lod) & ~(np.isfinite(lod) & (lod >= 0))
    bad |= is_plan & ((ucount == 0) | (ucount != pn))
    bad |= ~is_plan & (ucount > 0)
    bad |= numeric_kind & not_detected & np.isnan(rep) & np.isnan(lod)
    if guarded:
        bad |= ((kind == k_max) | (kind == k_min) | (kind == k_range)) & has_value & np.isnan(unc)
    bad |= is_text & (lab < 0)
    if bad.any():
        raise _array_problem(int(np.argmax(bad)), kind, lower, upper, li, ui, value, not_detected, q, lod, rep, unc,
                             lab, pn, plan_c, ucount, guarded, field_prefix)
    lod_eff = np.where(np.isnan(rep), lod, rep)
    v = value
    if rounded is not None and decimals is not None and rounded.any():
        v = np.where(rounded, round_gbt8170_array(value, decimals), value)
    big_u = np.nan_to_num(unc, nan=0.0)
    w = guard_factor * big_u if guarded else np.zeros(n)
    has_lo = ~np.isnan(lower)
    has_hi = ~np.isnan(upper)
    lo_f = np.where(has_lo, lower, -np.inf)
    hi_f = np.where(has_hi, upper, np.inf)
    with np.errstate(invalid="ignore"):
        below = np.where(w > 0, v < lo_f - w, (v < lo_f) | (~li & (v == lo_f)))
        above = np.where(w > 0, v > hi_f + w, (v > hi_f) | (~ui & (v == hi_f)))
        numeric_fail = below | above
        nd_limit_fail = np.where(has_hi, (v > hi_f) | (~ui & (v == hi_f)), ~(value < lod_eff))
        equals_fail = v != lo_f
    out = np.where(numeric_fail, V_FAIL, V_PASS)
    out = np.where(kind == k_nd, np.where(nd_limit_fail, V_FAIL, V_PASS), out)
    out = np.where(kind == k_eq, np.where(equals_fail, V_FAIL, V_PASS), out)
    out = np.where(kind == k_neg, V_INCONCLUSIVE, out)
    # results reported as 未检出 / "<x"
    with np.errstate(invalid="ignore"):
        nd_req = np.where(has_hi & ~np.isnan(lod_eff) & (lod_eff > hi_f), V_INCONCLUSIVE, V_PASS)
        nd_max = np.where(lod_eff <= hi_f, V_PASS, V_INCONCLUSIVE)
        nd_low = np.where(lod_eff <= np.where(has_lo, lo_f, np.inf), V_FAIL, V_INCONCLUSIVE)
    nd_out = np.where(kind == k_nd, nd_req, np.where(kind == k_neg, V_PASS, np.where(kind == k_max, nd_max, nd_low)))
    out = np.where(not_detected, nd_out, out)
    # qualitative results: 阴性 conforms to 阴性/不得检出, 检出/阳性 fail them; against a number: 无法判定
    qual_req = (kind == k_nd) | (kind == k_neg)
    out = np.where(q > 0, np.where(qual_req, np.where(q == QUAL_CODE["negative"], V_PASS, V_FAIL), V_INCONCLUSIVE), out)
    if is_plan.any():
        out = np.where(is_plan, _plan_arrays(upper, big_m, plan_c, units, unit_limits, ucount), out)
    out = np.where(is_text, np.where(lab == 1, V_FAIL, V_PASS), out)
    return out.astype(np.int8)


def _plan_arrays(m: np.ndarray, big_m: np.ndarray | None, c: np.ndarray | None, units: np.ndarray | None,
                 lims: np.ndarray | None, ucount: np.ndarray) -> np.ndarray:
    n = m.shape[0]
    assert units is not None and c is not None
    lims = np.full(units.shape, np.nan) if lims is None else lims
    big = np.full(n, np.nan) if big_m is None else big_m
    mm, bb = m[:, None], big[:, None]
    three = ~np.isnan(big)
    with np.errstate(invalid="ignore"):
        known = ~np.isnan(units)
        over_big = (known & (units > bb)).sum(axis=1)
        mid = (known & (units > mm) & (units <= bb)).sum(axis=1)
        over_m = (known & (units > mm)).sum(axis=1)
        unknown = (~known & ~np.isnan(lims) & (lims > mm)).sum(axis=1)
    fail = np.where(three, (over_big > 0) | (mid > c), over_m > c)
    return np.where(fail, V_FAIL, np.where(unknown > 0, V_INCONCLUSIVE, V_PASS))


def _array_problem(i: int, kind: np.ndarray, lower: np.ndarray, upper: np.ndarray, li: np.ndarray, ui: np.ndarray,
                   value: np.ndarray, nd: np.ndarray, q: np.ndarray, lod: np.ndarray, rep: np.ndarray,
                   unc: np.ndarray, lab: np.ndarray, pn: np.ndarray, pc: np.ndarray | None, ucount: np.ndarray,
                   guarded: bool, prefix: str) -> DomainError:
    """The refusal of item i, worded by item_problems() itself (so both forms give the same error)."""
    def f(x: float) -> float | None:
        return None if math.isnan(x) else float(x)

    k = KINDS[int(kind[i])]
    req = Requirement(k, lower=f(lower[i]), upper=f(upper[i]), lower_inclusive=bool(li[i]), upper_inclusive=bool(ui[i]),
                      n=int(pn[i]) if k == "plan" else None, c=int(pc[i]) if (k == "plan" and pc is not None) else None)
    has_val = not (math.isnan(value[i]) or nd[i] or q[i] or k in ("plan", "text"))
    measured = Measured(float(value[i]) if has_val else None, bool(nd[i]), "", QUALS[int(q[i])], f(rep[i]),
                        tuple([0.0] * int(ucount[i])) or None)
    lab_v = {-1: None, 0: PASS, 1: FAIL}[int(lab[i])]
    probs = item_problems(req, measured, lod=f(lod[i]), uncertainty=f(unc[i]), rule="guarded" if guarded else "simple",
                          lab_verdict=lab_v)
    assert probs, "judge_arrays refused an item that item_problems accepts"
    return probs[0].error(f"{prefix}{i}.")


@dataclass(frozen=True)
class BatchVerdict:
    """The batch verdict (批次判定): 合格 / 不合格 with the failing items and whether any is a safety item."""

    verdict: str
    failing_items: list[str]
    safety_failure: bool
    pending_items: list[str]


def batch_verdict(items: list[tuple[str, str, bool]]) -> BatchVerdict:
    """items: (name, item verdict, is_safety). A batch fails when any item fails; an item 待人工判定 or
    无法判定 blocks a 合格 verdict (it must be re-tested with a fit method or judged)."""
    failing = [n for n, v, _s in items if v == FAIL]
    pending = [n for n, v, _s in items if v not in (PASS, FAIL)]
    safety = any(s for _n, v, s in items if v == FAIL)
    if not items:
        return BatchVerdict(MANUAL, [], False, [])
    verdict = FAIL if failing else (MANUAL if pending else PASS)
    return BatchVerdict(verdict, failing, safety, pending)


def merge_retest(first: list[tuple[str, str, bool]], retest: list[tuple[str, str, bool]],
                 disputed: list[str]) -> list[tuple[str, str, bool]]:
    """The final items after a re-test (复检): the undisputed first-test results stay, the disputed items take
    the re-test's results (an undisputed failure stays a failure)."""
    wanted = set(disputed)
    re_by = {n: (n, v, s) for n, v, s in retest if n in wanted}
    return [re_by.get(n, (n, v, s)) if n in wanted else (n, v, s) for n, v, s in first]


def pick_retest_lab(seed: int, candidates: list[int], *, exclude: set[int]) -> int | None:
    """The re-test lab drawn at random (reproducibly, like the 双随机 draw) from the qualified labs, never one
    excluded (the first lab, labs with a conflict)."""
    pool = sorted(set(candidates) - exclude)
    if not pool:
        return None
    return random.Random(seed).choice(pool)


# ---------------------------------------------------------------- workflow (状态流转)

STATES = ("planned", "sampled", "received", "tested", "verified", "judged", "notified", "objected", "retested",
          "final", "published", "refused")
STATE_ZH = {"planned": "待抽样", "sampled": "已抽样", "received": "已收样", "tested": "已检验", "verified": "已审核",
            "judged": "已判定", "notified": "已告知", "objected": "异议中", "retested": "已复检", "final": "结果确定",
            "published": "已公布", "refused": "拒检"}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planned": ("sampled", "refused"),
    "sampled": ("received",),
    "received": ("tested",),
    "tested": ("verified",),
    "verified": ("judged",),
    "judged": ("notified",),
    "notified": ("objected", "final"),
    "objected": ("retested", "final"),
    "retested": ("final",),
    "final": ("published",),
    "refused": ("published",),
    "published": (),
}


def check_transition(current: str, target: str) -> None:
    from zhijian.platform.errors import InvalidTransition

    if target not in TRANSITIONS.get(current, ()):
        raise InvalidTransition("batch", current, target)


# ---------------------------------------------------------------- 双随机 draw


@dataclass(frozen=True)
class Candidate:
    product_id: int
    enterprise_id: int
    category_id: int
    region_code: str
    credit_class: str | None = None


@dataclass(frozen=True)
class DrawInput:
    seed: int
    candidates: list[Candidate]
    targets: dict[int, int]  # category_id → number of batches
    labs: list[tuple[int, str]]  # (lab id, region code)
    excluded: dict[int, str] = field(default_factory=dict)  # product_id → reason (PQL Art. 15)
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # (lab id, enterprise id)
    credit_weights: dict[str, float] = field(default_factory=lambda: {"A": 1.0, "B": 1.0, "C": 2.0, "D": 3.0})
    exclude_same_province: bool = False
    one_per_enterprise: bool = True

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"] = {str(k): v for k, v in self.targets.items()}
        d["excluded"] = {str(k): v for k, v in self.excluded.items()}
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DrawInput:
        return cls(seed=int(d["seed"]), candidates=[Candidate(**c) for c in d["candidates"]],
                   targets={int(k): int(v) for k, v in d["targets"].items()},
                   labs=[(int(a), str(b)) for a, b in d["labs"]],
                   excluded={int(k): v for k, v in d.get("excluded", {}).items()},
                   conflicts=[(int(a), int(b)) for a, b in d.get("conflicts", [])],
                   credit_weights={k: float(v) for k, v in d.get("credit_weights", {}).items()},
                   exclude_same_province=bool(d.get("exclude_same_province", False)),
                   one_per_enterprise=bool(d.get("one_per_enterprise", True)))

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Assignment:
    product_id: int
    enterprise_id: int
    category_id: int
    region_code: str
    lab_id: int


@dataclass(frozen=True)
class DrawResult:
    assignments: list[Assignment]
    excluded: list[dict[str, Any]]  # {product_id, reason}
    shortfall: dict[int, int]  # category → batches that could not be drawn
    input_digest: str

    def to_json(self) -> dict[str, Any]:
        return {"assignments": [asdict(a) for a in self.assignments], "excluded": self.excluded,
                "shortfall": {str(k): v for k, v in self.shortfall.items()}, "input_digest": self.input_digest}


def draw(inp: DrawInput) -> DrawResult:
    """双随机: draw products per category (weighted by credit class), then labs, matched at random.

    Reproducible: the same input (with its seed) always yields the same result. Weighted sampling without
    replacement uses Efraimidis–Spirakis keys u^(1/w) from Python's Mersenne Twister seeded with `seed`.
    Labs are matched in a shuffled round-robin so the load is even, skipping labs with a conflict
    (a business relation with the enterprise, or the same province when that rule is on).
    """
    rng = random.Random(inp.seed)
    excluded = [{"product_id": pid, "reason": reason} for pid, reason in sorted(inp.excluded.items())]
    by_cat: dict[int, list[Candidate]] = {}
    for c in sorted(inp.candidates, key=lambda c: c.product_id):
        if c.product_id in inp.excluded:
            continue
        by_cat.setdefault(c.category_id, []).append(c)
    chosen: list[Candidate] = []
    shortfall: dict[int, int] = {}
    for cat_id in sorted(inp.targets):
        want = inp.targets[cat_id]
        pool = by_cat.get(cat_id, [])
        keyed = []
        for c in pool:
            w = inp.credit_weights.get(c.credit_class or "B", 1.0)
            u = rng.random()
            keyed.append((u ** (1.0 / w) if w > 0 else 0.0, c.product_id, c))
        keyed.sort(key=lambda t: (-t[0], t[1]))
        seen: set[int] = set()
        got = 0
        for _k, _pid, c in keyed:
            if got >= want:
                break
            if inp.one_per_enterprise and c.enterprise_id in seen:
                continue
            seen.add(c.enterprise_id)
            chosen.append(c)
            got += 1
        if got < want:
            shortfall[cat_id] = want - got
    conflicts = set(inp.conflicts)
    labs = sorted(inp.labs)
    order = list(range(len(labs)))
    rng.shuffle(order)
    rng.shuffle(chosen)
    assignments: list[Assignment] = []
    pos = 0
    for c in chosen:
        picked = None
        for step in range(len(order)):
            lab_id, lab_region = labs[order[(pos + step) % len(order)]]
            if (lab_id, c.enterprise_id) in conflicts:
                continue
            if inp.exclude_same_province and lab_region[:2] == c.region_code[:2]:
                continue
            picked = lab_id
            pos = (pos + step + 1) % len(order)
            break
        if picked is None:
            excluded.append({"product_id": c.product_id, "reason": "无可回避利害关系的检验机构 / no lab without a conflict"})
            shortfall[c.category_id] = shortfall.get(c.category_id, 0) + 1
            continue
        assignments.append(Assignment(c.product_id, c.enterprise_id, c.category_id, c.region_code, picked))
    assignments.sort(key=lambda a: (a.category_id, a.product_id))
    return DrawResult(assignments, excluded, shortfall, inp.digest())


# ---------------------------------------------------------------- publication statistics (公布)


def rate(failing: int, total: int) -> float | None:
    """不合格发现率 in percent, one decimal as published (None when nothing was tested)."""
    if total <= 0:
        return None
    return round_gbt8170(100.0 * failing / total, 1)


def province_of(region_code: str) -> str:
    return (region_code or "000000")[:2] + "0000"
