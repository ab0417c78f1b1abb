"""Spot-check pages: the console's workflow view for staff, labs and enterprises; the public results,
their Excel/PDF exports and Atom feed; the public report verification page (报告防伪查询)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog.models import Category, Organization
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.spotcheck import reports, rules, service
from zhijian.spotcheck.schemas import ObjectionDecisionIn
from zhijian.web.core import check_csrf, console_actor, error_page, nav_item, render

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
    if isinstance(actor, Response):
        return actor
    plans = service.list_plans(session, actor)
    counts = {p.id: service.workflow_counts(session, actor, p.id) for p in plans[:50]}
    overdue = service.list_followups(session, actor, overdue_on=service.today()) if actor.role in (
        "admin", "regulator", "enterprise") else []
    return render(request, "spotcheck/console_plans.html", {
        "plans": plans[:50], "counts": counts, "overdue": overdue, "orgs": _names(session, {p.regulator_id for p in plans}),
        **_ctx_common()})


@router.get("/console/spotcheck/plans/{plan_id}", response_class=HTMLResponse)
def console_plan(request: Request, session: SessionDep, plan_id: int, state: str | None = None,
                 after: int | None = None) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    if isinstance(actor, Response):
        return actor
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
    stats = service.plan_statistics(session, plan.id) if actor.role in ("admin", "regulator") else None
    return render(request, "spotcheck/console_plan.html", {
        "plan": plan, "counts": service.workflow_counts(session, actor, plan.id), "batches": batches,
        "state": state or "", "draw": draw, "stats": stats, "cats": _cats(session),
        "orgs": _names(session, {b.enterprise_id for b in batches} | {b.lab_id for b in batches if b.lab_id}),
        "next_after": batches[-1].id if len(batches) == 100 else None,
        "is_owner": actor.role == "admin" or (actor.role == "regulator" and actor.owns(plan.regulator_id)),
        **_ctx_common()})


@router.post("/console/spotcheck/plans/{plan_id}/publish")
async def console_publish(request: Request, session: SessionDep, plan_id: int) -> Response:
    actor = console_actor(request, session, "regulator")
    if isinstance(actor, Response):
        return actor
    form = await request.form()
    check_csrf(request, form)
    try:
        with session.begin_nested():
            service.publish_plan(session, actor, plan_id)
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"/console/spotcheck/plans/{plan_id}", status_code=303)


@router.get("/console/spotcheck/batches/{batch_id}", response_class=HTMLResponse)
def console_batch(request: Request, session: SessionDep, batch_id: int) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    if isinstance(actor, Response):
        return actor
    try:
        batch = service.get_batch(session, actor, batch_id)
    except DomainError as err:
        return error_page(request, err, actor)
    plan = session.get(service.Plan, batch.plan_id)
    return render(request, "spotcheck/console_batch.html", {
        "b": batch, "plan": plan, "items": service.items_of(session, actor, batch_id),
        "history": service.history(session, actor, batch_id), "objection": service.objection_of(session, actor, batch_id),
        "attachments": service.list_attachments(session, actor, batch_id),
        "followups": service.list_followups(session, actor, batch_id=batch_id) if actor.role != "inspector" else [],
        "orgs": _names(session, {batch.enterprise_id, batch.lab_id or 0, batch.retest_lab_id or 0}),
        "labs": list(session.execute(select(Organization.id, Organization.name).where(Organization.kind == "lab")
                                     .order_by(Organization.id)).all()),
        "cat": _cats(session).get(batch.category_id, ""), "actions": _actions_for(actor, batch, plan), **_ctx_common()})


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
    if b.state in ("notified", "retested") and owner:
        out.append(("finalize", "确定结果"))
    if b.state == "notified" and ent:
        out.append(("object", "提出异议"))
    if b.state == "objected" and owner:
        out += [("accept", "受理异议并指定复检机构"), ("reject", "驳回异议")]
    if b.state in ("judged", "notified", "objected") and owner:
        out.append(("override", "改判"))
    return out


@router.post("/console/spotcheck/batches/{batch_id}/action")
async def console_action(request: Request, session: SessionDep, batch_id: int) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    if isinstance(actor, Response):
        return actor
    form = await request.form()
    check_csrf(request, form)
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
                service.notify(session, actor, batch_id)
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
    actor = console_actor(request, session, "inspector")
    if isinstance(actor, Response):
        return actor
    form = await request.form()
    check_csrf(request, form)
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
    if isinstance(actor, Response):
        return actor
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
