"""`zhijian.web.forms`: one binding from a submitted form to a Pydantic schema and one message catalogue, with
real values for each kind of mistake, in zh-CN and English; the one date and number parser and its error code;
`page_rows` and `all_pages` of the list helpers. Pure: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

import pytest
from pydantic import BaseModel, Field, model_validator
from starlette.datastructures import FormData

from zhijian.platform.errors import DomainError
from zhijian.platform.pagination import Page
from zhijian.web.forms import MESSAGES, bind_form, domain_field_errors, parse_date, parse_int, parse_number
from zhijian.web.listing import Numbered, all_pages, page_rows


class Sample(BaseModel):
    """A form of every kind of field the rooms' forms hold."""

    name: str = Field(min_length=1, max_length=10)
    code: str = Field("", pattern=r"^[A-Z]{2}\d{2}$")
    note: str = Field("", min_length=3)
    quantity: int = Field(1, ge=1, le=100)
    price: Decimal | None = Field(None, gt=0)
    sampled_on: dt.date | None = None
    level: Literal["national", "provincial"] = "national"
    public: bool = False
    gtin: str | None = None
    tags: list[str] = Field(default_factory=list, max_length=2)


def form(**values: str | list[str]) -> FormData:
    items: list[tuple[str, str]] = []
    for key, value in values.items():
        items += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    return FormData(items)


def test_a_good_form_binds_with_its_types():
    model, errors = bind_form(form(name=" 奶粉 ", quantity="１２", price="3.50", sampled_on="2026-03-09",
                                   level="provincial", public="1", gtin="", tags=["a", "b"]), Sample,
                              blank_none=("gtin",))
    assert errors == {} and model is not None
    assert (model.name, model.quantity, model.price, model.sampled_on) == ("奶粉", 12, Decimal("3.50"), dt.date(2026, 3, 9))
    assert model.level == "provincial" and model.public is True and model.gtin is None and model.tags == ["a", "b"]
    model, errors = bind_form(form(name="x", quantity="", price=""), Sample)  # blank numbers: the defaults
    assert model is not None and model.quantity == 1 and model.price is None and model.public is False


@pytest.mark.parametrize(("values", "field", "zh", "en"), [
    ({}, "name", "此项必填", "This field is required"),
    ({"name": "  "}, "name", "此项不能为空", "This field cannot be empty"),
    ({"name": "x" * 11}, "name", "内容过长（最多 10 个字符）", "Too long (at most 10 characters)"),
    ({"note": "ab"}, "note", "至少 3 个字符", "At least 3 characters"),
    ({"code": "ab12"}, "code", "格式不正确", "Wrong format"),
    ({"quantity": "十二"}, "quantity", "请填写整数", "Enter a whole number"),
    ({"quantity": "1.5"}, "quantity", "请填写整数", "Enter a whole number"),
    ({"quantity": "0"}, "quantity", "不能小于 1", "Must be at least 1"),
    ({"quantity": "101"}, "quantity", "不能大于 100", "Must be at most 100"),
    ({"price": "三元"}, "price", "请填写数字", "Enter a number"),
    ({"price": "0"}, "price", "应大于 0", "Must be greater than 0"),
    ({"sampled_on": "2026/03/09"}, "sampled_on", "日期格式应为 YYYY-MM-DD", "Date must be YYYY-MM-DD"),
    ({"sampled_on": "2026-02-30"}, "sampled_on", "日期格式应为 YYYY-MM-DD", "Date must be YYYY-MM-DD"),
    ({"level": "county"}, "level", "请选择一项", "Please choose one"),
    ({"tags": ["a", "b", "c"]}, "tags", "最多 2 项", "At most 2 entries"),
])
def test_each_mistake_has_one_message_in_both_languages(values, field, zh, en):
    base = {"name": "奶粉"} if "name" not in values and field != "name" else {}
    model, errors = bind_form(form(**base, **values), Sample)
    assert model is None and errors == {field: zh}
    assert bind_form(form(**base, **values), Sample, lang="en")[1] == {field: en}


def test_every_catalogue_entry_has_both_languages():
    for kind, (zh, en) in MESSAGES.items():
        assert zh and en and zh != en, kind
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en), kind


def test_fields_extra_and_form_level_errors():
    model, errors = bind_form(form(name="奶粉", quantity="abc"), Sample, fields=("name",))
    assert errors == {} and model is not None and model.quantity == 1  # fields outside `fields` are not read
    model, _ = bind_form(form(name="奶粉", quantity="5"), Sample, extra={"quantity": 7})
    assert model is not None and model.quantity == 7  # the actor's own value wins over the form's

    class Period(BaseModel):
        start: dt.date
        end: dt.date

        @model_validator(mode="after")
        def _ordered(self) -> Period:
            if self.end < self.start:
                raise ValueError("end before start")
            return self

    model, errors = bind_form(form(start="2026-03-09", end="2026-03-01"), Period)
    assert model is None and errors == {"": "此项无效"}
    err = DomainError("catalog.gtin", "商品条码校验位错误", "GTIN check digit is wrong", field="gtin")
    assert domain_field_errors(err, "zh_CN", ("gtin",)) == {"gtin": "商品条码校验位错误"}
    assert domain_field_errors(err, "en", ("name",)) == {"": "GTIN check digit is wrong"}


def test_one_date_and_number_parser_with_one_error_code():
    assert parse_date(" 2026-03-09 ", "sampled_on") == dt.date(2026, 3, 9) and parse_date("", "x") is None
    assert parse_number("１，０".replace("，", ""), "n") == Decimal("10") and parse_number(" ", "n") is None
    assert parse_int("－３", "n") == -3 and parse_int("", "n") is None
    for parse, value in ((parse_date, "3月9日"), (parse_number, "abc"), (parse_number, "inf"),
                         (parse_int, "2.5")):
        with pytest.raises(DomainError) as caught:
            parse(value, "field")  # type: ignore[operator]
        assert caught.value.code == "validation.invalid" and caught.value.field == "field"


def test_page_rows_keeps_the_cursor_and_the_numbers():
    keyset = page_rows(Page(items=[1, 2], next_cursor="abc", limit=2), lambda n: {"n": n * 10})
    assert keyset == Page(items=[{"n": 10}, {"n": 20}], next_cursor="abc", limit=2)
    numbered = page_rows(Numbered(items=["a"], total=41, page=3, size=20), str.upper)
    assert (numbered.items, numbered.pages, numbered.first_row) == (["A"], 3, 41)


def test_all_pages_walks_the_cursors_up_to_the_cap():
    pages = {None: Page(items=[1, 2], next_cursor="b", limit=2), "b": Page(items=[3], next_cursor=None, limit=2)}
    assert list(all_pages(lambda cursor: pages[cursor])) == [1, 2, 3]
    assert list(all_pages(lambda cursor: pages[cursor], cap=2)) == [1, 2]
