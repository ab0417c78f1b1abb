"""What every spot-check page shares: organisation and category names, the template context, form errors in
place in the visitor's language (表单错误就地提示) and optional dates from a form."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlalchemy import select

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Category, Organization
from zhijian.platform.calendar import parse_date
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.spotcheck import rules, service
from zhijian.web.core import locale_of


def org_names(session: Any, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def category_names(session: Any, lang: str = "zh_CN") -> dict[int, str]:
    """Category names by id in the page's language (`name_en` on an English page, the name when it has none)."""
    if lang == "en":
        return {i: en or zh for i, zh, en in session.execute(select(Category.id, Category.name, Category.name_en))}
    return dict(session.execute(select(Category.id, Category.name)).all())


# 判定规则 (ILAC-G8 decision rules) as a page names them; the codes stay in the data and the API
RULE_ZH = {"simple": "简单接受", "guarded": "保护带接受"}


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def free(text: object) -> Markup:
    """Stored text as typed — a person's name, a seal number (浙封683717), a column header that must be typed
    literally — in `<span lang="zh-CN">` when it holds Han characters, so the English page (and a screen reader)
    knows it is Chinese (issue #21 finding 8); other text as it is."""
    value = "" if text is None else str(text)
    return Markup('<span lang="zh-CN">{}</span>').format(value) if _HAN.search(value) else Markup(escape(value))


def free_list(values: Any, lang: str) -> Markup:
    """Names as typed, each marked by `free`, joined the page's way (、 / , )."""
    return Markup("、" if lang != "en" else ", ").join(free(v) for v in (values or []))


def marked(text: str, **parts: Markup) -> Markup:
    """A translated sentence with marked parts: `marked(_("表头：{header}"), header=free_list(...))`."""
    return Markup(escape(text)).format(**parts)


def ctx_common() -> dict[str, Any]:
    return {"STATE_ZH": rules.STATE_ZH, "LEVEL_ZH": rules.LEVEL_ZH, "BASIS_ZH": rules.BASIS_ZH, "STATES": rules.STATES,
            "region_label": catalog_rules.region_label, "STEP_ZH": service.STEP_ZH, "RULE_ZH": RULE_ZH,
            "PLAN_STATUS_ZH": service.PLAN_STATUS_ZH, "free": free, "free_list": free_list, "marked": marked,
            "IMPORT_HEADER": IMPORT_HEADER}


# the result file's header, typed literally in Chinese whatever the page's language (service.imports reads it)
IMPORT_HEADER = ("抽样单编号", "检验项目", "单位", "标准要求", "检验结果", "单项判定", "检验方法")


PYDANTIC_ZH = {"missing": "此项必填", "string_too_short": "此项不能为空", "string_too_long": "内容过长",
                "int_parsing": "请填写整数", "int_type": "请填写整数", "float_parsing": "请填写数字",
                "date_from_datetime_parsing": "请填写日期", "date_parsing": "请填写日期", "literal_error": "请选择一项",
                "greater_than_equal": "数值过小", "less_than_equal": "数值过大", "string_pattern_mismatch": "格式不正确",
                "too_short": "数量不足"}


def field_name(loc: tuple[Any, ...] | list[Any] | str) -> str:
    """Map a schema location (``categories.0.target_batches``) to the form field that holds it."""
    parts = [str(p) for p in (loc.split(".") if isinstance(loc, str) else loc)]
    if not parts or not parts[0]:
        return ""
    if parts[0] == "categories" and len(parts) > 1:
        return ("target_" if len(parts) > 2 and parts[2] == "target_batches" else "cat_") + parts[1]
    if parts[0] == "lab_ids":
        return "lab_ids"
    return parts[0]


def form_errors(request: Request, exc: ValidationError | DomainError, known: tuple[str, ...]) -> dict[str, str]:
    """Field errors shown in place, in the visitor's language (表单错误就地提示)."""
    _ = gettext_for(locale_of(request))
    if isinstance(exc, DomainError):
        name = field_name(exc.field or "")
        msg = exc.message_en if locale_of(request) == "en" else exc.message_zh
        return {name if name in known else "": msg}
    out: dict[str, str] = {}
    for e in exc.errors():
        name = field_name(e.get("loc") or ())
        zh = "抽样人员至少两名且不得重复" if name == "samplers" else PYDANTIC_ZH.get(e["type"], "此项无效")
        out.setdefault(name if name in known else "", _(zh))
    return out


def form_date(form: Any, name: str) -> Any:
    """An optional ISO date from a form field (送达日期); a bad one is a field error, never a 500."""
    return parse_date(form.get(name, "") or "", name, code="spotcheck.bad_date")
