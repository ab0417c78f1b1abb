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
