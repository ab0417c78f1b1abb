"""`platform.errors.validated` / `validation_error`: a Pydantic ValidationError as one DomainError naming the field
(the CLI's one line and exit 2, an import's bad row), in the wording each caller had (#17). Pure: no database."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from zhijian.platform.errors import DomainError, validated


class _Item(BaseModel):
    unit: str = Field(min_length=1)


class _Form(BaseModel):
    days: int = Field(ge=1)
    items: list[_Item] = []


def test_the_first_error_names_its_dotted_field():
    assert validated(_Form, {"days": 3}).days == 3
    with pytest.raises(DomainError) as e:
        validated(_Form, {"days": 2, "items": [{"unit": "kg"}, {"unit": ""}]})
    err = e.value
    assert (err.code, err.field, err.status) == ("validation.invalid", "items.1.unit", 422)
    assert err.message_zh.startswith("「items.1.unit」无效：") and err.message_en.startswith("'items.1.unit' is invalid: ")
    assert err.__cause__ is None  # raised `from None`: the CLI prints one line, no chained traceback


def test_a_caller_words_it_its_own_way():
    with pytest.raises(DomainError) as e:
        validated(_Form, {"days": 0}, code="import.bad_row", zh="第 7 行：字段「{field}」无效（{msg}）",
                  en="row 7: field '{field}' is invalid ({msg})")
    msg = "Input should be greater than or equal to 1"
    assert (e.value.code, e.value.field) == ("import.bad_row", "days")
    assert (e.value.message_zh, e.value.message_en) == (f"第 7 行：字段「days」无效（{msg}）", f"row 7: field 'days' is invalid ({msg})")


def test_one_date_parser_keeps_each_callers_code():
    """platform.calendar.parse_date is the parser of the consumer CLI (cli.bad_date), the spot-check forms
    (spotcheck.bad_date) and `zhijian calendar due` (calendar.bad_date): their codes and wording stay."""
    import datetime as dt

    from zhijian.platform.calendar import parse_date

    assert parse_date("2026-03-09", "on", code="cli.bad_date") == dt.date(2026, 3, 9)
    assert parse_date(None, "on", code="cli.bad_date") is None and parse_date(" ", "on", code="cli.bad_date") is None
    with pytest.raises(DomainError) as e:
        parse_date("2026-13-01", "delivered_on", code="spotcheck.bad_date")
    assert (e.value.code, e.value.field) == ("spotcheck.bad_date", "delivered_on")
    assert e.value.message_zh == "日期「2026-13-01」无效（应为 YYYY-MM-DD）"
    assert e.value.message_en == "invalid date '2026-13-01' (expected YYYY-MM-DD)"
    with pytest.raises(DomainError) as e:
        parse_date("", "start", code="calendar.bad_date", required=True)
    assert e.value.code == "calendar.bad_date"
    with pytest.raises(DomainError) as e:
        parse_date("3月9日", "on")
    assert (e.value.code, e.value.message_zh) == ("validation.invalid", "「on」应为日期 YYYY-MM-DD")
