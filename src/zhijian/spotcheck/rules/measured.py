"""Measured values (检验结果) as labs write them — numbers, 未检出/ND, ``<0.05``, 检出, 阳性/阴性 — the unit results of a
sampling plan, and unit conversion to the requirement's unit (pint)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import InvalidOperation
from functools import lru_cache
from typing import Any

from zhijian.platform.errors import DomainError
from zhijian.spotcheck.rules.requirements import (
    NOT_DETECTED_WORDS,
    Requirement,
    bad_input,
    normalise,
    read_number,
    superscripts_first,
)

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
            raise bad_input(field_name, "实测值不是有限数", "measured value is not finite", "spotcheck.bad_value")
        return Measured(float(text), False, repr(text))
    raw = (str(text) if text is not None else "").strip()
    return _parse_measured_text(raw, field_name)


@lru_cache(maxsize=65536)
def _measured_cached(raw: str) -> Measured | str:
    s = normalise(superscripts_first(raw))
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
            lim, _d = read_number(s[1:].strip())
        except (ValueError, InvalidOperation):
            return "bad"
        if lim < 0:
            return "bad"
        return Measured(None, True, raw, reported_limit=lim)
    try:
        v, _d = read_number(s)
    except (ValueError, InvalidOperation):
        return "bad"
    return Measured(v, False, raw)


def _parse_measured_text(raw: str, field_name: str) -> Measured:
    out = _measured_cached(raw)
    if out == "empty":
        raise bad_input(field_name, "实测值为空", "measured value is empty", "spotcheck.bad_value")
    if out == "bad":
        raise bad_input(field_name, f"实测值无法识别：「{raw}」（应为数值、未检出、<检出限、检出、阳性或阴性）",
                   f"measured value not understood: {raw!r} (a number, 未检出, <LOD, 检出, 阳性 or 阴性)",
                   "spotcheck.bad_value")
    assert isinstance(out, Measured)
    return out


_UNIT_SPLIT = re.compile(r"\s*[,，;；、|]\s*|\s+")


def parse_units(values: str | float | list[Any] | tuple[Any, ...] | None, *,
                field_name: str = "units") -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The n unit results of a sampling plan ("120, 3000, 80" or a list; a bare number is one unit) as (values,
    limits): a number has limit NaN; 未检出 has value NaN and limit 0; "<10" has value NaN and limit 10 (below the
    reported limit)."""
    if values is None:
        return (), ()
    items: list[Any] = []
    if isinstance(values, int | float):
        items = [values]
    elif isinstance(values, str):
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
            raise bad_input(f"{field_name}.{k}", f"第 {k + 1} 个样品单元结果应为数值或未检出",
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
            raise bad_input(field_name, "检验结果为空", "the result is empty", "spotcheck.bad_value")
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
