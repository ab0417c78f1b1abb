"""会员 pages: the portal directory, the member's own page (apply, dues, directory consent, member-only documents)
and the secretariat's register (applications, dues, payments, import, documents)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhijian.association.common.api import pdf_response
from zhijian.association.common.forms import Fields, build
from zhijian.association.common.pages import Step, console_step, is_secretariat
from zhijian.association.members import rules, service
from zhijian.association.members.schemas import ApplicationIn, DecisionIn, DocumentIn, PaymentIn
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.web.core import console_actor, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/members"


@router.get("/association/members", response_class=HTMLResponse)
def portal_directory(request: Request, session: SessionDep) -> Response:
    return render(request, "association/members_directory.html", {"rows": service.directory(session)})


@router.get(BASE + "/dues/{dues_id}/bill.pdf")
def dues_bill(dues_id: int, request: Request, session: SessionDep) -> Response:
    """缴费通知书 / 收款收据 of one year's dues (the secretariat's or the member's own)."""
    return pdf_response(service.dues_bill(session, console_actor(request, session), dues_id), f"dues-{dues_id}.pdf")


@router.get(BASE, response_class=HTMLResponse)
def console_members(request: Request, session: SessionDep, status: str = "") -> Response:
    actor = console_actor(request, session)
    staff = is_secretariat(actor)
    ctx = {"classes": rules.CLASSES, "unit_classes": rules.UNIT_CLASSES, "statuses": rules.STATUSES,
           "dues_statuses": rules.DUES_STATUSES, "is_staff": staff, "status": status,
           "documents": service.documents(session, actor)}
    if staff:
        ctx |= {"members": service.list_members(session, actor, status=status or None),
                "dues": service.dues_of(session, actor)[:300]}
    else:
        ctx |= {"mine": service.my_membership(session, actor), "dues": service.dues_of(session, actor)}
    return render(request, "association/members.html", ctx, actor=actor)


def _directory_fields(f: Fields) -> dict[str, Any]:
    return {k: f.raw(k) for k in rules.DIRECTORY_FIELDS}


def _apply(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.apply(session, actor, build(ApplicationIn, kind=f.text("kind", "unit"),
                                        member_class=f.text("member_class", "member"), name=f.text("name"),
                                        statement=f.text("statement"), directory_visible=f.flag("directory_visible"),
                                        directory_fields=_directory_fields(f)))


def _directory(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.update_directory(session, actor, f.flag("directory_visible"), _directory_fields(f))


def _decide(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.decide(session, actor, f.number("member_id"), build(
        DecisionIn, approve=f.flag("approve"), member_class=f.optional("member_class"), reason=f.text("reason")))


def _dues(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.issue_dues(session, actor, f.number("year"))


def _pay(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.record_payment(session, actor, f.number("dues_id"), build(PaymentIn, payment_ref=f.text("payment_ref")))


def _lapse(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.lapse_memberships(session, actor)


def _document(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.add_document(session, actor, build(DocumentIn, title=f.text("title"), body=f.text("body"),
                                               members_only=f.flag("members_only")))


async def _import(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.import_register(session, actor, await f.sheet("m.xlsx", service.IMPORT_COLUMNS))


STEPS: dict[str, Step[None]] = {"apply": _apply, "directory": _directory, "decide": _decide, "dues": _dues,
                                "pay": _pay, "lapse": _lapse, "document": _document, "import": _import}


@router.post(BASE + "/{action}")
async def console_action(action: str, request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, (), STEPS.get(action), None, BASE, action=action)
