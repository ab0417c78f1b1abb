"""The console's batch page: its items, history, objection and follow-up, the buttons `service.allowed_actions`
gives this actor and the dispatch of each to its service call; result file import and the report PDF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.spotcheck import judgement, reports, service
from zhijian.spotcheck.models import Plan
from zhijian.spotcheck.pages.common import category_names, ctx_common, form_date, free, org_names
from zhijian.spotcheck.schemas import ObjectionDecisionIn
from zhijian.web.core import console_actor, console_form, locale_of, render

router = APIRouter(include_in_schema=False)


@router.get("/console/spotcheck/batches/{batch_id}", response_class=HTMLResponse)
def console_batch(request: Request, session: SessionDep, batch_id: int) -> Response:
    # the association reads published results only (issue 13): get_batch answers 404 for anything else
    actor = console_actor(request, session, "regulator", "inspector", "enterprise", "association")
    return _batch_page(request, session, actor, batch_id)


def _batch_page(request: Request, session: Any, actor: Any, batch_id: int, failed: str = "",
                errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                status: int = 200) -> Response:
    """The batch page; after a refused step (`failed`) its form shows the message beside the input and keeps
    what was typed (issue #21 finding 9)."""
    batch = service.get_batch(session, actor, batch_id)
    plan = session.get(Plan, batch.plan_id)
    allowed = service.allowed_actions(session, actor, batch)
    return render(request, "spotcheck/console_batch.html", {
        "failed": failed, "errors": errors or {}, "values": values or {},
        "b": batch, "plan": plan, "items": (items := service.items_of(session, actor, batch_id)),
        "explain": {i.id: judgement.explain_text(service.explain_item(session, i), locale_of(request)) for i in items},
        "shown": {i.id: measured_text(i, gettext_for(locale_of(request))) for i in items},
        "history": service.history(session, actor, batch_id), "objection": service.objection_of(session, actor, batch_id),
        "attachments": service.list_attachments(session, actor, batch_id),
        "followups": service.list_followups(session, actor, batch_id=batch_id)
        if actor.role in ("admin", "regulator", "enterprise") else [],
        "orgs": org_names(session, {batch.enterprise_id, batch.lab_id or 0, batch.retest_lab_id or 0}),
        "labs": _retest_labs(session, batch),  # only labs qualified for the product's field (issue #14)
        "cat": category_names(session).get(batch.category_id, ""),
        "actions": [a for a in allowed if a.name in ACTION_HANDLERS],
        "may_sample": any(a.name == "sample" for a in allowed),
        "may_enter_results": any(a.name == "results" for a in allowed),
        **ctx_common()}, status_code=status)


def _number(x: float) -> str:
    return f"{x:.6g}"


def measured_text(item: Any, _: Callable[..., str]) -> str:
    """实测值 as the items table shows it under the requirement's unit (issue #21 finding 11): 未检出 with its
    检出限, and a value typed in another unit (0.00002 g/kg) as the converted value with the typed one beside it."""
    unit = f" {item.unit}" if item.unit else ""
    if item.not_detected:
        limit = item.lod if item.lod is not None else (item.detail or {}).get("reported_limit")
        return _("未检出（检出限 {lod}）", lod=f"{_number(limit)}{unit}") if limit is not None else _("未检出")
    typed = item.value_text or ""
    if item.value is None:  # a word: the usual observations by their names, anything else as the lab typed it
        return _(typed) if typed in ("检出", "阳性", "阴性", "符合", "不符合") else free(typed)
    try:
        same = abs(float(typed) - item.value) <= 1e-12 * max(1.0, abs(item.value))
    except ValueError:
        same = False
    return typed if same else _("{value}（录入值 {typed}）", value=_number(item.value), typed=typed)


def _retest_labs(session: Any, batch: Any) -> list[tuple[Any, str]]:
    """The re-test lab choices: the random draw first (the service draws when no lab is named), then the labs
    qualified for the category's field, without the first lab and labs with a conflict."""
    from zhijian.spotcheck import retest

    if batch.state != "objected":
        return []
    qualified, exclude = retest.retest_candidates(session, batch)
    pool = [lab for lab in qualified if lab not in exclude]
    names = org_names(session, set(pool))
    proposed = retest.propose_lab(session, batch)
    drawn = names.get(proposed, "无可用机构") if proposed is not None else "无可用机构"
    first: list[tuple[Any, str]] = [("", f"随机抽取（{drawn}）")]
    return first + [(lab, names.get(lab, str(lab))) for lab in pool]


ActionHandler = Callable[[Any, Any, int, Any, str], object]  # (session, actor, batch id, form, note)


def _deliver(session: Any, actor: Any, batch_id: int, form: Any, note: str) -> object:
    """登记送达 — the delivery date is required here (告知 may leave it for later)."""
    from zhijian.spotcheck import deadlines as clocks

    day = form_date(form, "delivered_on")
    if day is None:
        raise DomainError("spotcheck.delivered_on_required", "请填写送达日期", "enter the delivery date",
                          field="delivered_on")
    return clocks.record_delivery(session, actor, batch_id, day)


def _decide(accept: bool) -> ActionHandler:
    def handler(session: Any, actor: Any, batch_id: int, form: Any, note: str) -> object:
        lab = str(form.get("retest_lab_id", ""))
        return service.decide_objection(session, actor, batch_id, ObjectionDecisionIn(
            accept=accept, note=note, retest_lab_id=int(lab) if lab.isdigit() else None))
    return handler


# the console's batch buttons (service.allowed_actions names them) → the service call each one makes
ACTION_HANDLERS: dict[str, ActionHandler] = {
    "receive": lambda s, a, bid, form, note: service.receive_sample(s, a, bid),
    "verify": lambda s, a, bid, form, note: service.verify_results(s, a, bid),
    "judge": lambda s, a, bid, form, note: service.judge_batch(s, a, bid),
    "notify": lambda s, a, bid, form, note: service.notify(s, a, bid, on=form_date(form, "notified_on"),
                                                           delivered_on=form_date(form, "delivered_on")),
    "deliver": _deliver,
    "finalize": lambda s, a, bid, form, note: service.finalize(s, a, bid, note=note),
    "object": lambda s, a, bid, form, note: service.submit_objection(s, a, bid, note or "对检验结果有异议，申请复检"),
    "accept": _decide(True),
    "reject": _decide(False),
    "override": lambda s, a, bid, form, note: service.override_verdict(s, a, bid, str(form.get("verdict", "")), note),
}


@router.post("/console/spotcheck/batches/{batch_id}/action")
async def console_action(request: Request, session: SessionDep, batch_id: int) -> Response:
    actor, form = await console_form(request, session, "regulator", "inspector", "enterprise")
    handler = ACTION_HANDLERS.get(str(form.get("action", "")))
    note = str(form.get("note", "")).strip()
    try:
        with session.begin_nested():
            if handler is None:
                raise DomainError("spotcheck.bad_action", "未知操作", "unknown action", field="action")
            handler(session, actor, batch_id, form, note)
    except DomainError as err:
        if err.status in (403, 404) or handler is None:
            raise
        action = str(form.get("action", ""))
        return _batch_page(request, session, actor, batch_id, action, _action_errors(request, err, action),
                           {k: str(v) for k, v in form.items() if k != "csrf_token"}, err.status)
    return RedirectResponse(f"/console/spotcheck/batches/{batch_id}", status_code=303)


def _action_errors(request: Request, err: DomainError, action: str) -> dict[str, str]:
    """A refusal keyed by the id of the action form's input it is about (the form as a whole: "action-<name>")."""
    ids = {"note": f"note-{action}", "delivered_on": f"delivered-{action}", "notified_on": "notified-on",
           "verdict": "verdict-o", "retest_lab_id": "rlab"}
    field = (err.field or "").split(".")[0]
    msg = err.message_en if locale_of(request) == "en" else err.message_zh
    return {ids.get(field, f"action-{action}"): msg}


@router.post("/console/spotcheck/import")
async def console_import(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "inspector")
    upload = form.get("file")
    batch = str(form.get("batch_id", ""))
    if upload is None or isinstance(upload, str):
        raise DomainError("spotcheck.file_required", "请选择文件", "choose a file", field="file")
    data = await upload.read()
    with session.begin_nested():
        out = service.import_results(session, actor, data, upload.filename or "upload.csv",
                                     batch_id=int(batch) if batch.isdigit() else None)
    target = f"/console/spotcheck/batches/{batch}" if batch.isdigit() else "/console/spotcheck"
    return RedirectResponse(f"{target}?imported={out.items}", status_code=303)


@router.get("/console/spotcheck/batches/{batch_id}/report.pdf")
def console_report(request: Request, session: SessionDep, batch_id: int) -> Response:
    actor = console_actor(request, session, "regulator", "inspector", "enterprise")
    data = service.report_data(session, actor, batch_id)
    url = str(request.base_url).rstrip("/") + f"/reports/verify/{data['report_no']}"
    return Response(reports.report_pdf(data, verify_url=url, digest=service.report_digest(data)),
                    media_type="application/pdf")
