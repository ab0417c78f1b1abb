"""Spot-check pages: the console's workflow view for staff, labs and enterprises; the public results,
their Excel/PDF exports and Atom feed; the public report verification page (报告防伪查询)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Category, Organization, Product, Standard
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.spotcheck import judgement, reports, rules, service
from zhijian.spotcheck.schemas import ItemIn, ObjectionDecisionIn, PlanIn, RefusalIn, SamplingIn
from zhijian.web.core import console_actor, console_form, error_page, locale_of, nav_item, render

router = APIRouter(include_in_schema=False)
nav_item("/console/spotcheck", "监督抽查", roles=("regulator", "inspector", "enterprise"), order=20)

ACTIONS = ("receive", "verify", "judge", "notify", "finalize", "object", "accept", "reject", "override")


def _names(session: Any, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def _cats(session: Any) -> dict[int, str]:
    return dict(session.execute(select(Category.id, Category.name)).all())


def _ctx_common() -> dict[str, Any]:
    return {"STATE_ZH": rules.STATE_ZH, "LEVEL_ZH": rules.LEVEL_ZH, "BASIS_ZH": rules.BASIS_ZH, "STATES": rules.STATES,
            "region_label": catalog_rules.region_label, "STEP_ZH": service.STEP_ZH}


# ---------------------------------------------------------------- console


@router.get("/console/spotcheck", response_class=HTMLResponse)
def console_plans(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    plans = service.list_plans(session, actor)
    counts = {p.id: service.workflow_counts(session, actor, p.id) for p in plans[:50]}
    overdue = service.list_followups(session, actor, overdue_on=service.today()) if actor.role in (
        "admin", "regulator", "enterprise") else []
    return render(request, "spotcheck/console_plans.html", {
        "plans": plans[:50], "counts": counts, "overdue": overdue, "orgs": _names(session, {p.regulator_id for p in plans}),
        **_ctx_common()})


# ---------------------------------------------------------------- console: new plan, draw, sampling (issue 9)

CAT_ROWS = 3  # category rows on the new-plan form; more categories can be added through the API or CLI
PLAN_FIELDS = ("code", "title", "year", "level", "region_code", "period_start", "period_end", "basis", "decision_rule",
               "guard_factor", "objection_days", "description")
SAMPLING_FIELDS = ("lot", "production_date", "sampled_on", "place", "place_kind", "samplers", "test_quantity",
                   "reserve_quantity", "seals")
_PYDANTIC_ZH = {"missing": "此项必填", "string_too_short": "此项不能为空", "string_too_long": "内容过长",
                "int_parsing": "请填写整数", "int_type": "请填写整数", "float_parsing": "请填写数字",
                "date_from_datetime_parsing": "请填写日期", "date_parsing": "请填写日期", "literal_error": "请选择一项",
                "greater_than_equal": "数值过小", "less_than_equal": "数值过大", "string_pattern_mismatch": "格式不正确",
                "too_short": "数量不足"}


def _field_name(loc: tuple[Any, ...] | list[Any] | str) -> str:
    """Map a schema location (``categories.0.target_batches``) to the form field that holds it."""
    parts = [str(p) for p in (loc.split(".") if isinstance(loc, str) else loc)]
    if not parts or not parts[0]:
        return ""
    if parts[0] == "categories" and len(parts) > 1:
        return ("target_" if len(parts) > 2 and parts[2] == "target_batches" else "cat_") + parts[1]
    if parts[0] == "lab_ids":
        return "lab_ids"
    return parts[0]


def _form_errors(request: Request, exc: ValidationError | DomainError, known: tuple[str, ...]) -> dict[str, str]:
    """Field errors shown in place, in the visitor's language (表单错误就地提示)."""
    _ = gettext_for(locale_of(request))
    if isinstance(exc, DomainError):
        name = _field_name(exc.field or "")
        msg = exc.message_en if locale_of(request) == "en" else exc.message_zh
        return {name if name in known else "": msg}
    out: dict[str, str] = {}
    for e in exc.errors():
        name = _field_name(e.get("loc") or ())
        zh = "抽样人员至少两名且不得重复" if name == "samplers" else _PYDANTIC_ZH.get(e["type"], "此项无效")
        out.setdefault(name if name in known else "", _(zh))
    return out


def _plan_choices(session: Any) -> dict[str, Any]:
    return {"cat_options": list(session.execute(select(Category.id, Category.name).order_by(Category.name)).all()),
            "std_options": list(session.execute(select(Standard.id, Standard.code, Standard.title)
                                                .where(Standard.status == "current").order_by(Standard.code)).all()),
            "lab_options": list(session.execute(select(Organization.id, Organization.name)
                                                .where(Organization.kind == "lab").order_by(Organization.id)).all()),
            "cat_rows": range(CAT_ROWS)}


def _plan_form(request: Request, session: Any, values: dict[str, Any], errors: dict[str, str],
               status: int = 200) -> Response:
    _ = gettext_for(locale_of(request))
    known = _known_plan()
    errors = {k if k in known else "": v for k, v in errors.items()}
    return render(request, "spotcheck/console_plan_form.html", {
        "values": values, "errors": errors, **_plan_choices(session),
        "level_opts": [(k, _(v)) for k, v in rules.LEVEL_ZH.items()],
        "basis_opts": [(k, _(v)) for k, v in rules.BASIS_ZH.items()],
        "rule_opts": [("simple", _("简单接受（测得值与限值比较）")), ("guarded", _("保护带接受（扣除扩展不确定度）"))],
        **_ctx_common()}, status_code=status)


def _plan_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in PLAN_FIELDS}
    for i in range(CAT_ROWS):
        values[f"cat_{i}"] = str(form.get(f"cat_{i}", "")).strip()
        values[f"target_{i}"] = str(form.get(f"target_{i}", "")).strip()
        values[f"std_{i}"] = [str(v) for v in form.getlist(f"std_{i}")]
    values["lab_ids"] = [str(v) for v in form.getlist("lab_ids")]
    return values


def _plan_data(values: dict[str, Any]) -> dict[str, Any]:
    """The form's strings as a PlanIn payload; empty optional fields fall back to the schema defaults."""
    data = {k: values[k] for k in PLAN_FIELDS if values[k] != "" or k in ("code", "title", "year", "level",
                                                                          "period_start", "period_end")}
    cats = []
    for i in range(CAT_ROWS):
        if values[f"cat_{i}"]:
            cats.append({"category_id": values[f"cat_{i}"], "target_batches": values[f"target_{i}"],
                         "standard_ids": [int(v) for v in values[f"std_{i}"] if v.isdigit()]})
    data["categories"] = cats
    data["lab_ids"] = [int(v) for v in values["lab_ids"] if v.isdigit()]
    return data


@router.get("/console/spotcheck/plans/new", response_class=HTMLResponse)
def console_plan_new(request: Request, session: SessionDep) -> Response:
    console_actor(request, session, "regulator")
    year = service.today().year
    values: dict[str, Any] = {k: "" for k in PLAN_FIELDS} | {
        "year": str(year), "level": "provincial", "basis": "random", "decision_rule": "simple", "objection_days": "15",
        "lab_ids": [], **{f"std_{i}": [] for i in range(CAT_ROWS)}}
    return _plan_form(request, session, values, {})


@router.post("/console/spotcheck/plans/new")
async def console_plan_create(request: Request, session: SessionDep) -> Response:
    """制定抽查计划 — the same service call as the API's POST /plans."""
    actor, form = await console_form(request, session, "regulator")
    values = _plan_values(form)
    try:
        data = PlanIn.model_validate(_plan_data(values))
    except ValidationError as exc:
        return _plan_form(request, session, values, _form_errors(request, exc, _known_plan()), 422)
    errors: dict[str, str] = {}
    if not data.categories:
        errors["cat_0"] = gettext_for(locale_of(request))("请至少选择一个产品类别")
    if not data.lab_ids:
        errors["lab_ids"] = gettext_for(locale_of(request))("请至少选择一个承检机构")
    if errors:
        return _plan_form(request, session, values, errors, 422)
    try:
        with session.begin_nested():
            plan = service.create_plan(session, actor, data)
    except DomainError as err:
        return _plan_form(request, session, values, _form_errors(request, err, _known_plan()), err.status)
    return RedirectResponse(f"/console/spotcheck/plans/{plan.id}", status_code=303)


def _known_plan() -> tuple[str, ...]:
    return PLAN_FIELDS + ("lab_ids",) + tuple(f"{k}_{i}" for k in ("cat", "target") for i in range(CAT_ROWS))



@router.get("/console/spotcheck/plans/{plan_id}", response_class=HTMLResponse)
def console_plan(request: Request, session: SessionDep, plan_id: int, state: str | None = None,
                 after: int | None = None) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    try:
        plan = service.get_plan(session, actor, plan_id)
    except DomainError as err:
        return error_page(request, err, actor)
    batches = service.list_batches(session, actor, plan_id=plan.id, state=state or None, limit=100, after_id=after)
    draw = None
    try:
        draw = service.get_draw(session, actor, plan.id)
    except DomainError:
        pass
    drawn = _draw_view(session, draw) if draw is not None and actor.role in ("admin", "regulator") else None
    stats = service.plan_statistics(session, plan.id) if actor.role in ("admin", "regulator") else None
    return render(request, "spotcheck/console_plan.html", {
        "plan": plan, "counts": service.workflow_counts(session, actor, plan.id), "batches": batches,
        "state": state or "", "draw": draw, "drawn": drawn, "stats": stats, "cats": _cats(session),
        "requirements": service.plan_requirements(session, plan),
        "repeat_rule": (draw.inputs or {}).get("repeat_rule") if draw is not None else service.repeat_rule_zh(plan),
        "orgs": _names(session, {b.enterprise_id for b in batches} | {b.lab_id for b in batches if b.lab_id}),
        "next_after": batches[-1].id if len(batches) == 100 else None,
        "is_owner": actor.role == "admin" or (actor.role == "regulator" and actor.owns(plan.regulator_id)),
        **_ctx_common()})


@router.post("/console/spotcheck/plans/{plan_id}/publish")
async def console_publish(request: Request, session: SessionDep, plan_id: int) -> Response:
    actor, form = await console_form(request, session, "regulator")
    try:
        with session.begin_nested():
            service.publish_plan(session, actor, plan_id)
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"/console/spotcheck/plans/{plan_id}", status_code=303)


def _draw_view(session: Any, draw: Any) -> dict[str, Any]:
    """The stored draw in names: enterprises and labs drawn, their matches (匹配), exclusions with reasons."""
    res = draw.result or {}
    assignments = res.get("assignments", [])
    excluded = res.get("excluded", [])
    pids = {a["product_id"] for a in assignments} | {e["product_id"] for e in excluded}
    products = dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(pids))).all()) if pids else {}
    lab_ids = [int(lab[0]) for lab in (draw.inputs or {}).get("labs", [])]
    names = _names(session, {a["enterprise_id"] for a in assignments} | {a["lab_id"] for a in assignments}
                   | set(lab_ids))
    return {"matches": assignments, "excluded": excluded, "products": products, "names": names,
            "enterprises": list(dict.fromkeys(a["enterprise_id"] for a in assignments)), "labs": lab_ids,
            "shortfall": {int(k): v for k, v in (res.get("shortfall") or {}).items() if v}}


@router.post("/console/spotcheck/plans/{plan_id}/draw")
async def console_draw(request: Request, session: SessionDep, plan_id: int) -> Response:
    """双随机抽取 — irreversible: confirmed in the browser (site.js) or on a confirmation page."""
    actor, form = await console_form(request, session, "regulator")
    _ = gettext_for(locale_of(request))
    raw = str(form.get("seed", "")).strip()
    try:
        plan = service.get_plan(session, actor, plan_id)
        service.require_plan_owner(actor, plan)
        if raw and not (raw.isdigit() and int(raw) < 2**62):
            raise DomainError("spotcheck.bad_seed", "随机种子须为非负整数", "the seed must be a non-negative integer",
                              field="seed")
        if form.get("confirmed") != "1":
            return render(request, "web/confirm.html", {
                "title": _("双随机抽取"), "message": _("抽取结果将保存并生成抽样批次，不可撤销。确定抽取？"),
                "action": f"/console/spotcheck/plans/{plan_id}/draw", "back": f"/console/spotcheck/plans/{plan_id}",
                "button": _("确认抽取"), "hidden": {"seed": raw} if raw else {}})
        with session.begin_nested():
            service.draw_plan(session, actor, plan_id, seed=int(raw) if raw else None)
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"/console/spotcheck/plans/{plan_id}", status_code=303)


def _sampling_form(request: Request, session: Any, actor: Any, batch: Any, values: dict[str, Any],
                   errors: dict[str, str], status: int = 200) -> Response:
    return render(request, "spotcheck/console_sampling.html", {
        "b": batch, "plan": session.get(service.Plan, batch.plan_id), "values": values, "errors": errors,
        "orgs": _names(session, {batch.enterprise_id, batch.lab_id or 0}), **_ctx_common()}, status_code=status)


def _sampling_batch(request: Request, session: Any, actor: Any, batch_id: int) -> Any:
    """The batch, if this actor may sample it now (the service checks again on save)."""
    try:
        batch = service.get_batch(session, actor, batch_id)
        service._may_sample(actor, batch, session.get(service.Plan, batch.plan_id))
        if batch.state != "planned":
            raise DomainError("spotcheck.not_planned", "该批次已抽样或已拒检", "this batch has been sampled or refused",
                              status=409)
    except DomainError as err:
        return error_page(request, err, actor)
    return batch


@router.get("/console/spotcheck/batches/{batch_id}/sampling", response_class=HTMLResponse)
def console_sampling(request: Request, session: SessionDep, batch_id: int) -> Response:
    actor = console_actor(request, session, "regulator", "inspector")
    batch = _sampling_batch(request, session, actor, batch_id)
    if isinstance(batch, Response):
        return batch
    values = {k: "" for k in SAMPLING_FIELDS} | {"sampled_on": service.today().isoformat(), "place_kind": "market",
                                                 "samplers": ["", ""]}
    return _sampling_form(request, session, actor, batch, values, {})


@router.post("/console/spotcheck/batches/{batch_id}/sampling")
async def console_sampling_save(request: Request, session: SessionDep, batch_id: int) -> Response:
    """抽样单 or 拒检 — the same service calls as the API."""
    actor, form = await console_form(request, session, "regulator", "inspector")
    batch = _sampling_batch(request, session, actor, batch_id)
    if isinstance(batch, Response):
        return batch
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in SAMPLING_FIELDS}
    values["samplers"] = [str(v).strip() for v in form.getlist("samplers")]
    values["refusal_reason"] = str(form.get("refusal_reason", "")).strip()
    known = SAMPLING_FIELDS + ("refusal_reason",)
    try:
        if form.get("refused") == "1":
            try:
                refusal = RefusalIn(reason=values["refusal_reason"], on=values["sampled_on"] or None)
            except ValidationError as exc:
                errs = {("refusal_reason" if k in ("reason", "") else k): v
                        for k, v in _form_errors(request, exc, ("reason", "on")).items()}
                return _sampling_form(request, session, actor, batch, values,
                                      {("sampled_on" if k == "on" else k): v for k, v in errs.items()}, 422)
            with session.begin_nested():
                service.record_refusal(session, actor, batch_id, refusal)
        else:
            data = {k: v for k, v in values.items() if k in SAMPLING_FIELDS and (v != "" or k in (
                "lot", "sampled_on", "place", "test_quantity", "reserve_quantity"))}
            data["samplers"] = [s for s in values["samplers"] if s]
            data["seals"] = [s.strip() for s in values["seals"].replace("，", ",").split(",") if s.strip()]
            try:
                sampling = SamplingIn.model_validate(data)
            except ValidationError as exc:
                return _sampling_form(request, session, actor, batch, values, _form_errors(request, exc, known), 422)
            with session.begin_nested():
                service.record_sampling(session, actor, batch_id, sampling)
    except DomainError as err:
        errors = _form_errors(request, err, known)
        return _sampling_form(request, session, actor, batch, values, errors, err.status)
    return RedirectResponse(f"/console/spotcheck/batches/{batch_id}", status_code=303)


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
        "b": batch, "plan": session.get(service.Plan, batch.plan_id), "round": rnd, "expected": expected,
        "values": values, "errors": errors, "summary": summary,
        "orgs": _names(session, {batch.enterprise_id}), "cat": _cats(session).get(batch.category_id, ""),
        **_ctx_common()}, status_code=status)


def _results_batch(request: Request, session: Any, actor: Any, batch_id: int) -> Any:
    """(batch, round) if this actor may enter results now, else the error page (404 hidden, 403 other lab, 409 state)."""
    try:
        return service.results_round(session, actor, batch_id)
    except DomainError as err:
        return error_page(request, err, actor)


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
    found = _results_batch(request, session, actor, batch_id)
    if isinstance(found, Response):
        return found
    batch, rnd = found
    expected = service.expected_items(session, batch)
    return _results_form(request, session, batch, rnd, expected, _prefill(session, actor, batch, rnd, expected), {})


@router.post("/console/spotcheck/batches/{batch_id}/results")
async def console_results_save(request: Request, session: SessionDep, batch_id: int) -> Response:
    """The same service call as the API's results endpoint and the import: all items in one transaction, or none."""
    actor, form = await console_form(request, session, "inspector")
    try:
        batch = service.get_batch(session, actor, batch_id)
    except DomainError as err:
        return error_page(request, err, actor)
    expected = service.expected_items(session, batch)
    values = {f"{c}_{i}": str(form.get(f"{c}_{i}", "")).strip() for i in range(len(expected)) for c in RESULT_COLS}
    values |= {f"units_{i}_{k}": str(form.get(f"units_{i}_{k}", "")).strip()
               for i, e in enumerate(expected) for k in range(e.n or 0)}
    rnd = 1 if batch.state == "objected" else 0
    try:
        batch, rnd = service.results_round(session, actor, batch_id)
    except DomainError as err:
        if err.status != 409:
            return error_page(request, err, actor)  # another lab's batch: nothing of the form is shown
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
    for err in service.item_errors(session, batch, [items[i] for i in index]):
        key, msg = _item_error(request, err, index)
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


@router.get("/console/spotcheck/batches/{batch_id}", response_class=HTMLResponse)
def console_batch(request: Request, session: SessionDep, batch_id: int) -> Response:
    # the association reads published results only (issue 13): get_batch answers 404 for anything else
    actor = console_actor(request, session, "regulator", "inspector", "enterprise", "association")
    try:
        batch = service.get_batch(session, actor, batch_id)
    except DomainError as err:
        return error_page(request, err, actor)
    plan = session.get(service.Plan, batch.plan_id)
    return render(request, "spotcheck/console_batch.html", {
        "b": batch, "plan": plan, "items": (items := service.items_of(session, actor, batch_id)),
        "explain": {i.id: judgement.explain_text(service.explain_item(session, i)) for i in items},
        "history": service.history(session, actor, batch_id), "objection": service.objection_of(session, actor, batch_id),
        "attachments": service.list_attachments(session, actor, batch_id),
        "followups": service.list_followups(session, actor, batch_id=batch_id)
        if actor.role in ("admin", "regulator", "enterprise") else [],
        "orgs": _names(session, {batch.enterprise_id, batch.lab_id or 0, batch.retest_lab_id or 0}),
        "labs": _retest_labs(session, batch),  # only labs qualified for the product's field (issue #14)
        "cat": _cats(session).get(batch.category_id, ""), "actions": _actions_for(actor, batch, plan),
        "may_sample": batch.state == "planned" and _may_sample(actor, batch, plan),
        "may_enter_results": batch.state in ("received", "objected") and _may_enter_results(session, actor, batch),
        **_ctx_common()})


def _retest_labs(session: Any, batch: Any) -> list[tuple[Any, str]]:
    """The re-test lab choices: the random draw first (the service draws when no lab is named), then the labs
    qualified for the category's field, without the first lab and labs with a conflict."""
    from zhijian.spotcheck import retest

    if batch.state != "objected":
        return []
    qualified, exclude = retest.retest_candidates(session, batch)
    pool = [lab for lab in qualified if lab not in exclude]
    names = _names(session, set(pool))
    proposed = retest.propose_lab(session, batch)
    first = [("", f"随机抽取（{names.get(proposed, '无可用机构')}）")]
    return first + [(lab, names.get(lab, str(lab))) for lab in pool]


def _may_enter_results(session: Any, actor: Any, batch: Any) -> bool:
    """An inspector of the lab testing now (the retest lab for the reserve sample) sees the result form's link."""
    if actor.role not in ("inspector", "admin"):
        return False
    try:
        service.results_round(session, actor, batch.id)
    except DomainError:
        return False
    return True


def _may_sample(actor: Any, batch: Any, plan: Any) -> bool:
    try:
        service._may_sample(actor, batch, plan)
    except DomainError:
        return False
    return True


def _actions_for(actor: Any, b: Any, plan: Any) -> list[tuple[str, str]]:
    """The buttons this actor may see on the batch (the service checks again when pressed)."""
    out: list[tuple[str, str]] = []
    lab = actor.role == "admin" or (actor.role == "inspector" and actor.owns(b.lab_id))
    rlab = actor.role == "admin" or (actor.role == "inspector" and actor.owns(b.retest_lab_id))
    owner = actor.role == "admin" or (actor.role == "regulator" and actor.owns(plan.regulator_id))
    ent = actor.role == "admin" or (actor.role == "enterprise" and actor.owns(b.enterprise_id))
    if b.state == "sampled" and lab:
        out.append(("receive", "确认收样"))
    if b.state == "tested" and lab or b.state == "objected" and rlab:
        out.append(("verify", "审核结果"))
    if b.state == "verified" and (lab or owner):
        out.append(("judge", "判定"))
    if b.state == "judged" and owner:
        out.append(("notify", "告知企业"))
    if b.state == "notified" and owner and b.delivered_on is None:
        out.append(("deliver", "登记送达"))
    if b.state in ("notified", "retested") and owner:
        out.append(("finalize", "确定结果"))
    if b.state == "notified" and ent:
        out.append(("object", "提出异议"))
    if b.state == "objected" and owner:
        out += [("accept", "受理异议并指定复检机构"), ("reject", "驳回异议")]
    if b.state in ("judged", "notified", "objected") and owner:
        out.append(("override", "改判"))
    return out


def _form_date(form: Any, name: str) -> Any:
    """An optional ISO date from a form field (送达日期); a bad one is a field error, never a 500."""
    raw = str(form.get(name, "") or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise DomainError("spotcheck.bad_date", f"日期「{raw}」无效（应为 YYYY-MM-DD）",
                          f"invalid date '{raw}' (expected YYYY-MM-DD)", field=name) from None


@router.post("/console/spotcheck/batches/{batch_id}/action")
async def console_action(request: Request, session: SessionDep, batch_id: int) -> Response:
    actor, form = await console_form(request, session, "regulator", "inspector", "enterprise")
    action = str(form.get("action", ""))
    note = str(form.get("note", "")).strip()
    try:
        with session.begin_nested():
            if action == "receive":
                service.receive_sample(session, actor, batch_id)
            elif action == "verify":
                service.verify_results(session, actor, batch_id)
            elif action == "judge":
                service.judge_batch(session, actor, batch_id)
            elif action == "notify":
                service.notify(session, actor, batch_id, on=_form_date(form, "notified_on"),
                               delivered_on=_form_date(form, "delivered_on"))
            elif action == "deliver":
                from zhijian.spotcheck import deadlines as clocks

                day = _form_date(form, "delivered_on")
                if day is None:
                    raise DomainError("spotcheck.delivered_on_required", "请填写送达日期", "enter the delivery date",
                                      field="delivered_on")
                clocks.record_delivery(session, actor, batch_id, day)
            elif action == "finalize":
                service.finalize(session, actor, batch_id, note=note)
            elif action == "object":
                service.submit_objection(session, actor, batch_id, note or "对检验结果有异议，申请复检")
            elif action in ("accept", "reject"):
                lab = str(form.get("retest_lab_id", ""))
                service.decide_objection(session, actor, batch_id, ObjectionDecisionIn(
                    accept=action == "accept", note=note, retest_lab_id=int(lab) if lab.isdigit() else None))
            elif action == "override":
                service.override_verdict(session, actor, batch_id, str(form.get("verdict", "")), note)
            else:
                raise DomainError("spotcheck.bad_action", "未知操作", "unknown action", field="action")
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"/console/spotcheck/batches/{batch_id}", status_code=303)


@router.post("/console/spotcheck/import")
async def console_import(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "inspector")
    upload = form.get("file")
    batch = str(form.get("batch_id", ""))
    try:
        if upload is None or isinstance(upload, str):
            raise DomainError("spotcheck.file_required", "请选择文件", "choose a file", field="file")
        data = await upload.read()
        with session.begin_nested():
            out = service.import_results(session, actor, data, upload.filename or "upload.csv",
                                         batch_id=int(batch) if batch.isdigit() else None)
    except DomainError as err:
        return error_page(request, err, actor)
    target = f"/console/spotcheck/batches/{batch}" if batch.isdigit() else "/console/spotcheck"
    return RedirectResponse(f"{target}?imported={out['items']}", status_code=303)


@router.get("/console/spotcheck/batches/{batch_id}/report.pdf")
def console_report(request: Request, session: SessionDep, batch_id: int) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    try:
        data = service.report_data(session, actor, batch_id)
    except DomainError as err:
        return error_page(request, err, actor)
    url = str(request.base_url).rstrip("/") + f"/reports/verify/{data['report_no']}"
    return Response(reports.report_pdf(data, verify_url=url, digest=service.report_digest(data)),
                    media_type="application/pdf")


# ---------------------------------------------------------------- public: results, exports, feed, verification


@router.get("/spotchecks", response_class=HTMLResponse)
def public_plans(request: Request, session: SessionDep, year: int | None = None) -> Response:
    plans = service.list_plans(session, session.info["actor"], published_only=True, year=year)
    return render(request, "spotcheck/public_plans.html", {"plans": plans, "year": year,
                                                           "orgs": _names(session, {p.regulator_id for p in plans}),
                                                           **_ctx_common()})


@router.get("/spotchecks/feed.atom")
def public_feed(request: Request, session: SessionDep) -> Response:
    plans = service.list_plans(session, session.info["actor"], published_only=True)
    return Response(reports.atom_feed(plans, str(request.base_url).rstrip("/")), media_type="application/atom+xml")


def _published(request: Request, session: Any, plan_id: int) -> Any:
    try:
        return service.published_plan(session, plan_id)
    except DomainError as err:
        return error_page(request, err, session.info["actor"])


@router.get("/spotchecks/{plan_id}", response_class=HTMLResponse)
def public_plan(request: Request, session: SessionDep, plan_id: int) -> Response:
    plan = _published(request, session, plan_id)
    if isinstance(plan, Response):
        return plan
    stats = plan.summary or service.plan_statistics(session, plan.id)
    return render(request, "spotcheck/public_plan.html", {
        "plan": plan, "stats": stats, "noncon": service.nonconforming_list(session, plan.id, limit=500),
        "regulator": _names(session, {plan.regulator_id}).get(plan.regulator_id, ""), **_ctx_common()})


@router.get("/spotchecks/{plan_id}/results.xlsx")
def public_xlsx(request: Request, session: SessionDep, plan_id: int) -> Response:
    plan = _published(request, session, plan_id)
    if isinstance(plan, Response):
        return plan
    data = reports.plan_xlsx(plan, plan.summary or service.plan_statistics(session, plan.id),
                             service.nonconforming_list(session, plan.id))
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=spotcheck-{plan.id}.xlsx"})


@router.get("/spotchecks/{plan_id}/results.pdf")
def public_pdf(request: Request, session: SessionDep, plan_id: int) -> Response:
    plan = _published(request, session, plan_id)
    if isinstance(plan, Response):
        return plan
    data = reports.plan_pdf(plan, plan.summary or service.plan_statistics(session, plan.id),
                            service.nonconforming_list(session, plan.id))
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=spotcheck-{plan.id}.pdf"})


@router.get("/reports/verify/{report_no}", response_class=HTMLResponse)
def verify_report(request: Request, session: SessionDep, report_no: str) -> Response:
    try:
        info = service.verify_report(session, report_no[:40])
    except DomainError:
        info = {"report_no": report_no[:40], "genuine": False}
    return render(request, "spotcheck/report_verify.html", {"info": info, "checked_at": dt.datetime.now(dt.UTC)},
                  status_code=200 if info["genuine"] else 404)
