"""Console pages of a plan (抽查计划): the plan list, the new-plan form, the plan's workflow view with its draw
(双随机抽取) and publication (公布)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from zhijian.catalog.models import Category, Organization, Product, Standard
from zhijian.catalog.pages import category_options
from zhijian.platform import rooms
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.spotcheck import rules, service
from zhijian.spotcheck.pages.common import category_names, ctx_common, form_errors, org_names
from zhijian.spotcheck.schemas import PlanIn
from zhijian.web.core import console_actor, console_form, locale_of, render

router = APIRouter(include_in_schema=False)


# ---------------------------------------------------------------- console


@router.get("/console/spotcheck", response_class=HTMLResponse)
def console_plans(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    plans = service.list_plans(session, actor)
    counts = {p.id: service.workflow_counts(session, actor, p.id) for p in plans[:50]}
    overdue = service.list_followups(session, actor, overdue_on=service.today()) if actor.role in (
        "admin", "regulator", "enterprise") else []
    return render(request, "spotcheck/console_plans.html", {
        "plans": plans[:50], "counts": counts, "overdue": overdue, "orgs": org_names(session, {p.regulator_id for p in plans}),
        **ctx_common()})


# ---------------------------------------------------------------- console: new plan, draw, sampling (issue 9)

CAT_ROWS = 3  # category rows on the new-plan form; more categories can be added through the API or CLI
PLAN_FIELDS = ("code", "title", "year", "level", "region_code", "period_start", "period_end", "basis", "decision_rule",
               "guard_factor", "objection_days", "description")
def _plan_choices(session: Any, lang: str) -> dict[str, Any]:
    """The form's choices. Standards come grouped under their own category (issue #21 finding 3: a flat list put
    GB 10765 婴儿配方食品 beside 液体乳); nothing is pre-selected."""
    cats = list(session.execute(select(Category.id, Category.name, Category.path).order_by(Category.path,
                                                                                          Category.name)).all())
    names = {c.id: c.name for c in cats}
    groups: dict[int | None, list[tuple[int, str, str]]] = {}
    for sid, code, title, cid in session.execute(select(Standard.id, Standard.code, Standard.title,
                                                        Standard.category_id)
                                                 .where(Standard.status == "current").order_by(Standard.code)):
        groups.setdefault(cid if cid in names else None, []).append((sid, code, title))
    order = [c.id for c in cats if c.id in groups] + ([None] if None in groups else [])
    labs = list(session.execute(select(Organization.id, Organization.name)
                                .where(Organization.kind == "lab").order_by(Organization.id)).all())
    return {"cat_options": category_options(session, lang),  # the tree, siblings by pinyin (finding 13)
            "std_groups": [(names.get(cid) if cid is not None else None, groups[cid]) for cid in order],
            "lab_options": labs, "cat_rows": range(CAT_ROWS),
            # each lab's proficiency-testing record (association contract), shown beside it when choosing labs
            "lab_pt": rooms.call(session, "association", "pt_summaries", [lid for lid, _ in labs], default={})}


def _unrelated_standards(session: Any, data: PlanIn, rows: list[int], lang: str) -> dict[str, str]:
    """A standard chosen for a category it does not cover (its category is neither that category, one above it
    nor one below it) is refused at its row: a plan against it would have no test items for the product."""
    _ = gettext_for(lang)
    paths = {c.id: c.path for c in session.execute(select(Category.id, Category.path))}
    errors: dict[str, str] = {}
    for i, pc in zip(rows, data.categories, strict=False):
        mine = f"{paths.get(pc.category_id, '/')}{pc.category_id}/"
        for code, cid in session.execute(select(Standard.code, Standard.category_id)
                                              .where(Standard.id.in_(pc.standard_ids))):
            if cid is None or cid not in paths:
                continue
            theirs = f"{paths[cid]}{cid}/"
            if not (mine.startswith(theirs) or theirs.startswith(mine)):
                errors.setdefault(f"std_{i}", _("{code} 不适用于所选类别，请选择该类别的标准", code=code))
    return errors


def _plan_form(request: Request, session: Any, values: dict[str, Any], errors: dict[str, str],
               status: int = 200) -> Response:
    _ = gettext_for(locale_of(request))
    known = _known_plan()
    errors = {k if k in known else "": v for k, v in errors.items()}
    return render(request, "spotcheck/console_plan_form.html", {
        "values": values, "errors": errors, **_plan_choices(session, locale_of(request)),
        "level_opts": [(k, _(v)) for k, v in rules.LEVEL_ZH.items()],
        "basis_opts": [(k, _(v)) for k, v in rules.BASIS_ZH.items()],
        "rule_opts": [("simple", _("简单接受（测得值与限值比较）")), ("guarded", _("保护带接受（扣除扩展不确定度）"))],
        **ctx_common()}, status_code=status)


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
        return _plan_form(request, session, values, form_errors(request, exc, _known_plan()), 422)
    errors: dict[str, str] = {}
    if not data.categories:
        errors["cat_0"] = gettext_for(locale_of(request))("请至少选择一个产品类别")
    if not data.lab_ids:
        errors["lab_ids"] = gettext_for(locale_of(request))("请至少选择一个承检机构")
    errors |= _unrelated_standards(session, data, [i for i in range(CAT_ROWS) if values[f"cat_{i}"]],
                                   locale_of(request))
    if errors:
        return _plan_form(request, session, values, errors, 422)
    try:
        with session.begin_nested():
            plan = service.create_plan(session, actor, data)
    except DomainError as err:
        return _plan_form(request, session, values, form_errors(request, err, _known_plan()), err.status)
    return RedirectResponse(f"/console/spotcheck/plans/{plan.id}", status_code=303)


def _known_plan() -> tuple[str, ...]:
    return PLAN_FIELDS + ("lab_ids",) + tuple(f"{k}_{i}" for k in ("cat", "target", "std") for i in range(CAT_ROWS))



@router.get("/console/spotcheck/plans/{plan_id}", response_class=HTMLResponse)
def console_plan(request: Request, session: SessionDep, plan_id: int, state: str | None = None,
                 after: int | None = None) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    return _plan_page(request, session, actor, plan_id, state, after)


def _plan_page(request: Request, session: Any, actor: Any, plan_id: int, state: str | None = None,
               after: int | None = None, errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, status: int = 200) -> Response:
    """The plan's workflow view; after a refused draw or publication the message is shown at that form with
    what was typed kept (issue #21 finding 9) — `errors` keyed "seed", "draw" or "publish"."""
    plan = service.get_plan(session, actor, plan_id)
    batches = service.list_batches(session, actor, plan_id=plan.id, state=state or None, limit=100, after_id=after)
    draw = None
    try:
        draw = service.get_draw(session, actor, plan.id)
    except DomainError:
        pass
    drawn = _draw_view(session, draw, locale_of(request)) if draw is not None and actor.role in ("admin", "regulator") else None
    stats = service.plan_statistics(session, plan.id) if actor.role in ("admin", "regulator") else None
    return render(request, "spotcheck/console_plan.html", {
        "excluded": [e | {"reason": one_language(str(e.get("reason", "")), locale_of(request))}
                     for e in ((draw.result or {}).get("excluded") or [])] if draw is not None else [],
        "plan": plan, "counts": service.workflow_counts(session, actor, plan.id), "batches": batches,
        "state": state or "", "draw": draw, "drawn": drawn, "stats": stats, "cats": category_names(session),
        "requirements": service.plan_requirements(session, plan),
        "repeat_rule": service.repeat_rule_en(plan) if locale_of(request) == "en"
        else (draw.inputs or {}).get("repeat_rule") if draw is not None else service.repeat_rule_zh(plan),
        "orgs": org_names(session, {b.enterprise_id for b in batches} | {b.lab_id for b in batches if b.lab_id}),
        "next_after": batches[-1].id if len(batches) == 100 else None,
        "plan_actions": [a.name for a in service.allowed_actions(session, actor, plan)],
        "errors": errors or {}, "values": values or {}, **ctx_common()}, status_code=status)


def _refused(request: Request, err: DomainError, where: str) -> dict[str, str]:
    return {(err.field if err.field == "seed" else where): err.message_en if locale_of(request) == "en"
            else err.message_zh}


@router.post("/console/spotcheck/plans/{plan_id}/publish")
async def console_publish(request: Request, session: SessionDep, plan_id: int) -> Response:
    actor, form = await console_form(request, session, "regulator")
    try:
        with session.begin_nested():
            service.publish_plan(session, actor, plan_id)
    except DomainError as err:
        if err.status in (403, 404):
            raise
        return _plan_page(request, session, actor, plan_id, errors=_refused(request, err, "publish"),
                          status=err.status)
    return RedirectResponse(f"/console/spotcheck/plans/{plan_id}", status_code=303)


def one_language(pair: str, lang: str) -> str:
    """A stored "中文 / English" reason (the draw's exclusions) in the page's language; other text as is."""
    zh, sep, en = pair.partition(" / ")
    return (en if lang == "en" else zh) if sep else pair


def _draw_view(session: Any, draw: Any, lang: str) -> dict[str, Any]:
    """The stored draw in names: enterprises and labs drawn, their matches (匹配), exclusions with reasons (in
    the page's language)."""
    res = draw.result or {}
    assignments = res.get("assignments", [])
    excluded = [e | {"reason": one_language(str(e.get("reason", "")), lang)} for e in res.get("excluded", [])]
    pids = {a["product_id"] for a in assignments} | {e["product_id"] for e in excluded}
    products = dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(pids))).all()) if pids else {}
    lab_ids = [int(lab[0]) for lab in (draw.inputs or {}).get("labs", [])]
    names = org_names(session, {a["enterprise_id"] for a in assignments} | {a["lab_id"] for a in assignments}
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
        if err.status in (403, 404):
            raise
        return _plan_page(request, session, actor, plan_id, errors=_refused(request, err, "draw"),
                          values={"seed": raw}, status=err.status)
    return RedirectResponse(f"/console/spotcheck/plans/{plan_id}", status_code=303)
