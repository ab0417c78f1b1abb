"""What the room's pages share: the one router (its modules add their routes to it, in the order they are
imported by `pages/__init__`), the console menu and portal entries, and the error helpers of the forms."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from markupsafe import Markup
from pydantic import ValidationError

from zhijian.platform.calendar import parse_date
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.web.core import locale_of, nav_item, portal_link

router = APIRouter(include_in_schema=False)
nav_item("/console/complaints", "投诉举报", roles=("regulator", "enterprise"), order=40)  # not the association (#13)
nav_item("/console/credit", "质量信用", roles=("regulator", "association", "enterprise"), order=41)
nav_item("/console/certificates", "认证证书", roles=("regulator", "association"), order=42)
nav_item("/console/declarations", "企业标准", roles=("regulator", "association", "enterprise"), order=43)
nav_item("/console/comparative", "比较试验", roles=("regulator", "association"), order=44)
portal_link("/complaints/new", "投诉举报", order=40)
portal_link("/certificates/verify", "认证证书查询", order=41)
portal_link("/standards/declarations", "企业标准", order=42)
portal_link("/comparative", "比较试验", order=43)


_date = parse_date  # platform.calendar: the one date parser


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def marked(text: object) -> Markup | object:
    """Text typed in Chinese (a name, a test item's name) marked `lang="zh-CN"` for an English page and screen
    readers (issue #21 finding 8); other text as it is."""
    if isinstance(text, str) and _HAN.search(text):
        return Markup('<span lang="zh-CN">{}</span>').format(text)
    return text


def _msg(request: Request, err: DomainError) -> str:
    return err.message_en if request.query_params.get("lang") == "en" else err.message_zh


# ---------------------------------------------------------------- console forms: certificate and declaration
# Server-side validation with errors in place (web/macros.html `field`); each form calls the service function
# the API calls, so its permission checks (can_manage_certificates, can_declare) apply unchanged.

REQ_KINDS = [("max", "不大于"), ("min", "不小于"), ("range", "范围"), ("equals", "等于"), ("not_detected", "不得检出"),
             ("text", "文字要求")]
IND_ROWS = 6
IND_COLS = ("name", "unit", "requirement_kind", "lower", "upper", "text")
FORM_MESSAGES = {"missing": "此项必填", "string_too_short": "内容过短", "string_too_long": "内容过长",
             "int_parsing": "请选择一项", "int_type": "请选择一项", "float_parsing": "请输入数字",
             "literal_error": "请选择一项", "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
             "date_parsing": "日期格式应为 YYYY-MM-DD"}


def _form_errors(request: Request, exc: ValidationError, known: tuple[str, ...]) -> dict[str, str]:
    """pydantic errors → {input id: message}; an indicator row's error goes to `ind-{row}-{column}`."""
    _ = gettext_for(locale_of(request))
    out: dict[str, str] = {}
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        name = f"ind-{loc[1]}-{loc[2]}" if len(loc) >= 3 and loc[0] == "indicators" else (loc[0] if loc else "")
        out.setdefault(name if name in known or name.startswith("ind-") else "", _(FORM_MESSAGES.get(e["type"], "此项无效")))
    return out


def _domain_field_errors(request: Request, err: DomainError, known: tuple[str, ...]) -> dict[str, str]:
    field = (err.field or "").split(".")[0]
    msg = err.message_en if locale_of(request) == "en" else err.message_zh
    return {field if field in known else "": msg}


def _say(request: Request, err: DomainError) -> str:
    """A domain error's message in the page's language (?lang=, cookie or browser)."""
    return err.message_en if locale_of(request) == "en" else err.message_zh
