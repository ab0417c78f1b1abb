"""Result entry item by item (逐项录入检验结果, issue 4 §3): one row per test item of the plan's standards, every
row checked at once by the service, all items saved in one transaction or none."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.spotcheck import rules, service
from zhijian.spotcheck.models import Plan
from zhijian.spotcheck.pages.common import category_names, ctx_common, org_names
from zhijian.spotcheck.schemas import ItemIn
from zhijian.web.core import console_actor, console_form, locale_of, render

router = APIRouter(include_in_schema=False)


# ---------------------------------------------------------------- console: result entry item by item (issue 4 §3)

RESULT_COLS = ("value", "unit", "lod", "u", "method", "verdict")  # form columns of row i: value_i, unit_i, ...
_ITEM_FIELD = {"value": "value", "unit": "unit", "lod": "lod", "uncertainty": "u", "method_standard": "method",
               "lab_verdict": "verdict", "units": "units"}  # ItemIn field → form column


def _results_form(request: Request, session: Any, batch: Any, rnd: int, expected: list[Any], values: dict[str, str],
                  errors: dict[str, str], status: int = 200) -> Response:
    """The form with one row per test item; `errors` keyed by form field (value_0 …) or row (row_0) or "" (form)."""
    summary = {}
    for key, msg in errors.items():
        i = int(key.rsplit("_", 1)[1]) if "_" in key and key.rsplit("_", 1)[1].isdigit() else None
        summary[key] = (gettext_for(locale_of(request))("第 {n} 项「{name}」：", n=i + 1, name=expected[i].name) + msg
                        if i is not None and i < len(expected) else msg)
    return render(request, "spotcheck/console_results.html", {
        "b": batch, "plan": session.get(Plan, batch.plan_id), "round": rnd, "expected": expected,
        "values": values, "errors": errors, "summary": summary,
        "orgs": org_names(session, {batch.enterprise_id}), "cat": category_names(session).get(batch.category_id, ""),
        **ctx_common()}, status_code=status)


def _prefill(session: Any, actor: Any, batch: Any, rnd: int, expected: list[Any]) -> dict[str, str]:
    """Units and methods from the standard; values already entered in this round (a re-test entered again)."""
    stored = {r.indicator_id: r for r in service.items_of(session, actor, batch.id, rnd) if r.indicator_id}
    values: dict[str, str] = {}
    for i, e in enumerate(expected):
        r = stored.get(e.indicator_id)
        values |= {f"value_{i}": "", f"unit_{i}": e.unit, f"lod_{i}": "", f"u_{i}": "", f"method_{i}": e.method_standard,
                   f"verdict_{i}": ""}
        if r is not None:  # stored in the requirement's unit (LOD and U converted alike)
            rep = (r.detail or {}).get("reported_limit")
            values |= {f"value_{i}": (f"<{rep:.10g}" if rep is not None else "未检出") if r.not_detected else (
                           f"{r.value:.10g}" if r.value is not None else r.value_text),
                       f"unit_{i}": r.unit or e.unit, f"lod_{i}": "" if r.lod is None else f"{r.lod:.10g}",
                       f"u_{i}": "" if r.uncertainty is None else f"{r.uncertainty:.10g}",
                       f"method_{i}": r.method_standard, f"verdict_{i}": r.lab_verdict or ""}
            units = (r.detail or {}).get("units") or []
            values |= {f"units_{i}_{k}": "未检出" if u is None else f"{u:.10g}" for k, u in enumerate(units)}
    return values


def _number(text: str) -> float | None:
    """A number typed in a field, None when empty; ValueError otherwise (its sign is checked by the rules)."""
    return float(text) if text else None


def _row_items(request: Request, expected: list[Any], values: dict[str, str]) -> tuple[list[Any], dict[str, str]]:
    """ItemIn per row and the form errors that are about the form itself (a field that is not a number, a verdict
    that is not an option). Everything about the result is checked by the service (rules.item_problems), the
    same checks as the API, the import and `zhijian judge` (issue #14)."""
    _ = gettext_for(locale_of(request))
    items: list[Any] = []
    errors: dict[str, str] = {}
    for i, e in enumerate(expected):
        value, lod, unc = values[f"value_{i}"], values[f"lod_{i}"], values[f"u_{i}"]
        row: dict[str, Any] = {}
        for key, text in (("lod", lod), ("u", unc)):
            try:
                row["lod" if key == "lod" else "uncertainty"] = _number(text)
            except ValueError:
                errors[f"{key}_{i}"] = _("应为数值")
        verdict = values[f"verdict_{i}"]
        if verdict not in ("", rules.PASS, rules.FAIL):
            errors[f"verdict_{i}"] = _("请选择一项")
        units = [values.get(f"units_{i}_{k}", "") for k in range(e.n or 0)]
        if e.kind == "plan":
            row["units"] = [x for x in units if x] or None
        ok_verdict = verdict if verdict in (rules.PASS, rules.FAIL) else None
        items.append(ItemIn(name=e.name, indicator_id=e.indicator_id, value=value, unit=values[f"unit_{i}"],
                            method_standard=values[f"method_{i}"][:100], lab_verdict=ok_verdict, **row))
    return items, errors


def _item_error(request: Request, err: DomainError, index: list[int]) -> tuple[str, str]:
    """A service error on ``items.<j>.<field>`` as (form field of that row, message in the visitor's language)."""
    msg = err.message_en if locale_of(request) == "en" else err.message_zh
    parts = (err.field or "").split(".")
    if len(parts) >= 2 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(index):
        i = index[int(parts[1])]
        col = _ITEM_FIELD.get(parts[2] if len(parts) > 2 else "", "row")
        if col == "units":
            return f"units_{i}_0", msg
        return f"{col}_{i}", msg
    return "", msg


@router.get("/console/spotcheck/batches/{batch_id}/results", response_class=HTMLResponse)
def console_results(request: Request, session: SessionDep, batch_id: int) -> Response:
    """录入检验结果 — one row per test item of the plan's standards, as an inspector types them in."""
    actor = console_actor(request, session, "inspector")
    batch, rnd = service.results_round(session, actor, batch_id)  # else the error page (404 hidden, 403 other lab, 409 state)
    expected = service.expected_items(session, batch)
    return _results_form(request, session, batch, rnd, expected, _prefill(session, actor, batch, rnd, expected), {})


@router.post("/console/spotcheck/batches/{batch_id}/results")
async def console_results_save(request: Request, session: SessionDep, batch_id: int) -> Response:
    """The same service call as the API's results endpoint and the import: all items in one transaction, or none."""
    actor, form = await console_form(request, session, "inspector")
    batch = service.get_batch(session, actor, batch_id)
    expected = service.expected_items(session, batch)
    values = {f"{c}_{i}": str(form.get(f"{c}_{i}", "")).strip() for i in range(len(expected)) for c in RESULT_COLS}
    values |= {f"units_{i}_{k}": str(form.get(f"units_{i}_{k}", "")).strip()
               for i, e in enumerate(expected) for k in range(e.n or 0)}
    rnd = 1 if batch.state == "objected" else 0
    try:
        batch, rnd = service.results_round(session, actor, batch_id)
    except DomainError as err:
        if err.status != 409:
            raise  # another lab's batch: nothing of the form is shown
        return _results_form(request, session, batch, rnd, expected, values,
                             {"": err.message_en if locale_of(request) == "en" else err.message_zh}, err.status)
    _ = gettext_for(locale_of(request))
    posted = [str(v) for v in form.getlist("indicator_ids")]
    if not expected:
        return _results_form(request, session, batch, rnd, expected, values,
                             {"": _("计划未列出该类别的检验项目，请通过文件导入录入结果")}, 422)
    if posted != [str(e.indicator_id) for e in expected]:
        return _results_form(request, session, batch, rnd, expected, values,
                             {"": _("检验项目已变更，请核对后重新提交")}, 422)
    items, errors = _row_items(request, expected, values)
    index = [i for i, it in enumerate(items) if it is not None]
    for item_err in service.item_errors(session, batch, [items[i] for i in index]):
        key, msg = _item_error(request, item_err, index)
        errors.setdefault(key, msg)
    if errors:
        return _results_form(request, session, batch, rnd, expected, values, errors, 422)
    try:
        with session.begin_nested():
            service.submit_results(session, actor, batch_id, [it for it in items if it is not None])
    except DomainError as err:
        key, msg = _item_error(request, err, index)
        return _results_form(request, session, batch, rnd, expected, values, {key: msg}, err.status)
    return RedirectResponse(f"/console/spotcheck/batches/{batch_id}", status_code=303)
