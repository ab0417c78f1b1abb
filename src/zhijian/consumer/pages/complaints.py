"""Public complaint pages (投诉举报): the filing form, tracking with the check code and the consumer's answers,
the one-time contact verification and "my complaints", and the console inbox (站内通知)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhijian.consumer import notifications, rules, service
from zhijian.consumer.pages.common import FORM_MESSAGES, _date, _msg, _say, router
from zhijian.consumer.schemas import ComplaintIn
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError, validation_error
from zhijian.platform.i18n import gettext_for
from zhijian.web.core import check_csrf, console_actor, console_form, locale_of, nav_item, render

# ---------------------------------------------------------------- public: complaint form and tracking


def _categories(session: Any, request: Request) -> list[tuple[int, str]]:
    """商品类别 as the tree (siblings by pinyin), the catalogue's one category select."""
    from zhijian.catalog.pages import category_options

    return category_options(session, locale_of(request))


@router.get("/complaints/new", response_class=HTMLResponse)
def complaint_form(request: Request, session: SessionDep) -> Response:
    q = request.query_params  # prefilled from a verification answer's 举报假冒 / 投诉 (?kind=&code=&product=&place=)
    form = {"kind": "report" if q.get("kind") == "report" else "complaint", "purchase_place": q.get("place", "")[:200],
            "product_text": " ".join(v for v in (q.get("product", ""), q.get("code", "")) if v)[:200]}
    return render(request, "consumer/complaint_form.html", {"form": form, "errors": {}, "categories": _categories(session, request),
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
        err = validation_error(exc) if isinstance(exc, ValidationError) else (
            exc if isinstance(exc, DomainError) else DomainError("validation.invalid", "金额应为数字", "amount must be a number",
                                                                 field="request_amount"))
        session.rollback()
        return render(request, "consumer/complaint_form.html", {
            "form": values, "errors": {err.field or "": _msg(request, err)}, "categories": _categories(session, request),
            "requests": rules.REQUEST_ZH, "chosen": form.getlist("requests")}, status_code=422)
    return _created_redirect(request, c.tracking_no, code)


# ---------------------------------------------------------------- the 查询码 after filing: POST-redirect-GET

RECEIPT_COOKIE = "zj_receipt"
RECEIPT_SECONDS = 600  # the check code can be shown (and downloaded) again for ten minutes, in this browser only


def _created_redirect(request: Request, tracking_no: str, code: str) -> Response:
    """After filing, redirect to the receipt page (a refresh there never files the complaint again). The check
    code travels in a short-lived, HttpOnly cookie scoped to the receipt pages, never in a URL."""
    resp = RedirectResponse(f"/complaints/created/{tracking_no}", status_code=303)
    resp.set_cookie(RECEIPT_COOKIE, f"{tracking_no}:{code}", max_age=RECEIPT_SECONDS, httponly=True,
                    samesite="strict", path="/complaints/created", secure=request.app.state.settings.cookie_secure)
    return resp


def _receipt(request: Request, session: Any, tracking_no: str) -> tuple[Any, str] | None:
    """(complaint, check code) when this browser filed it within the last ten minutes, else None."""
    no, _sep, code = (request.cookies.get(RECEIPT_COOKIE) or "").partition(":")
    if not code or no != tracking_no:
        return None
    try:
        return service.track(session, no, code), code
    except DomainError:
        return None


@router.get("/complaints/created/{tracking_no}", response_class=HTMLResponse)
def complaint_created(tracking_no: str, request: Request, session: SessionDep) -> Response:
    found = _receipt(request, session, tracking_no)
    if found is None:
        return render(request, "consumer/complaint_created.html", {"c": None, "tracking_no": tracking_no})
    c, code = found
    return render(request, "consumer/complaint_created.html", {"c": c, "code": code,
                                                                "clock": service.clock(session, c).as_dict()})


@router.get("/complaints/created/{tracking_no}/receipt.txt")
def complaint_receipt(tracking_no: str, request: Request, session: SessionDep) -> Response:
    """登记回执 — the tracking number and check code as a file to keep (same ten minutes, same browser)."""
    found = _receipt(request, session, tracking_no)
    if found is None:
        raise DomainError("complaint.receipt_gone", "回执已过期：查询码只在登记后十分钟内可再次显示",
                          "the receipt has expired: the check code is shown again only within ten minutes of filing",
                          status=404)
    c, code = found
    _ = gettext_for(locale_of(request))
    clock = service.clock(session, c).as_dict()
    lines = [_("投诉举报登记回执"), f"{_('登记编号')}: {c.tracking_no}", f"{_('查询码')}: {code}",
             f"{_('登记日期')}: {c.received_on}", f"{_(clock.get('label_zh') or '办理时限')}: {clock.get('due_on') or '—'}",
             _("凭登记编号和查询码在 /complaints/track 查询办理进度。")]
    return Response("\r\n".join(lines) + "\r\n", media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{c.tracking_no}.txt"', "Cache-Control": "no-store"})


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
        err = validation_error(exc) if isinstance(exc, ValidationError) else exc
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
        errors = {str(e["loc"][0]): _(FORM_MESSAGES.get(e["type"], "此项无效")) for e in reversed(exc.errors())}
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
    notifications.mark_read(session, actor, notification_id)
    return RedirectResponse("/console/inbox", status_code=303)
