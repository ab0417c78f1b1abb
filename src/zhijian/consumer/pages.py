"""Consumer pages: the public complaint form and tracking, certificate verification, enterprise-standard
declarations and comparative-test reports; the console for complaints, credit, certificates, declarations
and comparative tests. Every page calls the same service functions as the API and the CLI.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from zhijian.catalog.models import Category, Organization
from zhijian.consumer import notifications, procedure, rules, service
from zhijian.consumer.schemas import CertificateIn, ComplaintIn, DeclarationIn, MediationIn, TransitionIn
from zhijian.platform.auth import Actor
from zhijian.platform.calendar import parse_date
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.web.core import (
    check_csrf,
    console_actor,
    console_form,
    error_page,
    locale_of,
    nav_item,
    portal_link,
    render,
)

router = APIRouter(include_in_schema=False)
nav_item("/console/complaints", "投诉举报", roles=("regulator", "enterprise"), order=40)  # not the association (#13)
nav_item("/console/credit", "质量信用", roles=("regulator", "association", "enterprise"), order=41)
nav_item("/console/certificates", "认证证书", roles=("regulator", "association"), order=42)
nav_item("/console/declarations", "企业标准", roles=("regulator", "association", "enterprise"), order=43)
nav_item("/console/comparative", "比较试验", roles=("regulator", "association"), order=44)
portal_link("/complaints/new", "投诉举报", order=40)
portal_link("/certificates/verify", "认证证书查询", order=41)
portal_link("/standards/declarations", "企业标准", order=42)
portal_link("/comparative", "比较试验", order=43)


_date = parse_date  # platform.calendar: the one date parser


def _validation(exc: ValidationError) -> DomainError:
    e = exc.errors()[0]
    fld = ".".join(str(p) for p in e["loc"])
    return DomainError("validation.invalid", f"「{fld}」无效：{e['msg']}", f"'{fld}' is invalid: {e['msg']}", field=fld)


def _msg(request: Request, err: DomainError) -> str:
    return err.message_en if request.query_params.get("lang") == "en" else err.message_zh


# ---------------------------------------------------------------- public: complaint form and tracking


def _categories(session: Any) -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in session.scalars(select(Category).order_by(Category.path))]


@router.get("/complaints/new", response_class=HTMLResponse)
def complaint_form(request: Request, session: SessionDep) -> Response:
    q = request.query_params  # prefilled from a verification answer's 举报假冒 / 投诉 (?kind=&code=&product=&place=)
    form = {"kind": "report" if q.get("kind") == "report" else "complaint", "purchase_place": q.get("place", "")[:200],
            "product_text": " ".join(v for v in (q.get("product", ""), q.get("code", "")) if v)[:200]}
    return render(request, "consumer/complaint_form.html", {"form": form, "errors": {}, "categories": _categories(session),
                                                             "requests": rules.REQUEST_ZH})


@router.post("/complaints/new", response_class=HTMLResponse)
async def complaint_submit(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    check_csrf(request, form)
    actor: Actor = session.info["actor"]
    values = {k: str(v).strip() for k, v in form.items() if k not in ("csrf_token", "requests") and isinstance(v, str)}
    try:
        data = ComplaintIn.model_validate({
            "kind": values.get("kind") or "complaint",
            "complainant_name": values.get("complainant_name", ""),
            "complainant_phone": values.get("complainant_phone", ""),
            "complainant_address": values.get("complainant_address", ""),
            "anonymous": values.get("anonymous") == "1",
            "respondent_name": values.get("respondent_name", ""),
            "respondent_address": values.get("respondent_address", ""),
            "product_text": values.get("product_text", ""),
            "category_id": int(values["category_id"]) if values.get("category_id", "").isdigit() else None,
            "purchase_date": _date(values.get("purchase_date"), "purchase_date"),
            "purchase_place": values.get("purchase_place", ""),
            "facts": values.get("facts", ""),
            "requests": [str(r) for r in form.getlist("requests")],
            "request_amount": float(values["request_amount"]) if values.get("request_amount") else None,
            "respondent_uscc": values.get("respondent_uscc") or None,
            "knew_on": _date(values.get("knew_on"), "knew_on"),
            "contact_email": values.get("contact_email") or None,
            "contact_token": request.cookies.get("zj_contact") or None,
            "also_report": values.get("also_report", ""),
        })
        c, code = service.submit_complaint(session, actor, data)
        upload = form.get("evidence")
        if upload is not None and not isinstance(upload, str) and upload.filename:
            service.add_evidence(session, actor, c, upload.filename, await upload.read(),
                                 upload.content_type or "application/octet-stream")
    except (DomainError, ValidationError, ValueError) as exc:
        err = _validation(exc) if isinstance(exc, ValidationError) else (
            exc if isinstance(exc, DomainError) else DomainError("validation.invalid", "金额应为数字", "amount must be a number",
                                                                 field="request_amount"))
        session.rollback()
        return render(request, "consumer/complaint_form.html", {
            "form": values, "errors": {err.field or "": _msg(request, err)}, "categories": _categories(session),
            "requests": rules.REQUEST_ZH, "chosen": form.getlist("requests")}, status_code=422)
    return render(request, "consumer/complaint_created.html", {"c": c, "code": code,
                                                                "clock": service.clock(session, c).as_dict()})


@router.get("/complaints/track", response_class=HTMLResponse)
def track_form(request: Request, session: SessionDep) -> Response:
    return render(request, "consumer/track.html", {"case": None, "error": None, "tracking_no": ""})


@router.post("/complaints/track", response_class=HTMLResponse)
async def track_submit(request: Request, session: SessionDep) -> Response:
    """The check code travels in a POST body (not the URL), CSRF-protected."""
    form = await request.form()
    check_csrf(request, form)
    no = str(form.get("tracking_no", "")).strip()
    try:
        c = service.track(session, no, str(form.get("check_code", "")))
    except DomainError as err:
        return render(request, "consumer/track.html", {"case": None, "error": _msg(request, err), "tracking_no": no},
                      status_code=404)
    return render(request, "consumer/track.html", {
        "case": service.present(session, session.info["actor"], c, tracking=True), "error": None, "tracking_no": no,
        "check_code": str(form.get("check_code", ""))})


@router.post("/complaints/respond", response_class=HTMLResponse)
async def track_respond(request: Request, session: SessionDep) -> Response:
    """The complainant accepts the enterprise's answer, asks for mediation, or rates a closed case."""
    from zhijian.consumer.schemas import ConsumerResponseIn, SatisfactionIn

    form = await request.form()
    check_csrf(request, form)
    f = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    try:
        if f.get("score"):
            c = service.rate_satisfaction(session, SatisfactionIn.model_validate({
                "tracking_no": f.get("tracking_no", ""), "check_code": f.get("check_code", ""),
                "score": f.get("score"), "note": f.get("note", "")}))
        else:
            c = service.consumer_respond(session, ConsumerResponseIn.model_validate({
                "tracking_no": f.get("tracking_no", ""), "check_code": f.get("check_code", ""),
                "response": f.get("response"), "note": f.get("note", "")}))
    except (DomainError, ValidationError) as exc:
        session.rollback()
        err = _validation(exc) if isinstance(exc, ValidationError) else exc
        return render(request, "consumer/track.html", {"case": None, "error": _msg(request, err),
                                                       "tracking_no": f.get("tracking_no", "")}, status_code=422)
    return render(request, "consumer/track.html", {
        "case": service.present(session, session.info["actor"], c, tracking=True), "error": None,
        "tracking_no": c.tracking_no, "check_code": f.get("check_code", "")})


# ---------------------------------------------------------------- public: contact verification and "my complaints"
# Filing stays open without a code (《暂行办法》第九条 asks for name, phone and address, not a verified contact; phone,
# letter and visit cases have none): the one-time code proves the contact, after which the case's e-mails go to it
# and the consumer lists "my complaints" (a one-day, HttpOnly cookie holds the token).

CONTACT_COOKIE = "zj_contact"


def _verify_page(request: Request, values: dict[str, str], errors: dict[str, str], *, step: str = "request",
                 status: int = 200, sent: bool = False) -> Response:
    return render(request, "consumer/contact_verify.html", {"v": values, "errors": errors, "step": step,
                                                            "sent": sent}, status_code=status)


@router.get("/complaints/verify", response_class=HTMLResponse)
def contact_verify_form(request: Request, session: SessionDep) -> Response:
    return _verify_page(request, {"channel": "sms"}, {})


@router.post("/complaints/verify", response_class=HTMLResponse)
async def contact_verify(request: Request, session: SessionDep) -> Response:
    """Step 1 (no code): send a one-time code to the contact; step 2 (a code): check it and keep the token."""
    from zhijian.consumer.schemas import CodeRequestIn, CodeVerifyIn

    form = await request.form()
    check_csrf(request, form)
    v = {k: str(form.get(k, "")).strip() for k in ("channel", "contact", "code")}
    step = "check" if "code" in form else "request"
    try:
        if step == "request":
            service.request_code(session, CodeRequestIn.model_validate({"channel": v["channel"] or "sms",
                                                                        "contact": v["contact"]}))
            return _verify_page(request, v | {"code": ""}, {}, step="check", sent=True)
        token = service.verify_code(session, CodeVerifyIn.model_validate({"contact": v["contact"], "code": v["code"]}))
    except ValidationError as exc:
        session.rollback()
        _ = gettext_for(locale_of(request))
        errors = {str(e["loc"][0]): _(_MESSAGES.get(e["type"], "此项无效")) for e in reversed(exc.errors())}
        return _verify_page(request, v, errors, step=step, status=422)
    except DomainError as err:
        session.rollback()
        field = err.field if err.field in ("channel", "contact", "code") else "contact"
        return _verify_page(request, v, {field: _say(request, err)}, step=step, status=err.status)
    resp = RedirectResponse("/complaints/mine", status_code=303)
    resp.set_cookie(CONTACT_COOKIE, token, max_age=24 * 3600, httponly=True, samesite="lax",
                    secure=request.app.state.settings.cookie_secure)
    return resp


@router.get("/complaints/mine", response_class=HTMLResponse)
def my_complaints_page(request: Request, session: SessionDep) -> Response:
    """我的投诉 — the cases filed with the verified contact; without a valid token, verify first."""
    token = request.cookies.get(CONTACT_COOKIE)
    try:
        rows = service.my_complaints(session, token)
    except DomainError:
        return RedirectResponse("/complaints/verify", status_code=303)
    return render(request, "consumer/my_complaints.html", {
        "rows": rows, "contact": service.verified_contact(session, token), "state_zh": rules.STATE_ZH,
        "kind_zh": rules.KIND_ZH})


nav_item("/console/inbox", "站内通知", roles=("admin", "regulator", "association", "inspector", "enterprise"), order=5)


@router.get("/console/inbox", response_class=HTMLResponse)
def console_inbox(request: Request, session: SessionDep) -> Response:
    """站内通知 — every role's inbox (messages to the user, its organization or its role)."""
    actor = console_actor(request, session, "regulator", "association", "inspector", "enterprise")
    return render(request, "consumer/console_inbox.html", {"rows": notifications.inbox(session, actor)})


@router.post("/console/inbox/{notification_id}/read")
async def console_inbox_read(notification_id: int, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "association", "inspector", "enterprise")
    try:
        notifications.mark_read(session, actor, notification_id)
    except DomainError as err:
        session.rollback()
        return error_page(request, err, actor)
    return RedirectResponse("/console/inbox", status_code=303)


# ---------------------------------------------------------------- public: certificates, declarations, comparative


@router.get("/certificates/verify", response_class=HTMLResponse)
def certificate_verify(request: Request, session: SessionDep, number: str = "", holder: str = "",
                       product: str = "") -> Response:
    result = cert = None
    if number.strip():
        try:
            result, cert = service.verify_certificate(session, number, holder=holder or None, product=product or None)
        except DomainError as err:
            return error_page(request, err)
    return render(request, "consumer/certificate_verify.html", {
        "number": number, "holder": holder, "product": product, "result": result, "cert": cert,
        "kind_zh": rules.CERT_KIND_ZH, "status_zh": rules.CERT_STATUS_ZH, "category_zh": rules.CERT_CATEGORY_ZH,
        "category_of": rules.cert_category})


@router.get("/certificates/{number}/qr.svg")
def certificate_qr(number: str, request: Request, session: SessionDep) -> Response:
    try:
        cert = service.get_certificate(session, number)
    except DomainError as err:
        return error_page(request, err)
    return Response(service.certificate_qr_svg(cert.number, str(request.base_url)), media_type="image/svg+xml")


@router.get("/standards/declarations", response_class=HTMLResponse)
def declarations(request: Request, session: SessionDep, overall: str = "", q: str = "",
                 cursor: str | None = None) -> Response:
    actor = session.info["actor"]
    try:
        page = service.list_declarations(session, actor, overall=overall or None, q=q or None, cursor=cursor)
    except DomainError as err:
        return error_page(request, err)
    return render(request, "consumer/declarations.html", {
        "page": page, "rows": [service.declaration_dict(session, d) for d in page.items], "overall": overall, "q": q,
        "overall_zh": rules.OVERALL_ZH, "console": False})


@router.get("/standards/declarations/{decl_id}", response_class=HTMLResponse)
def declaration(decl_id: int, request: Request, session: SessionDep) -> Response:
    try:
        d = service.get_declaration(session, session.info["actor"], decl_id)
    except DomainError as err:
        return error_page(request, err)
    return render(request, "consumer/declaration.html", {"d": service.declaration_dict(session, d)})


@router.get("/comparative", response_class=HTMLResponse)
def comparative_index(request: Request, session: SessionDep) -> Response:
    tests = service.list_comparative_tests(session, session.info["actor"])
    return render(request, "consumer/comparative_index.html", {"tests": [t for t in tests if t.status == "published"]})


@router.get("/comparative/{test_id}", response_class=HTMLResponse)
def comparative_page(test_id: int, request: Request, session: SessionDep) -> Response:
    try:
        rep = service.comparative_report(session, session.info["actor"], test_id)
    except DomainError as err:
        return error_page(request, err)
    return render(request, "consumer/comparative.html", {"r": rep})


# ---------------------------------------------------------------- console: complaints


@router.get("/console/complaints", response_class=HTMLResponse)
def console_complaints(request: Request, session: SessionDep, kind: str = "", state: str = "", q: str = "",
                       overdue: str = "", cursor: str | None = None) -> Response:
    actor = console_actor(request, session, "regulator", "enterprise")
    try:
        if overdue and service.can_handle(actor):
            rows = service.overdue(session, actor)
            page = None
        else:
            page = service.list_complaints(session, actor, kind=kind or None, state=state or None, q=q or None,
                                           cursor=cursor)
            rows = page.items
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "consumer/console_complaints.html", {
        "rows": [service.present(session, actor, c) for c in rows], "page": page, "kind": kind, "state": state,
        "q": q, "overdue": overdue, "state_zh": rules.STATE_ZH, "kind_zh": rules.KIND_ZH})


@router.get("/console/complaints/{complaint_id}", response_class=HTMLResponse)
def console_complaint(complaint_id: int, request: Request, session: SessionDep, error: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "enterprise")
    try:
        c = service.get_complaint(session, actor, complaint_id)
    except DomainError as err:
        return error_page(request, err, actor)
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
        "form_name": form_name, "v": values or {}, "errors": errors or {}, "result": result or {},
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
            msg = _(_MESSAGES.get(e["type"], "此项无效"))
            if e["type"] in ("greater_than_equal", "less_than_equal", "greater_than"):
                msg = _("数值超出范围")
            errors.setdefault(fields.get(loc, ""), msg)
        return _case_page_again(request, session, actor, complaint_id, action, values, errors)
    except DomainError as err:
        session.rollback()
        field = fields.get((err.field or "").split(".")[0], "")
        if err.status == 403 or (err.status == 404 and not field):
            return error_page(request, err, actor)
        return _case_page_again(request, session, actor, complaint_id, action, values, {field: _say(request, err)},
                                422 if err.status in (404, 409) else err.status)
    c = service.get_complaint(session, actor, complaint_id)
    return _complaint_page(request, session, actor, c, form_name=action, values=values, result=result)


def _case_page_again(request: Request, session: Any, actor: Actor, complaint_id: int, action: str,
                     values: dict[str, str], errors: dict[str, str], status: int = 422) -> Response:
    try:
        c = service.get_complaint(session, actor, complaint_id)
    except DomainError as err:
        return error_page(request, err, actor)
    return _complaint_page(request, session, actor, c, status=status, form_name=action, values=values, errors=errors)


@router.post("/console/complaints/{complaint_id}/{action}")
async def console_complaint_action(complaint_id: int, action: str, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "enterprise")
    f = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    if action in CASE_FORMS:
        return await _case_form(complaint_id, action, request, session, actor, f)
    try:
        if action == "transition":
            service.transition(session, actor, complaint_id, TransitionIn.model_validate({
                "to": f.get("to"), "on": _date(f.get("on"), "on"), "note": f.get("note", ""),
                "reason": f.get("reason", ""), "outcome": f.get("outcome") or None, "agreement": f.get("agreement", ""),
                "justified": {"1": True, "0": False}.get(f.get("justified", "")),
                "compensation_agreed": float(f["compensation_agreed"]) if f.get("compensation_agreed") else None,
                "decision": f.get("decision") or None, "reason_code": f.get("reason_code") or None,
                "termination_code": f.get("termination_code") or None}))
        elif action == "mediation":
            service.add_mediation(session, actor, complaint_id, MediationIn.model_validate({
                "held_on": _date(f.get("held_on"), "held_on"), "place": f.get("place", ""),
                "participants": f.get("participants", ""), "summary": f.get("summary", "")}))
        elif action == "pause":
            service.start_pause(session, actor, complaint_id, _date(f.get("on"), "on") or service.today(),
                                f.get("reason") or "检测")
        elif action == "resume":
            service.end_pause(session, actor, complaint_id, _date(f.get("on"), "on") or service.today())
        elif action == "extend":
            service.extend_verification(session, actor, complaint_id, f.get("note", ""))
        elif action == "payment":
            service.record_payment(session, actor, complaint_id, float(f.get("amount") or 0),
                                   _date(f.get("paid_on"), "paid_on") or service.today())
        elif action == "reply":
            service.enterprise_reply(session, actor, complaint_id, f.get("text", ""))
        elif action == "respond":
            from zhijian.consumer.schemas import EnterpriseResponseIn

            service.enterprise_respond(session, actor, complaint_id, EnterpriseResponseIn.model_validate({
                "response": f.get("response"), "text": f.get("text", ""),
                "amount": float(f["amount"]) if f.get("amount") else None}))
        elif action == "link":
            from zhijian.consumer.schemas import LinkIn

            service.link_respondent(session, actor, complaint_id, LinkIn.model_validate({
                "enterprise_id": f.get("enterprise_id"), "note": f.get("note", "")}))
        elif action == "consent":
            from zhijian.consumer.schemas import ConsentIn

            service.record_consent(session, actor, complaint_id, ConsentIn.model_validate({
                "party": f.get("party"), "consent": f.get("consent") == "1"}))
        elif action == "notice":
            service.send_termination_notice(session, actor, complaint_id)
        else:
            raise DomainError("request.not_found", "未知操作", "unknown action", status=404)
    except ValidationError as exc:
        session.rollback()
        return _back(complaint_id, _validation(exc).message_zh)
    except ValueError:
        session.rollback()
        return _back(complaint_id, "金额应为数字")
    except DomainError as err:
        session.rollback()
        if err.status in (403, 404):
            return error_page(request, err, actor)
        return _back(complaint_id, _msg(request, err))
    return RedirectResponse(f"/console/complaints/{complaint_id}", status_code=303)


def _back(complaint_id: int, message: str) -> Response:
    from urllib.parse import urlencode

    return RedirectResponse(f"/console/complaints/{complaint_id}?" + urlencode({"error": message}), status_code=303)


# ---------------------------------------------------------------- console: credit


@router.get("/console/credit", response_class=HTMLResponse)
def console_credit(request: Request, session: SessionDep, credit_class: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "association", "enterprise")
    if actor.role == "enterprise":
        return RedirectResponse(f"/console/credit/{actor.organization_id}", status_code=303)
    rows = service.credit_overview(session, actor, credit_class=credit_class or None)
    return render(request, "consumer/console_credit.html", {
        "rows": rows, "dist": service.credit_distribution(session, actor), "credit_class": credit_class,
        "model": service.credit_model(session).as_dict(), "class_zh": rules.CREDIT_CLASS_ZH})


@router.post("/console/credit/recompute")
async def console_credit_recompute(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "association")
    service.recompute_credit(session, actor)
    return RedirectResponse("/console/credit", status_code=303)


@router.post("/console/credit/{enterprise_id}/penalties")
async def console_add_penalty(enterprise_id: int, request: Request, session: SessionDep) -> Response:
    """行政处罚 entered by a regulator on the enterprise's credit page."""
    from urllib.parse import urlencode

    from zhijian.consumer.schemas import PenaltyIn

    actor, form = await console_form(request, session, "regulator")
    f = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    try:
        service.add_penalty(session, actor, PenaltyIn.model_validate({
            "enterprise_id": enterprise_id, "decision_no": f.get("decision_no", ""),
            "decided_on": _date(f.get("decided_on"), "decided_on"), "authority": f.get("authority", ""),
            "severity": f.get("severity") or "general", "reason": f.get("reason", ""),
            "amount": float(f["amount"]) if f.get("amount") else None}))
    except (DomainError, ValidationError, ValueError) as exc:
        session.rollback()
        err = _validation(exc) if isinstance(exc, ValidationError) else (
            exc if isinstance(exc, DomainError) else DomainError("validation.invalid", "罚款金额应为数字",
                                                                 "amount must be a number", field="amount"))
        return RedirectResponse(f"/console/credit/{enterprise_id}?" + urlencode({"error": _msg(request, err)}),
                                status_code=303)
    return RedirectResponse(f"/console/credit/{enterprise_id}", status_code=303)


@router.get("/console/credit/{enterprise_id}", response_class=HTMLResponse)
def console_credit_detail(enterprise_id: int, request: Request, session: SessionDep, error: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "association", "enterprise")
    try:
        hist = service.credit_history(session, actor, enterprise_id)
        penalties = service.list_penalties(session, actor, enterprise_id)
    except DomainError as err:
        return error_page(request, err, actor)
    org = session.get(Organization, enterprise_id)
    rows = [service.credit_dict(a) for a in hist]
    draw = service.draw_frequency(session, actor, enterprise_id) if org is not None else None
    return render(request, "consumer/console_credit_detail.html", {
        "org": org, "hist": rows, "penalties": penalties, "groups": _indicator_groups(rows[0]) if rows else [],
        "draw": draw,
        "class_zh": rules.CREDIT_CLASS_ZH, "penalty_zh": rules.PENALTY_ZH, "error": error,
        "can_penalize": actor.has("admin", "regulator"),
        "certs": service.certificates_for(session, enterprise_id=enterprise_id), "cert_kinds": rules.CERT_KIND_ZH})


def _indicator_groups(a: dict[str, Any]) -> list[dict[str, Any]]:
    """The breakdown summed by 企业信用风险分类 indicator group (基础属性 / 经营行为 / 监管 / 社会评价), each with the
    sources of its items; an assessment stored before the groups existed is grouped by its factors."""
    out = {g: {"group": g, "label_zh": zh, "points": 0.0, "items": 0, "sources": []}
           for g, zh in rules.INDICATOR_GROUPS.items()}
    for i in a["breakdown"]:
        group, source = rules.FACTOR_GROUP.get(i.get("factor", ""), ("supervision", ""))
        g = out[i.get("group") or group]
        g["points"] = round(g["points"] + float(i.get("points") or 0), 2)
        g["items"] += 1
        src = i.get("source") or source
        if src and src not in g["sources"]:
            g["sources"].append(src)
    return list(out.values())


@router.get("/console/satisfaction", response_class=HTMLResponse)
def console_satisfaction(request: Request, session: SessionDep) -> Response:
    """满意度统计 — per handling regulator and month, within the viewer's jurisdiction (regulators only)."""
    actor = console_actor(request, session, "regulator")
    try:
        by_regulator = service.satisfaction_stats(session, actor)
        monthly = service.satisfaction_monthly(session, actor)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "consumer/console_satisfaction.html", {"by_regulator": by_regulator, "monthly": monthly})


nav_item("/console/satisfaction", "满意度统计", roles=("regulator",), order=45)


# ---------------------------------------------------------------- console: certificates


@router.get("/console/certificates", response_class=HTMLResponse)
def console_certificates(request: Request, session: SessionDep, q: str = "", kind: str = "", status: str = "",
                         cursor: str | None = None, imported: str = "", error: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "association")
    page = service.list_certificates(session, actor, q=q or None, kind=kind or None, status=status or None,
                                     cursor=cursor)
    today = service.today()
    return render(request, "consumer/console_certificates.html", {
        "page": page, "rows": [(c, rules.effective_status(c.status, c.valid_until, today)) for c in page.items],
        "q": q, "kind": kind, "status": status, "kind_options": [(k, rules.CERT_KIND_ZH[k]) for k in rules.CERT_KINDS], "status_zh": rules.CERT_STATUS_ZH,
        "imported": imported, "error": error, "bodies": service.list_bodies(session)})


@router.post("/console/certificates/import")
async def console_certificates_import(request: Request, session: SessionDep) -> Response:
    from urllib.parse import urlencode

    actor, form = await console_form(request, session, "regulator", "association")
    upload = form.get("file")
    try:
        if upload is None or isinstance(upload, str):
            raise DomainError("import.no_file", "请选择文件", "choose a file", field="file")
        rows = service.parse_certificate_file(upload.filename or "", await upload.read())
        res = service.import_certificates(session, actor, rows)
    except DomainError as err:
        session.rollback()
        return RedirectResponse("/console/certificates?" + urlencode({"error": _msg(request, err)}), status_code=303)
    return RedirectResponse("/console/certificates?" + urlencode(
        {"imported": f"{res['rows']} 行：新增 {res['created']}，更新 {res['updated']}"}), status_code=303)


@router.post("/console/certificates/{number}/status")
async def console_certificate_status(number: str, request: Request, session: SessionDep) -> Response:
    from urllib.parse import urlencode

    actor, form = await console_form(request, session, "regulator", "association")
    try:
        service.set_certificate_status(session, actor, number, str(form.get("status", "")),
                                       str(form.get("reason", "")))
    except DomainError as err:
        session.rollback()
        return RedirectResponse("/console/certificates?" + urlencode({"error": _msg(request, err)}), status_code=303)
    return RedirectResponse(f"/console/certificates?q={number}", status_code=303)


# ---------------------------------------------------------------- console: declarations and comparative tests


@router.get("/console/declarations", response_class=HTMLResponse)
def console_declarations(request: Request, session: SessionDep, overall: str = "", q: str = "",
                         cursor: str | None = None) -> Response:
    actor = console_actor(request, session, "regulator", "association", "enterprise")
    ent = actor.organization_id if actor.role == "enterprise" else None
    page = service.list_declarations(session, actor, overall=overall or None, q=q or None, enterprise_id=ent,
                                     cursor=cursor)
    return render(request, "consumer/console_declarations.html", {
        "page": page, "rows": [service.declaration_dict(session, d) for d in page.items], "overall": overall, "q": q,
        "overall_zh": rules.OVERALL_ZH, "console": True})


@router.post("/console/declarations/{decl_id}/{action}")
async def console_declaration_action(decl_id: int, action: str, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "association", "enterprise")
    try:
        if action == "recheck":
            service.recheck_declaration(session, actor, decl_id)
        elif action == "withdraw":
            service.withdraw_declaration(session, actor, decl_id)
        else:
            raise DomainError("request.not_found", "未知操作", "unknown action", status=404)
    except DomainError as err:
        session.rollback()
        return error_page(request, err, actor)
    return RedirectResponse("/console/declarations", status_code=303)


@router.get("/console/comparative", response_class=HTMLResponse)
def console_comparative(request: Request, session: SessionDep, created: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "association")
    return render(request, "consumer/console_comparative.html",
                  {"tests": service.list_comparative_tests(session, actor),
                   "created": int(created) if created.isdigit() else None})


@router.post("/console/comparative/{test_id}/publish")
async def console_comparative_publish(test_id: int, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "regulator", "association")
    try:
        service.publish_comparative_test(session, actor, test_id)
    except DomainError as err:
        session.rollback()
        return error_page(request, err, actor)
    return RedirectResponse(f"/comparative/{test_id}", status_code=303)


# ---------------------------------------------------------------- console forms: certificate and declaration
# Server-side validation with errors in place (web/macros.html `field`); each form calls the service function
# the API calls, so its permission checks (can_manage_certificates, can_declare) apply unchanged.

REQ_KINDS = [("max", "不大于"), ("min", "不小于"), ("range", "范围"), ("equals", "等于"), ("not_detected", "不得检出"),
             ("text", "文字要求")]
IND_ROWS = 6
IND_COLS = ("name", "unit", "requirement_kind", "lower", "upper", "text")
_MESSAGES = {"missing": "此项必填", "string_too_short": "内容过短", "string_too_long": "内容过长",
             "int_parsing": "请选择一项", "int_type": "请选择一项", "float_parsing": "请输入数字",
             "literal_error": "请选择一项", "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
             "date_parsing": "日期格式应为 YYYY-MM-DD"}


def _form_errors(request: Request, exc: ValidationError, known: tuple[str, ...]) -> dict[str, str]:
    """pydantic errors → {input id: message}; an indicator row's error goes to `ind-{row}-{column}`."""
    _ = gettext_for(locale_of(request))
    out: dict[str, str] = {}
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        name = f"ind-{loc[1]}-{loc[2]}" if len(loc) >= 3 and loc[0] == "indicators" else (loc[0] if loc else "")
        out.setdefault(name if name in known or name.startswith("ind-") else "", _(_MESSAGES.get(e["type"], "此项无效")))
    return out


def _domain_field_errors(request: Request, err: DomainError, known: tuple[str, ...]) -> dict[str, str]:
    field = (err.field or "").split(".")[0]
    msg = err.message_en if locale_of(request) == "en" else err.message_zh
    return {field if field in known else "": msg}


CERT_FIELDS = ("number", "kind", "holder_name", "holder_uscc", "scope", "products_text", "body_name", "issued_on",
               "valid_until")


def _cert_form(request: Request, session: Any, values: dict[str, Any], errors: dict[str, str],
               status: int = 200) -> Response:
    return render(request, "consumer/console_certificate_form.html", {
        "values": values, "errors": errors, "kinds": [(k, rules.CERT_KIND_ZH[k]) for k in rules.CERT_KINDS],
        "bodies": [b.name for b in service.list_bodies(session)]}, status_code=status)


@router.get("/console/certificates/new", response_class=HTMLResponse)
def console_certificate_new(request: Request, session: SessionDep) -> Response:
    console_actor(request, session, "regulator", "association")
    return _cert_form(request, session, {}, {})


@router.post("/console/certificates/new")
async def console_certificate_create(request: Request, session: SessionDep) -> Response:
    """认证证书登记 — the same `service.create_certificate` as POST /api/v1/certificates."""
    from urllib.parse import quote

    actor, form = await console_form(request, session, "regulator", "association")
    values = {k: str(form.get(k, "")).strip() for k in CERT_FIELDS}
    data = {k: v for k, v in values.items() if v != "" or k in ("number", "kind", "holder_name", "body_name")}
    try:
        cert = service.create_certificate(session, actor, CertificateIn.model_validate(data))
    except ValidationError as exc:
        return _cert_form(request, session, values, _form_errors(request, exc, CERT_FIELDS), 422)
    except DomainError as err:
        session.rollback()
        if err.status == 403:
            return error_page(request, err, actor)
        return _cert_form(request, session, values, _domain_field_errors(request, err, CERT_FIELDS), err.status)
    return RedirectResponse(f"/console/certificates?q={quote(cert.number)}", status_code=303)


DECL_FIELDS = ("enterprise_id", "category_id", "code", "title", "product_id", "products_text", "declared_on",
               "indicators", "standard_id", "product_ids")


def _decl_form(request: Request, session: Any, actor: Actor, values: dict[str, Any], rows: list[dict[str, str]],
               errors: dict[str, str], status: int = 200) -> Response:
    from zhijian.catalog import service as catalog
    from zhijian.web.console_pages import category_options, enterprise_options

    ent_id = actor.organization_id if actor.role == "enterprise" else None
    products: list[tuple[int, str]] = []
    if ent_id is not None:
        page = catalog.list_products(session, actor, enterprise_id=ent_id, limit=500)
        products = [(p.id, p.name) for p in page.items]
    return render(request, "consumer/console_declaration_form.html", {
        "values": values, "rows": rows, "errors": errors, "req_kinds": REQ_KINDS,
        "cats": category_options(session, locale_of(request)), "products": products,
        "ents": enterprise_options(session) if ent_id is None else []}, status_code=status)


@router.get("/console/declarations/new", response_class=HTMLResponse)
def console_declaration_new(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "regulator", "association", "enterprise")
    return _decl_form(request, session, actor, {}, [{} for _ in range(IND_ROWS)], {})


@router.post("/console/declarations/new")
async def console_declaration_create(request: Request, session: SessionDep) -> Response:
    """企业标准自我声明 — the same `service.declare_standard` as POST /api/v1/declarations."""
    actor, form = await console_form(request, session, "regulator", "association", "enterprise")
    values = {k: str(form.get(k, "")).strip() for k in DECL_FIELDS[:7]}
    if actor.role == "enterprise":
        values["enterprise_id"] = str(actor.organization_id)
    rows = [{c: str(form.get(f"ind-{i}-{c}", "")).strip() for c in IND_COLS} for i in range(IND_ROWS)]
    indicators = [{c: v for c, v in r.items() if v != "" or c in ("name", "requirement_kind")}
                  for r in rows if any(r.values())]
    data: dict[str, Any] = {k: v for k, v in values.items() if v != "" and k != "product_id"}
    data.setdefault("enterprise_id", "")
    data.setdefault("category_id", "")
    data["indicators"] = indicators
    if values["product_id"]:
        data["product_ids"] = [values["product_id"]]
    errors: dict[str, str] = {}
    try:
        decl_in = DeclarationIn.model_validate(data)
    except ValidationError as exc:
        errors = _form_errors(request, exc, DECL_FIELDS)
        # a row's error is reported against its position in `indicators`: map back to the form row
        filled = [i for i, r in enumerate(rows) if any(r.values())]
        errors = {(f"ind-{filled[int(k.split('-')[1])]}-{k.split('-')[2]}" if k.startswith("ind-") else k): v
                  for k, v in errors.items()}
        return _decl_form(request, session, actor, values, rows, errors, 422)
    try:
        decl = service.declare_standard(session, actor, decl_in)
    except DomainError as err:
        session.rollback()
        if err.status == 403:
            return error_page(request, err, actor)
        errs = _domain_field_errors(request, err, DECL_FIELDS)
        if "standard_id" in errs:
            errs = {"code": errs["standard_id"]}
        if "product_ids" in errs:
            errs = {"product_id": errs["product_ids"]}
        if "indicators" in errs:
            errs = {"": errs["indicators"]}
        return _decl_form(request, session, actor, values, rows, errs, err.status)
    return RedirectResponse(f"/standards/declarations/{decl.id}", status_code=303)


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
    from zhijian.web.console_pages import category_options

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
    # the results table: an uploaded file wins and is shown back as text, so nothing is lost on an error
    table: list[tuple[int, dict[str, Any]]] | None = None
    upload = form.get("results_file")
    try:
        if upload is not None and not isinstance(upload, str) and upload.filename:
            table = service.read_comparative_table(await upload.read(), upload.filename)
            values["results"] = rules.results_text(table)
        else:
            table = service.read_comparative_table(values["results"])
    except DomainError as err:
        errors[err.field or "results_file"] = _say(request, err)
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
        for e in exc.errors():
            loc = [str(p) for p in e.get("loc", ())]
            msg = _(_MESSAGES.get(e["type"], "此项无效"))
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
    if errors or cmp_in is None:
        return _cmp_form(request, session, values, rows, errors, 422)
    try:
        with session.begin_nested():
            test = service.create_comparative_test(session, actor, cmp_in)
    except DomainError as err:
        if err.status == 403:
            return error_page(request, err, actor)
        field = (err.field or "").split(".")[0]
        field = "results" if field == "samples" else field
        return _cmp_form(request, session, values, rows,
                         {field if field in CMP_FIELDS + ("items", "results") else "": _say(request, err)}, err.status)
    return RedirectResponse(f"/console/comparative?created={test.id}", status_code=303)


def _say(request: Request, err: DomainError) -> str:
    """A domain error's message in the page's language (?lang=, cookie or browser)."""
    return err.message_en if locale_of(request) == "en" else err.message_zh
