"""The console of a complaint or report: the queue, the case page and its actions (受理、转企业、调解、处理决定、
办结, pauses, leads, extensions), each through the service function the API calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from zhijian.consumer import procedure, rules, service
from zhijian.consumer.pages.common import FORM_MESSAGES, _date, _msg, _say, marked, router
from zhijian.consumer.schemas import ConsentIn, EnterpriseResponseIn, LinkIn, MediationIn, TransitionIn
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError, validation_error
from zhijian.platform.i18n import gettext_for
from zhijian.web.core import console_actor, console_form, locale_of, render

# ---------------------------------------------------------------- console: complaints


@router.get("/console/complaints", response_class=HTMLResponse)
def console_complaints(request: Request, session: SessionDep, kind: str = "", state: str = "", q: str = "",
                       overdue: str = "", cursor: str | None = None) -> Response:
    actor = console_actor(request, session, "regulator", "enterprise")
    if overdue and service.can_handle(actor):
        rows = service.overdue(session, actor)
        page = None
    else:
        page = service.list_complaints(session, actor, kind=kind or None, state=state or None, q=q or None,
                                       cursor=cursor)
        rows = page.items
    return render(request, "consumer/console_complaints.html", {
        "rows": [service.present(session, actor, c) for c in rows], "page": page, "kind": kind, "state": state,
        "q": q, "overdue": overdue, "state_zh": rules.STATE_ZH, "kind_zh": rules.KIND_ZH})


@router.get("/console/complaints/{complaint_id}", response_class=HTMLResponse)
def console_complaint(complaint_id: int, request: Request, session: SessionDep, error: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "enterprise")
    c = service.get_complaint(session, actor, complaint_id)
    return _complaint_page(request, session, actor, c, error=error)


def _complaint_page(request: Request, session: Any, actor: Actor, c: Any, *, error: str = "", status: int = 200,
                    form_name: str = "", values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                    result: dict[str, Any] | None = None) -> Response:
    """The case page; a refused console form is shown again with its message at the field and the typed values."""
    flow = rules.flow(c.kind)
    return render(request, "consumer/console_complaint.html", {
        "c": service.present(session, actor, c), "targets": sorted(flow.get(c.state, ())), "state_zh": rules.STATE_ZH,
        "outcome_zh": rules.OUTCOME_ZH, "decision_zh": rules.DECISION_ZH, "error": error,
        "can_handle": service.can_handle(actor, c), "is_respondent": actor.owns(c.respondent_id),
        "grounds": procedure.NON_ACCEPTANCE, "terminations": procedure.TERMINATION,
        "response_zh": {"answer": "答复", "settlement": "提出和解方案", "decline": "不同意（说明理由）"},
        "form_name": form_name, "v": values or {}, "errors": errors or {}, "result": result or {}, "marked": marked,
        "assignees": _assignees(session, actor, c) if service.can_handle(actor, c) else []}, status_code=status)


def _assignees(session: Any, actor: Actor, c: Any) -> list[tuple[str, str]]:
    """承办人 choices: the bureau's active regulator users whose jurisdiction covers the case (`assign_case` checks
    any number typed instead)."""
    from zhijian.platform import jurisdiction
    from zhijian.platform.auth import actor_for
    from zhijian.platform.models import User

    stmt = select(User).where(User.role == "regulator", User.is_active.is_(True))
    if actor.organization_id is not None:  # colleagues of the acting bureau
        stmt = stmt.where(User.organization_id == actor.organization_id)
    users = session.scalars(stmt.order_by(User.id).limit(200))
    return [(str(u.id), u.username) for u in users if jurisdiction.covers(actor_for(u), c.region_code)]


# form name → {field named by the service or the schema: the form's input}; unnamed fields go to the form's top
CASE_FORMS: dict[str, dict[str, str]] = {
    "compensation": {"price": "price", "loss": "loss"},
    "lead": {"facts": "lead_facts", "found_on": "found_on"},
    "split": {"facts": "split_facts"},
    "case-extension": {"days": "ext_days", "approved_by": "ext_approved_by", "reason": "ext_reason",
                       "collective": "ext_collective"},
    "assign": {"assignee_user_id": "assignee_user_id"},
}
_CHECKS = ("fraud", "food", "unsafe_food", "seller_unaware", "label_flaw_only", "record", "ext_collective")


async def _case_form(complaint_id: int, action: str, request: Request, session: Any, actor: Actor,
                     f: dict[str, str]) -> Response:
    """赔偿测算, 违法线索, 拆分举报, 延长办案期限, 指定承办人 — each the service function the API and CLI call."""
    from zhijian.consumer.schemas import CaseExtensionIn, GuidanceIn, LeadIn, SplitIn

    fields = CASE_FORMS[action]
    values = {k: f.get(k, "") for k in (*fields.values(), *_CHECKS)}
    result: dict[str, Any] = {}
    try:
        if action == "compensation":
            data = GuidanceIn.model_validate({
                "price": f.get("price", ""), "loss": f.get("loss") or 0, "fraud": f.get("fraud") == "1",
                "food": f.get("food") == "1", "unsafe_food": f.get("unsafe_food") == "1",
                "producer_or_knowing_seller": f.get("seller_unaware") != "1",
                "label_flaw_only": f.get("label_flaw_only") == "1", "record": f.get("record") == "1"})
            result["compensation"] = service.compensation_guidance(session, actor, complaint_id, data)
            result["recorded"] = data.record
        elif action == "lead":
            r = service.hand_over_lead(session, actor, complaint_id, LeadIn.model_validate({
                "facts": f.get("lead_facts", ""), "found_on": _date(f.get("found_on"), "found_on")}))
            return RedirectResponse(f"/console/complaints/{r.id}", status_code=303)
        elif action == "split":
            r, code = service.split_report(session, actor, complaint_id, SplitIn.model_validate(
                {"facts": f.get("split_facts", "")}))
            result["split"] = {"id": r.id, "tracking_no": r.tracking_no, "check_code": code}
            values = {}
        elif action == "case-extension":
            service.extend_case(session, actor, complaint_id, CaseExtensionIn.model_validate({
                "days": f.get("ext_days", ""), "approved_by": f.get("ext_approved_by", ""),
                "reason": f.get("ext_reason", ""), "collective": f.get("ext_collective") == "1"}))
            return RedirectResponse(f"/console/complaints/{complaint_id}", status_code=303)
        else:  # assign (issue 13): "me" = the acting regulator, "" clears
            who = f.get("assignee_user_id", "")
            if who not in ("", "me") and not who.isdigit():
                raise DomainError("validation.invalid", "请选择承办人", "choose an assignee", field="assignee_user_id")
            uid = actor.user_id if who == "me" else (int(who) if who else None)
            service.assign_case(session, actor, complaint_id, uid)
            return RedirectResponse(f"/console/complaints/{complaint_id}", status_code=303)
    except ValidationError as exc:
        session.rollback()
        _ = gettext_for(locale_of(request))
        errors: dict[str, str] = {}
        for e in exc.errors():
            loc = str(e["loc"][0]) if e.get("loc") else ""
            msg = _(FORM_MESSAGES.get(e["type"], "此项无效"))
            if e["type"] in ("greater_than_equal", "less_than_equal", "greater_than"):
                msg = _("数值超出范围")
            errors.setdefault(fields.get(loc, ""), msg)
        return _case_page_again(request, session, actor, complaint_id, action, values, errors)
    except DomainError as err:
        session.rollback()
        field = fields.get((err.field or "").split(".")[0], "")
        if err.status == 403 or (err.status == 404 and not field):
            raise
        return _case_page_again(request, session, actor, complaint_id, action, values, {field: _say(request, err)},
                                422 if err.status in (404, 409) else err.status)
    c = service.get_complaint(session, actor, complaint_id)
    return _complaint_page(request, session, actor, c, form_name=action, values=values, result=result)


def _case_page_again(request: Request, session: Any, actor: Actor, complaint_id: int, action: str,
                     values: dict[str, str], errors: dict[str, str], status: int = 422) -> Response:
    c = service.get_complaint(session, actor, complaint_id)
    return _complaint_page(request, session, actor, c, status=status, form_name=action, values=values, errors=errors)


def _do_transition(session: Any, actor: Actor, complaint_id: int, f: dict[str, str]) -> None:
    service.transition(session, actor, complaint_id, TransitionIn.model_validate({
        "to": f.get("to"), "on": _date(f.get("on"), "on"), "note": f.get("note", ""),
        "reason": f.get("reason", ""), "outcome": f.get("outcome") or None, "agreement": f.get("agreement", ""),
        "justified": {"1": True, "0": False}.get(f.get("justified", "")),
        "compensation_agreed": float(f["compensation_agreed"]) if f.get("compensation_agreed") else None,
        "decision": f.get("decision") or None, "reason_code": f.get("reason_code") or None,
        "termination_code": f.get("termination_code") or None}))


def _do_mediation(session: Any, actor: Actor, complaint_id: int, f: dict[str, str]) -> None:
    service.add_mediation(session, actor, complaint_id, MediationIn.model_validate({
        "held_on": _date(f.get("held_on"), "held_on"), "place": f.get("place", ""),
        "participants": f.get("participants", ""), "summary": f.get("summary", "")}))


def _do_respond(session: Any, actor: Actor, complaint_id: int, f: dict[str, str]) -> None:
    service.enterprise_respond(session, actor, complaint_id, EnterpriseResponseIn.model_validate({
        "response": f.get("response"), "text": f.get("text", ""),
        "amount": float(f["amount"]) if f.get("amount") else None}))


# the case page's one-step actions: (session, actor, case id, the stripped form) → the service call
_ACTIONS: dict[str, Callable[[Any, Actor, int, dict[str, str]], Any]] = {
    "transition": _do_transition,
    "mediation": _do_mediation,
    "pause": lambda s, a, cid, f: service.start_pause(s, a, cid, _date(f.get("on"), "on") or service.today(),
                                                      f.get("reason") or "检测"),
    "resume": lambda s, a, cid, f: service.end_pause(s, a, cid, _date(f.get("on"), "on") or service.today()),
    "extend": lambda s, a, cid, f: service.extend_verification(s, a, cid, f.get("note", "")),
    "payment": lambda s, a, cid, f: service.record_payment(s, a, cid, float(f.get("amount") or 0),
                                                           _date(f.get("paid_on"), "paid_on") or service.today()),
    "reply": lambda s, a, cid, f: service.enterprise_reply(s, a, cid, f.get("text", "")),
    "respond": _do_respond,
    "link": lambda s, a, cid, f: service.link_respondent(s, a, cid, LinkIn.model_validate({
        "enterprise_id": f.get("enterprise_id"), "note": f.get("note", "")})),
    "consent": lambda s, a, cid, f: service.record_consent(s, a, cid, ConsentIn.model_validate({
        "party": f.get("party"), "consent": f.get("consent") == "1"})),
    "notice": lambda s, a, cid, f: service.send_termination_notice(s, a, cid),
}


@router.post("/console/complaints/{complaint_id}/{action}")
async def console_complaint_action(complaint_id: int, action: str, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "enterprise")
    f = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    if action in CASE_FORMS:
        return await _case_form(complaint_id, action, request, session, actor, f)
    try:
        step = _ACTIONS.get(action)
        if step is None:
            raise DomainError("request.not_found", "未知操作", "unknown action", status=404)
        step(session, actor, complaint_id, f)
    except ValidationError as exc:
        session.rollback()
        return _back(complaint_id, validation_error(exc).message_zh)
    except ValueError:
        session.rollback()
        return _back(complaint_id, "金额应为数字")
    except DomainError as err:
        session.rollback()
        if err.status in (403, 404):
            raise
        return _back(complaint_id, _msg(request, err))
    return RedirectResponse(f"/console/complaints/{complaint_id}", status_code=303)


def _back(complaint_id: int, message: str) -> Response:
    from urllib.parse import urlencode

    return RedirectResponse(f"/console/complaints/{complaint_id}?" + urlencode({"error": message}), status_code=303)
