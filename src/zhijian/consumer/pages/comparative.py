"""Comparative test pages (比较试验): the public reports, the console list and publishing, and the new-test form
(items as rows, results as one table typed, pasted or uploaded)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhijian.consumer import rules, service
from zhijian.consumer.pages.common import FORM_MESSAGES, _say, marked, router
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.web.core import console_actor, console_form, locale_of, render


@router.get("/comparative", response_class=HTMLResponse)
def comparative_index(request: Request, session: SessionDep) -> Response:
    tests = service.list_comparative_tests(session, session.info["actor"])
    return render(request, "consumer/comparative_index.html", {"tests": [t for t in tests if t.status == "published"]})


@router.get("/comparative/{test_id}", response_class=HTMLResponse)
def comparative_page(test_id: int, request: Request, session: SessionDep) -> Response:
    rep = service.comparative_report(session, session.info["actor"], test_id)
    from zhijian.consumer.report import CSS_PX

    return render(request, "consumer/comparative.html", {"r": rep, "marked": marked, "chart_px": CSS_PX})


@router.get("/console/comparative", response_class=HTMLResponse)
def console_comparative(request: Request, session: SessionDep, created: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "association")
    return render(request, "consumer/console_comparative.html",
                  {"tests": service.list_comparative_tests(session, actor),
                   "created": int(created) if created.isdigit() else None})


@router.post("/console/comparative/{test_id}/publish")
async def console_comparative_publish(test_id: int, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "association")
    service.publish_comparative_test(session, actor, test_id)
    return RedirectResponse(f"/comparative/{test_id}", status_code=303)


# ---------------------------------------------------------------- console form: comparative test (比较试验)
# Test items as rows (name, unit, weight, better direction, optional requirement); the results as one table —
# typed, pasted from Excel or uploaded as .xlsx/.csv — read by `rules.results_table`, the parser the CLI uses.

CMP_FIELDS = ("title", "product_type", "category_id", "organizer", "lab_name", "tested_on", "method")
CMP_ITEM_ROWS = 12
CMP_ITEM_COLS = ("name", "unit", "weight", "direction", "req_kind", "lower", "upper")
CMP_DIRECTIONS = [("higher", "越大越好"), ("lower", "越小越好")]
CMP_REQ_KINDS = [("max", "不大于"), ("min", "不小于"), ("range", "范围")]
_CMP_SAMPLE_COLS = {"brand": "品牌", "model": "型号", "enterprise_name": "生产企业", "price": "价格"}
_CMP_ITEM_LOC = {"name": "name", "unit": "unit", "weight": "weight", "higher_is_better": "direction",
                 "requirement": "req_kind", "kind": "req_kind", "lower": "lower", "upper": "upper"}


def _cmp_form(request: Request, session: Any, values: dict[str, Any], rows: list[dict[str, str]],
              errors: dict[str, str], status: int = 200) -> Response:
    from zhijian.catalog.pages import category_options

    return render(request, "consumer/console_comparative_form.html", {
        "values": values, "rows": rows, "errors": errors, "directions": CMP_DIRECTIONS, "req_kinds": CMP_REQ_KINDS,
        "cats": category_options(session, locale_of(request))}, status_code=status)


def _cmp_items(rows: list[dict[str, str]], errors: dict[str, str], _: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """Filled item rows → `ItemIn` dicts (keys i1, i2 … in row order) and the form row of each item."""
    items: list[dict[str, Any]] = []
    filled: list[int] = []
    for row, r in enumerate(rows):
        if not any(r.values()):
            continue
        item: dict[str, Any] = {"key": f"i{len(items) + 1}", "unit": r["unit"]}
        if r["name"]:
            item["name"] = r["name"]
        if r["weight"]:
            item["weight"] = r["weight"]
        if r["direction"] in ("higher", "lower"):
            item["higher_is_better"] = r["direction"] == "higher"
        else:
            errors[f"item-{row}-direction"] = _("请选择一项")
        if r["req_kind"]:
            need = {"max": ("upper",), "min": ("lower",), "range": ("lower", "upper")}.get(r["req_kind"], ())
            for col in need:
                if not r[col]:
                    errors[f"item-{row}-{col}"] = _("此项必填")
            item["requirement"] = {"kind": r["req_kind"], **{c: r[c] for c in ("lower", "upper") if r[c]}}
        elif r["lower"] or r["upper"]:
            errors[f"item-{row}-req_kind"] = _("请选择要求类型")
        items.append(item)
        filled.append(row)
    return items, filled


@router.get("/console/comparative/new", response_class=HTMLResponse)
def console_comparative_new(request: Request, session: SessionDep) -> Response:
    console_actor(request, session, "regulator", "association")
    return _cmp_form(request, session, {}, [{} for _ in range(CMP_ITEM_ROWS)], {})


async def _cmp_table(request: Request, form: Any, values: dict[str, Any],
                     errors: dict[str, str]) -> list[tuple[int, dict[str, Any]]] | None:
    """The results table: an uploaded file wins and is shown back as text, so nothing is lost on an error."""
    upload = form.get("results_file")
    try:
        if upload is not None and not isinstance(upload, str) and upload.filename:
            table = service.read_comparative_table(await upload.read(), upload.filename)
            values["results"] = rules.results_text(table)
            return table
        return service.read_comparative_table(values["results"])
    except DomainError as err:
        errors[err.field or "results_file"] = _say(request, err)
        return None


def _cmp_errors(exc: ValidationError, filled: list[int], samples: list[tuple[int, dict[str, Any]]], _: Any,
                errors: dict[str, str]) -> None:
    """pydantic errors of `ComparativeIn` placed on the form: an item's on its row, a sample's on the table row."""
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        msg = _(FORM_MESSAGES.get(e["type"], "此项无效"))
        if loc[:1] == ["items"] and len(loc) >= 3 and loc[1].isdigit():
            name = f"item-{filled[int(loc[1])]}-{_CMP_ITEM_LOC.get(loc[-1], 'name')}"
            if e["type"] == "greater_than_equal":
                msg = _("权重不能为负数")
        elif loc[:1] == ["samples"] and len(loc) == 1:
            if not samples:
                continue  # the table's own error is shown instead
            name, msg = "results", _("至少需要两个样品（结果表两行）")
        elif loc[:1] == ["samples"] and len(loc) >= 3 and loc[1].isdigit():
            name = "results"
            msg = _("第 {row} 行「{col}」：{msg}", row=samples[int(loc[1])][0],
                    col=_(_CMP_SAMPLE_COLS.get(loc[2], loc[2])), msg=msg)
        else:
            name = loc[0] if loc and loc[0] in CMP_FIELDS else ""
        errors.setdefault(name, msg)


@router.post("/console/comparative/new")
async def console_comparative_create(request: Request, session: SessionDep) -> Response:
    """登记比较试验 — the same `service.create_comparative_test` as POST /api/v1/comparative-tests."""
    from zhijian.consumer.schemas import ComparativeIn

    actor, form = await console_form(request, session, "regulator", "association")
    _ = gettext_for(locale_of(request))
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in CMP_FIELDS}
    values["results"] = str(form.get("results", "")).strip("\r\n")
    rows = [{c: str(form.get(f"item-{i}-{c}", "")).strip() for c in CMP_ITEM_COLS} for i in range(CMP_ITEM_ROWS)]
    errors: dict[str, str] = {}
    items, filled = _cmp_items(rows, errors, _)
    if not items:
        errors["items"] = _("请至少填写一个检测项目")
    table = await _cmp_table(request, form, values, errors)
    samples: list[tuple[int, dict[str, Any]]] = []
    if table is not None and items and all(i.get("name") for i in items):
        try:
            samples = rules.results_table(table, [(i["key"], i["name"], i["unit"]) for i in items])
        except DomainError as err:
            errors["results"] = _say(request, err)
    data: dict[str, Any] = {k: v for k, v in values.items() if k in CMP_FIELDS and v != ""}
    data["items"] = items
    data["samples"] = [s for _row, s in samples]
    cmp_in: ComparativeIn | None = None
    try:
        cmp_in = ComparativeIn.model_validate(data)
    except ValidationError as exc:
        _cmp_errors(exc, filled, samples, _, errors)
    if errors or cmp_in is None:
        return _cmp_form(request, session, values, rows, errors, 422)
    try:
        with session.begin_nested():
            test = service.create_comparative_test(session, actor, cmp_in)
    except DomainError as err:
        if err.status == 403:
            raise
        field = (err.field or "").split(".")[0]
        field = "results" if field == "samples" else field
        return _cmp_form(request, session, values, rows,
                         {field if field in CMP_FIELDS + ("items", "results") else "": _say(request, err)}, err.status)
    return RedirectResponse(f"/console/comparative?created={test.id}", status_code=303)
