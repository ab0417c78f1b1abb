"""Binding a submitted form to a Pydantic schema (表单绑定), with one message catalogue for every room's forms.

`model, errors = bind_form(form, ProductIn, lang=locale_of(request))` reads the schema's fields from the form
(text stripped; a blank number or date is absent, so its default applies or it is "required"; a checkbox is
True when ticked), parses dates and numbers with the one parser (`parse_date`, `parse_number`: error code
`validation.invalid`, full-width digits accepted) and validates. `errors` maps a field to its message in the
visitor's language — the same message for the same mistake on every page (此项必填, 日期格式应为 YYYY-MM-DD …) —
and `""` to a form-level one; `model` is None when there is any error.
"""

from __future__ import annotations

import datetime as dt
import types
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from zhijian.platform.calendar import parse_date
from zhijian.platform.errors import DomainError

__all__ = ["INVALID", "MESSAGES", "bind_form", "domain_field_errors", "message_for", "parse_date", "parse_int",
           "parse_number", "validation_errors"]

M = TypeVar("M", bound=BaseModel)
Message = tuple[str, str]  # (zh-CN, en)

# Pydantic error type → (zh-CN, en); {name} is filled from the error's context (min_length, ge ...).
_DATE: Message = ("日期格式应为 YYYY-MM-DD", "Date must be YYYY-MM-DD")
_TIME: Message = ("时间格式应为 YYYY-MM-DD HH:MM", "Time must be YYYY-MM-DD HH:MM")
_INT: Message = ("请填写整数", "Enter a whole number")
_NUMBER: Message = ("请填写数字", "Enter a number")
_CHOICE: Message = ("请选择一项", "Please choose one")
MESSAGES: dict[str, Message] = {
    "missing": ("此项必填", "This field is required"),
    "string_too_short": ("至少 {min_length} 个字符", "At least {min_length} characters"),
    "string_too_long": ("内容过长（最多 {max_length} 个字符）", "Too long (at most {max_length} characters)"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "int_parsing": _INT, "int_type": _INT, "int_from_float": _INT,
    "float_parsing": _NUMBER, "float_type": _NUMBER, "decimal_parsing": _NUMBER, "decimal_type": _NUMBER,
    "finite_number": _NUMBER,
    "date_parsing": _DATE, "date_type": _DATE, "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_parsing": _TIME, "datetime_type": _TIME, "datetime_from_date_parsing": _TIME,
    "bool_parsing": ("请选择是或否", "Choose yes or no"),
    "literal_error": _CHOICE, "enum": _CHOICE,
    "greater_than_equal": ("不能小于 {ge}", "Must be at least {ge}"),
    "greater_than": ("应大于 {gt}", "Must be greater than {gt}"),
    "less_than_equal": ("不能大于 {le}", "Must be at most {le}"),
    "less_than": ("应小于 {lt}", "Must be less than {lt}"),
    "too_short": ("至少 {min_length} 项", "At least {min_length} entries"),
    "too_long": ("最多 {max_length} 项", "At most {max_length} entries"),
    "extra_forbidden": ("不接受此项", "This field is not accepted"),
}
EMPTY: Message = ("此项不能为空", "This field cannot be empty")  # string_too_short with min_length 1
INVALID: Message = ("此项无效", "This value is not valid")
_PARSED: dict[str, Message] = {"date": _DATE, "int": _INT, "number": _NUMBER}  # our parsers' failures
TRUE = frozenset({"1", "on", "true", "yes"})


def message_for(error: ErrorDetails | Mapping[str, Any], lang: str) -> str:
    """One Pydantic error as the catalogue's message in `lang` ("en", else zh-CN)."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    zh, en = MESSAGES.get(kind, INVALID)
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        zh, en = EMPTY
    text = en if lang == "en" else zh
    try:
        return text.format(**ctx)
    except (KeyError, IndexError):  # the error carries no context the message names
        return INVALID[1] if lang == "en" else INVALID[0]


def _field_name(loc: Sequence[Any]) -> str:
    return str(loc[0]) if loc else ""


def validation_errors(exc: ValidationError, lang: str,
                      locate: Callable[[Sequence[Any]], str] = _field_name) -> dict[str, str]:
    """{form field: message} of a ValidationError, the first error of each field; `locate` maps a location
    (`("indicators", 2, "unit")`) to the input that holds it."""
    out: dict[str, str] = {}
    for e in exc.errors():
        out.setdefault(locate(tuple(e.get("loc", ()))), message_for(e, lang))
    return out


def domain_field_errors(err: DomainError, lang: str, known: Collection[str]) -> dict[str, str]:
    """A DomainError beside its field when the form has that field, else at the top of the form ("")."""
    field = (err.field or "").split(".")[0]
    return {field if field in known else "": err.message_en if lang == "en" else err.message_zh}


def _normalized(value: object) -> str:
    """Typed text as ASCII where it matters: full-width digits and signs (１２３，－) become 123, -."""
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()


def parse_number(value: object, field: str) -> Decimal | None:
    """A number typed in a form: '' is none, else a finite decimal or `validation.invalid` naming the field."""
    text = _normalized(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise DomainError("validation.invalid", f"「{field}」应为数字", f"'{field}' must be a number", field=field)
    return number


def parse_int(value: object, field: str) -> int | None:
    """A whole number typed in a form: '' is none, else an integer or `validation.invalid` naming the field."""
    number = parse_number(value, field)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise DomainError("validation.invalid", f"「{field}」应为整数", f"'{field}' must be a whole number",
                          field=field)
    return int(number)


def _kind(annotation: Any) -> str:
    """How a schema field is read from a form: text, int, number, date, bool or list (Optional unwrapped)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kind(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kinds = {_kind(a) for a in get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "text"
    if origin in (list, tuple, set, frozenset):
        return "list"
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation in (float, Decimal):
        return "number"
    if annotation is dt.date:
        return "date"
    return "text"


def _read(form: Any, key: str, kind: str) -> tuple[bool, Any]:
    """(present, value) of one field: blank numbers and dates are absent; text stays as typed (stripped)."""
    if kind == "bool":
        return True, str(form.get(key, "") or "").strip().lower() in TRUE
    if kind == "list":
        raw_list = form.getlist(key) if hasattr(form, "getlist") else form.get(key) or []
        values = [raw_list] if isinstance(raw_list, str) else list(raw_list)
        return bool(values), [str(v).strip() for v in values if str(v).strip()]
    raw = form.get(key)
    if raw is None:
        return False, None
    if kind == "text":
        return True, str(raw).strip()
    text = _normalized(raw)
    if not text:
        return False, None
    parsers: dict[str, Callable[[str, str], object]] = {"date": parse_date, "int": parse_int, "number": parse_number}
    return True, parsers[kind](text, key)


def bind_form(form: Any, schema: type[M], *, lang: str = "zh_CN", fields: Collection[str] | None = None,
              blank_none: Collection[str] = (), extra: Mapping[str, Any] | None = None,
              locate: Callable[[Sequence[Any]], str] = _field_name) -> tuple[M | None, dict[str, str]]:
    """The schema bound from a submitted form and the errors per field (see the module docstring).

    `fields` limits which schema fields the form holds; `blank_none` names text fields where blank means none
    (an optional code such as the GTIN); `extra` values override the form's (the actor's own organization)."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, info in schema.model_fields.items():
        key = info.alias or name
        if fields is not None and name not in fields:
            continue
        kind = _kind(info.annotation)
        try:
            present, value = _read(form, key, kind)
        except DomainError:
            zh, en = _PARSED[kind]
            errors[key] = en if lang == "en" else zh
            continue
        if present and kind == "text" and value == "" and name in blank_none:
            value = None
        if present:
            data[key] = value
    data.update(extra or {})
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        for field, message in validation_errors(exc, lang, locate).items():
            errors.setdefault(field, message)
        return None, errors
    return (None, errors) if errors else (model, errors)
