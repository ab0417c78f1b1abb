"""Certificate pages (认证证书): public verification and the QR, the console list, import, status changes and
the new-certificate form."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhijian.consumer import rules, service
from zhijian.consumer.pages.common import _domain_field_errors, _form_errors, _msg, router
from zhijian.consumer.schemas import CertificateIn
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor, console_form, render

# ---------------------------------------------------------------- public: certificates, declarations, comparative


@router.get("/certificates/verify", response_class=HTMLResponse)
def certificate_verify(request: Request, session: SessionDep, number: str = "", holder: str = "",
                       product: str = "") -> Response:
    result = cert = None
    if number.strip():
        result, cert = service.verify_certificate(session, number, holder=holder or None, product=product or None)
    return render(request, "consumer/certificate_verify.html", {
        "number": number, "holder": holder, "product": product, "result": result, "cert": cert,
        "kind_zh": rules.CERT_KIND_ZH, "status_zh": rules.CERT_STATUS_ZH, "category_zh": rules.CERT_CATEGORY_ZH,
        "category_of": rules.cert_category})


@router.get("/certificates/{number}/qr.svg")
def certificate_qr(number: str, request: Request, session: SessionDep) -> Response:
    cert = service.get_certificate(session, number)
    return Response(service.certificate_qr_svg(cert.number, str(request.base_url)), media_type="image/svg+xml")


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
        "q": q, "kind": kind, "status": status, "kind_options": [(k, rules.CERT_KIND_ZH[k]) for k in rules.CERT_KINDS],
        "kind_zh": rules.CERT_KIND_ZH, "status_zh": rules.CERT_STATUS_ZH,
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
            raise
        return _cert_form(request, session, values, _domain_field_errors(request, err, CERT_FIELDS), err.status)
    return RedirectResponse(f"/console/certificates?q={quote(cert.number)}", status_code=303)
