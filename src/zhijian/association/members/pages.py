"""会员 pages: the portal directory, the member's own page (apply, dues, directory consent, member-only documents)
and the secretariat's register (applications, dues, payments, import, documents)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.association.common.forms import build
from zhijian.association.members import rules, service
from zhijian.association.members.schemas import ApplicationIn, DecisionIn, DocumentIn, PaymentIn
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.tabular import read_rows
from zhijian.web.core import console_actor, console_form, error_page, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/members"


@router.get("/association/members", response_class=HTMLResponse)
def portal_directory(request: Request, session: SessionDep) -> Response:
    return render(request, "association/members_directory.html", {"rows": service.directory(session)})


@router.get(BASE, response_class=HTMLResponse)
def console_members(request: Request, session: SessionDep, status: str = "") -> Response:
    actor = console_actor(request, session)
    staff = actor.role in ("admin", "association")
    ctx = {"classes": rules.CLASSES, "unit_classes": rules.UNIT_CLASSES, "statuses": rules.STATUSES,
           "dues_statuses": rules.DUES_STATUSES, "is_staff": staff, "status": status,
           "documents": service.documents(session, actor)}
    if staff:
        ctx |= {"members": service.list_members(session, actor, status=status or None),
                "dues": service.dues_of(session, actor)[:300]}
    else:
        ctx |= {"mine": service.my_membership(session, actor), "dues": service.dues_of(session, actor)}
    return render(request, "association/members.html", ctx, actor=actor)


@router.post(BASE + "/{action}")
async def console_action(action: str, request: Request, session: SessionDep) -> Response:
    actor, f = await console_form(request, session)
    try:
        if action == "apply":
            service.apply(session, actor, build(ApplicationIn, kind=str(f.get("kind") or "unit"),
                                                member_class=str(f.get("member_class") or "member"),
                                                name=str(f.get("name", "")), statement=str(f.get("statement", "")),
                                                directory_visible=f.get("directory_visible") == "1",
                                                directory_fields={k: f.get(k) for k in rules.DIRECTORY_FIELDS}))
        elif action == "directory":
            service.update_directory(session, actor, f.get("directory_visible") == "1",
                                     {k: f.get(k) for k in rules.DIRECTORY_FIELDS})
        elif action == "decide":
            service.decide(session, actor, int(str(f.get("member_id") or 0)), build(
                DecisionIn, approve=f.get("approve") == "1", member_class=str(f.get("member_class") or "") or None,
                reason=str(f.get("reason", ""))))
        elif action == "dues":
            service.issue_dues(session, actor, int(str(f.get("year") or 0)))
        elif action == "pay":
            service.record_payment(session, actor, int(str(f.get("dues_id") or 0)),
                                   build(PaymentIn, payment_ref=str(f.get("payment_ref", ""))))
        elif action == "lapse":
            service.lapse_memberships(session, actor)
        elif action == "document":
            service.add_document(session, actor, build(DocumentIn, title=str(f.get("title", "")),
                                                       body=str(f.get("body", "")),
                                                       members_only=f.get("members_only") == "1"))
        elif action == "import":
            upload = f.get("file")
            if upload is None or not hasattr(upload, "read"):
                raise DomainError("import.no_file", "请选择文件", "choose a file", field="file")
            service.import_register(session, actor, read_rows(await upload.read(), upload.filename or "m.xlsx",
                                                              required=service.IMPORT_COLUMNS))
        else:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
    except DomainError as err:
        return error_page(request, err, actor)
    except ValueError:
        return error_page(request, DomainError("validation.invalid", "数值无效", "invalid number", field=action), actor)
    return RedirectResponse(BASE, status_code=303)
