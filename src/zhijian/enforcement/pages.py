"""综合执法 pages: the console (leads, cases step by step, joint operations, oversight, the penalty catalogue) and the
portal's 行政处罚信息公示. Every form calls the same service function as the API and the CLI.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhijian.enforcement import (
    cooperation,
    documents,
    inquiry,
    listing,
    oversight,
    penalties,
    procedure,
    rules,
    schemas,
    service,
)
from zhijian.platform.calendar import parse_date
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.web.core import console_actor, console_form, error_page, locale_of, nav_item, portal_link, render

router = APIRouter(include_in_schema=False)
ROLES = ("regulator",)
nav_item("/console/enforcement", "综合执法", roles=ROLES, order=38)
portal_link("/enforcement/decisions", "行政处罚公示", order=60)


def _officers(form: Any) -> list[str]:
    return [v.strip() for v in str(form.get("officers", "")).replace("，", ",").split(",") if v.strip()]


def _date(form: Any, name: str) -> dt.date | None:
    return parse_date(form.get(name), name)


# the console forms' fields by their label on the form: a refusal names the field as the officer sees it
FIELD_LABELS_ZH: dict[str, str] = {
    "approver": "负责人（审批）", "officers": "两名执法人员的执法证号（逗号分隔）", "on": "日期", "reason": "理由",
    "violation_code": "违法行为", "facts_text": "简要案情", "goods_value": "货值金额（元）", "illegal_income": "违法所得（元）",
    "sales_amount": "销售金额（元）", "proposed_fine": "拟罚款（元）", "opinion": "审核意见", "reviewer": "法制审核人员",
    "served_on": "送达日期", "statement": "当事人陈述、申辩", "fine": "罚款（元）", "kind": "决定种类", "method": "送达方式",
    "paid_on": "缴纳日期", "amount": "缴纳金额（元，含加处罚款）", "items": "查封扣押财物", "description": "证据内容",
    "interviewee_name": "被询问人姓名", "interviewee_id_no": "被询问人身份证件号码", "interviewee_role": "被询问人身份",
    "interviewee_phone": "联系电话", "place": "询问地点", "started_at": "询问开始时间", "ended_at": "询问结束时间",
    "recorder": "记录人（执法证号）", "qa": "问答", "notified_on": "拟列入告知日期", "name": "名称", "gtins": "商品条码",
}


def _labels(field: str) -> tuple[str, str]:
    """(zh, en) label of a form field (its name when the form has no such field)."""
    zh = FIELD_LABELS_ZH.get(field.split(".")[0], field)
    return zh, gettext_for("en")(zh)


def _money(form: Any, name: str) -> Decimal:
    try:
        return Decimal(str(form.get(name, "0") or "0").replace(",", ""))
    except InvalidOperation:
        zh, en = _labels(name)
        raise DomainError("validation.invalid", f"「{zh}」应为金额（元）", f"{en}: must be an amount", field=name) from None


def _datetime(form: Any, name: str) -> dt.datetime:
    v = str(form.get(name, "") or "").strip()
    try:
        return dt.datetime.fromisoformat(v)
    except ValueError:
        zh, en = _labels(name)
        raise DomainError("validation.invalid", f"「{zh}」应为日期时间", f"{en}: must be a date and time",
                          field=name) from None


def _qa(text: str) -> list[schemas.QA]:
    """「问：…」/「答：…」(or Q: / A:) lines → question-answer pairs (a line without a prefix continues the previous
    one)."""
    pairs: list[dict[str, str]] = []
    key = ""
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        head = line[:2].replace(":", "：").upper().replace("Q：", "问：").replace("A：", "答：")  # Q: / A: as well
        if head == "问：":
            pairs.append({"q": line[2:].strip(), "a": ""})
            key = "q"
        elif head == "答：" and pairs:
            pairs[-1]["a"] = (pairs[-1]["a"] + "\n" if pairs[-1]["a"] else "") + line[2:].strip()
            key = "a"
        elif pairs and key:
            pairs[-1][key] += "\n" + line
        else:
            raise DomainError("validation.invalid", "问答每段应以“问：”开头", "each pair starts with 问：", field="qa")
    if not pairs:
        raise DomainError("enforcement.no_questions", "询问笔录须至少记录一问一答", "record at least one question", field="qa")
    return [schemas.QA(**p) for p in pairs]


# the description an interview writes on its evidence item (inquiry.record_inquiry); any other is shown as typed
_INQUIRY_EVIDENCE = re.compile(r"^询问笔录 (?P<no>\S+)（被询问人 (?P<name>.+)，(?P<role>[^，）]+)）$")


def evidence_note(description: str, lang: str) -> tuple[str, str]:
    """An evidence item's description in the page's language as (text, 文号): the interview's own description is
    rebuilt in English around its 文号 (returned apart, for the page to mark as Chinese)."""
    m = _INQUIRY_EVIDENCE.match(description or "") if lang == "en" else None
    if m is None:
        return description or "", ""
    role = gettext_for("en")(m["role"])
    return f"(interviewee {m['name']}, {role[:1].lower() + role[1:]})", m["no"]


def _validation(exc: ValidationError) -> DomainError:
    """The first error of a form's model, named by the field's label, in the catalogue's words (web.forms)."""
    from zhijian.web.forms import message_for

    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ()))
    zh, en = _labels(field)
    return DomainError("validation.invalid", f"「{zh}」填写有误：{message_for(first, 'zh_CN')}",
                       f"{en}: {message_for(first, 'en')}", field=field)


# ---------------------------------------------------------------- console


@router.get("/console/enforcement", response_class=HTMLResponse)
def console_home(request: Request, session: SessionDep, state: str = "received", lead_cursor: str | None = None,
                 case_cursor: str | None = None) -> Response:
    """The desk: leads and cases 100 at a time, each list with its own 下一页 (past the 100th nothing was shown)."""
    actor = console_actor(request, session, *ROLES)
    leads = service.list_leads(session, actor, state=state or None, limit=100, cursor=lead_cursor)
    cases = procedure.list_cases(session, actor, limit=100, cursor=case_cursor)
    ops = cooperation.operations(session, actor)
    return render(request, "enforcement/console_home.html", {
        "leads": leads.items, "cases": cases.items, "lead_page": leads, "case_page": cases, "ops": ops,
        "state": state, "sources": rules.LEAD_SOURCES,
        "lead_states": rules.LEAD_STATES, "states": rules.STATES, "today": service.today()}, actor=actor)


@router.get("/console/enforcement/penalties", response_class=HTMLResponse)
def console_penalties(request: Request, session: SessionDep, violation: str = "", goods_value: str = "",
                      illegal_income: str = "") -> Response:
    """罚则目录 with sources; with a violation and facts, the computed range and its explanation."""
    actor = console_actor(request, session, *ROLES)
    result, error = None, None
    if violation:
        try:
            result = penalties.compute(violation, penalties.facts(goods_value=goods_value or 0,
                                                                  illegal_income=illegal_income or 0))
        except DomainError as err:
            error = _message(request, err)
    cat = penalties.catalogue()
    return render(request, "enforcement/console_penalties.html", {
        "rows": penalties.catalogue_rows(), "cat": cat, "result": result, "error": error, "violation": violation,
        "goods_value": goods_value, "illegal_income": illegal_income}, actor=actor)


@router.get("/console/enforcement/leads/{lead_id}", response_class=HTMLResponse)
def console_lead(request: Request, session: SessionDep, lead_id: int, error: str = "") -> Response:
    actor = console_actor(request, session, *ROLES)
    lead = service.get_lead(session, actor, lead_id)
    return render(request, "enforcement/console_lead.html", {
        "lead": lead, "sources": rules.LEAD_SOURCES, "lead_states": rules.LEAD_STATES, "basis": rules.VERIFY_BASIS,
        "error": error, "today": service.today()}, actor=actor)


@router.post("/console/enforcement/leads/{lead_id}/{action}")
async def console_lead_action(request: Request, session: SessionDep, lead_id: int, action: str) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        with session.begin_nested():
            if action == "file":
                case = procedure.file_case(session, actor, schemas.FileIn(
                    lead_id=lead_id, approver=str(form.get("approver", "")), officers=_officers(form),
                    on=_date(form, "on"), violation_code=str(form.get("violation_code", "")),
                    facts_text=str(form.get("facts_text", ""))))
                return RedirectResponse(f"/console/enforcement/cases/{case.id}", status_code=303)
            if action == "decline":
                service.decline_lead(session, actor, lead_id, schemas.LeadDecisionIn(reason=str(form.get("reason", "")),
                                                                             on=_date(form, "on")))
            elif action == "extend":
                service.extend_lead(session, actor, lead_id, str(form.get("reason", "")))
            else:
                raise DomainError("request.unknown_action", "未知操作", "unknown action", status=404)
    except ValidationError as exc:
        return _lead_error(request, session, lead_id, _validation(exc))
    except DomainError as err:
        return _lead_error(request, session, lead_id, err)
    return RedirectResponse(f"/console/enforcement/leads/{lead_id}", status_code=303)


def _message(request: Request, err: DomainError) -> str:
    """A refusal's message in the page's language."""
    return err.message_en if locale_of(request) == "en" else err.message_zh


def _lead_error(request: Request, session: Any, lead_id: int, err: DomainError) -> Response:
    resp = console_lead(request, session, lead_id, error=_message(request, err))
    resp.status_code = err.status
    return resp


@router.get("/console/enforcement/cases/{case_id}", response_class=HTMLResponse)
def console_case(request: Request, session: SessionDep, case_id: int, error: str = "") -> Response:
    actor = console_actor(request, session, *ROLES)
    case = service.get_case(session, actor, case_id)
    steps = procedure.steps(session, actor, case_id)
    ev, broken = procedure.evidence(session, actor, case_id)
    checks = oversight.checklist(session, actor, case_id, lang=locale_of(request))
    holder = service.can_act_on(session, actor, case)
    return render(request, "enforcement/console_case.html", {
        "c": case, "steps": steps, "evidence": ev, "broken": broken, "checks": checks, "holder": holder,
        "docs": documents.case_documents(session, case.id), "doc_kinds": rules.DOC_KINDS, "states": rules.STATES,
        "yuan": procedure.yuan, "methods": rules.SERVICE_METHODS, "evidence_kinds": rules.EVIDENCE_KINDS,
        "violations": penalties.catalogue_rows(), "shared": cooperation.shared_view(session, actor, case),
        "shared_labels": cooperation.SHAREABLE_ZH, "step_label": lambda kind: rules.step_label(kind, locale_of(request)),
        "step_note": lambda step: rules.step_note(step.kind, step.note, locale_of(request)),
        "evidence_note": lambda e: evidence_note(e.description, locale_of(request)),
        "error": error, "today": service.today(), "case_basis": rules.CASE_BASIS,
        "legal_done": procedure.count_steps(session, case.id, "legal_review") > 0,
        "inquiries": [inquiry.inquiry_out(q) for q in inquiry.inquiries(session, actor, case_id)],
        "inquiry_roles": rules.INQUIRY_ROLES, "listing": listing.status(session, actor, case_id)}, actor=actor)


def _case_action(session: Any, actor: Any, case_id: int, action: str, form: Any) -> None:
    """One console form → one service call (the same the API makes)."""
    on = _date(form, "on")
    officers = _officers(form)
    if action == "review":
        procedure.submit_review(session, actor, case_id, schemas.ReviewIn(
            officers=officers, on=on, violation_code=str(form.get("violation_code", "")),
            facts=schemas.FactsIn(goods_value=_money(form, "goods_value"), illegal_income=_money(form, "illegal_income"),
                          sales_amount=_money(form, "sales_amount")),
            proposed_fine=_money(form, "proposed_fine"), opinion=str(form.get("opinion", ""))))
    elif action == "legal_review":
        procedure.legal_review(session, actor, case_id, schemas.LegalReviewIn(reviewer=str(form.get("reviewer", "")),
                                                                      opinion=str(form.get("opinion", "")), on=on))
    elif action == "notice":
        procedure.notify(session, actor, case_id, schemas.NotifyIn(officers=officers, served_on=_date(form, "served_on") or
                                                           service.today()))
    elif action == "response":
        procedure.respond(session, actor, case_id, schemas.ResponseIn(statement=str(form.get("statement", "")), on=on,
                                                              waive=form.get("waive") == "1",
                                                              request_hearing=form.get("request_hearing") == "1"))
    elif action == "decision":
        procedure.decide(session, actor, case_id, schemas.DecideIn(officers=officers, on=on, fine=_money(form, "fine"),
                                                           approver=str(form.get("approver", "")),
                                                           kind=str(form.get("kind", "penalty"))))
    elif action == "service":
        procedure.serve(session, actor, case_id, schemas.ServeIn(officers=officers, method=str(form.get("method", "direct")),
                                                         served_on=_date(form, "served_on") or service.today()))
    elif action == "payment":
        procedure.record_payment(session, actor, case_id, schemas.PayIn(paid_on=_date(form, "paid_on") or service.today(),
                                                                amount=_money(form, "amount")))
    elif action == "seizure":
        procedure.seize(session, actor, case_id, schemas.SeizureIn(officers=officers, on=on, items=str(form.get("items", ""))))
    elif action == "evidence":
        procedure.add_evidence(session, actor, case_id, kind=str(form.get("kind", "")), officers=officers,
                               description=str(form.get("description", "")))
    elif action == "close":
        procedure.close_case(session, actor, case_id, schemas.StepIn(officers=officers, on=on))
    elif action == "inquiry":
        inquiry.record_inquiry(session, actor, case_id, schemas.InquiryIn(
            officers=officers, recorder=str(form.get("recorder", "")),
            interviewee_name=str(form.get("interviewee_name", "")),
            interviewee_id_no=str(form.get("interviewee_id_no", "")),
            interviewee_role=str(form.get("interviewee_role", "party")),
            interviewee_phone=str(form.get("interviewee_phone", "")), place=str(form.get("place", "")),
            started_at=_datetime(form, "started_at"), ended_at=_datetime(form, "ended_at"),
            qa=_qa(str(form.get("qa", "")))))
    elif action == "serious_listing":
        listing.list_serious(session, actor, case_id, notified_on=_date(form, "notified_on") or service.today(), on=on,
                             approver=str(form.get("approver", "")))
    elif action == "publish":
        procedure.publish(session, actor, case_id, on)
    else:
        raise DomainError("request.unknown_action", "未知操作", "unknown action", status=404)


@router.post("/console/enforcement/cases/{case_id}/{action}")
async def console_case_action(request: Request, session: SessionDep, case_id: int, action: str) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        with session.begin_nested():
            _case_action(session, actor, case_id, action, form)
    except ValidationError as exc:
        return _case_error(request, session, case_id, _validation(exc))
    except DomainError as err:
        return _case_error(request, session, case_id, err)
    return RedirectResponse(f"/console/enforcement/cases/{case_id}", status_code=303)


def _case_error(request: Request, session: Any, case_id: int, err: DomainError) -> Response:
    resp = console_case(request, session, case_id, error=_message(request, err))
    resp.status_code = err.status
    return resp


@router.get("/console/enforcement/cases/{case_id}/documents/{kind}.pdf")
def console_pdf(request: Request, session: SessionDep, case_id: int, kind: str, public: bool = False) -> Response:
    actor = console_actor(request, session, *ROLES)
    case = service.get_case(session, actor, case_id)
    data = documents.case_pdf(session, case, kind, public=public)
    return Response(data, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{kind}.pdf"'})


@router.get("/console/enforcement/cases/{case_id}/inquiries/{inquiry_id}.pdf")
def console_inquiry_pdf(request: Request, session: SessionDep, case_id: int, inquiry_id: int) -> Response:
    actor = console_actor(request, session, *ROLES)
    case, step = inquiry.get_inquiry(session, actor, case_id, inquiry_id)
    data = inquiry.inquiry_pdf(session, case, step)
    return Response(data, media_type="application/pdf",
                    headers={"content-disposition": f'inline; filename="inquiry-{inquiry_id}.pdf"'})


@router.post("/console/enforcement/operations")
async def console_operation_create(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        with session.begin_nested():
            members = [int(x) for x in str(form.get("members", "")).replace("，", ",").split(",") if x.strip().isdigit()]
            gtins = [g.strip() for g in str(form.get("gtins", "")).replace("，", ",").split(",") if g.strip()]
            op = cooperation.create_operation(session, actor, schemas.OperationIn(name=str(form.get("name", "")), gtins=gtins,
                                                                          member_organ_ids=members))
    except ValidationError as exc:
        return error_page(request, _validation(exc), actor)
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"/console/enforcement/operations/{op.id}", status_code=303)


@router.get("/console/enforcement/operations/{op_id}", response_class=HTMLResponse)
def console_operation(request: Request, session: SessionDep, op_id: int) -> Response:
    actor = console_actor(request, session, *ROLES)
    op = cooperation.get_operation(session, actor, op_id)
    ctx = {"op": op, "stats": cooperation.operation_stats(session, actor, op_id),
           "timeline": cooperation.timeline(session, actor, op_id, lang=locale_of(request)),
           "candidates": cooperation.candidate_cases(session, actor, op_id)}
    return render(request, "enforcement/console_operation.html", ctx, actor=actor)


@router.post("/console/enforcement/operations/{op_id}/join")
async def console_operation_join(request: Request, session: SessionDep, op_id: int) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        with session.begin_nested():
            cooperation.join_case(session, actor, op_id, int(str(form.get("case_id", "0")) or 0))
    except (DomainError, ValueError) as err:
        if isinstance(err, DomainError):
            return error_page(request, err, actor)
        return error_page(request, DomainError("validation.invalid", "案件编号应为数字", "case id", field="case_id"), actor)
    return RedirectResponse(f"/console/enforcement/operations/{op_id}", status_code=303)


@router.get("/console/enforcement/oversight", response_class=HTMLResponse)
def console_oversight(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *ROLES)
    return render(request, "enforcement/console_oversight.html", {
        "rows": oversight.dashboard(session, actor), "leads": oversight.lead_totals(session, actor),
        "officers": oversight.officer_rows(session, actor), "lead_states": rules.LEAD_STATES}, actor=actor)


@router.get("/console/enforcement/oversight.xlsx")
def console_oversight_xlsx(request: Request, session: SessionDep) -> Response:
    from zhijian.web.export import xlsx_response

    actor = console_actor(request, session, *ROLES)
    return xlsx_response("执法监督统计.xlsx", oversight.HEADERS, oversight.export_rows(oversight.dashboard(session, actor)))


# ---------------------------------------------------------------- portal


@router.get("/enforcement/decisions", response_class=HTMLResponse)
def public_decisions(request: Request, session: SessionDep) -> Response:
    """行政处罚信息公示 — the public versions (personal data removed)."""
    return render(request, "enforcement/public_decisions.html", {"cases": procedure.published(session, limit=100),
                                                                 "yuan": procedure.yuan})


@router.get("/enforcement/decisions/{case_id}", response_class=HTMLResponse)
def public_decision(request: Request, session: SessionDep, case_id: int) -> Response:
    case = procedure.public_case(session, case_id)
    party = rules.redact(case.party_name, [case.party_name]) if case.party_natural else case.party_name
    return render(request, "enforcement/public_decision.html", {"c": case, "party": party, "yuan": procedure.yuan})
