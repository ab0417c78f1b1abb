"""会员 REST API: thin handlers over members.service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from zhijian.association.common.api import Action, action_routes, import_route, pdf_response
from zhijian.association.members import service
from zhijian.association.members.schemas import ApplicationIn, DecisionIn, DocumentIn, DuesOut, MemberOut, PaymentIn
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/members", tags=["association"])
action_routes(
    router, {"mid": int, "dues_id": int},
    Action("POST", "/documents", "add_document", service.add_document, ("id", "title"), DocumentIn, 201),

    Action("POST", "", "apply", service.apply, MemberOut, ApplicationIn, 201),
    Action("POST", "/dues/{dues_id}/payment", "pay", service.record_payment, DuesOut, PaymentIn),
    Action("POST", "/{mid}/decision", "decide", service.decide, MemberOut, DecisionIn),
)


@router.get("", response_model=list[MemberOut])
def list_members(session: SessionDep, actor: ActorDep, status: str | None = None) -> list[MemberOut]:
    return [MemberOut.model_validate(m) for m in service.list_members(session, actor, status=status)]


@router.get("/directory")
def directory(session: SessionDep) -> list[dict[str, Any]]:
    """会员名录 (no login): what each member allows."""
    return service.directory(session)


import_route(router, "/import", "import_register", "members.xlsx", service.IMPORT_COLUMNS, service.import_register)


@router.post("/dues/{year}")
def issue_dues(year: int, session: SessionDep, actor: ActorDep) -> dict[str, int]:
    return {"issued": service.issue_dues(session, actor, year)}


@router.get("/dues", response_model=list[DuesOut])
def dues(session: SessionDep, actor: ActorDep, member_id: int | None = None) -> list[DuesOut]:
    return [DuesOut.model_validate(d) for d in service.dues_of(session, actor, member_id)]


@router.get("/dues/{dues_id}/bill.pdf", response_class=Response)
def bill(dues_id: int, session: SessionDep, actor: ActorDep) -> Response:
    """缴费通知书 while unpaid, 收款收据 once paid (PDF)."""
    return pdf_response(service.dues_bill(session, actor, dues_id), f"dues-{dues_id}.pdf")


@router.post("/lapse")
def lapse(session: SessionDep, actor: ActorDep) -> dict[str, int]:
    return {"lapsed": service.lapse_memberships(session, actor)}


@router.get("/documents")
def documents(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return [{"id": d.id, "title": d.title, "body": d.body, "members_only": d.members_only,
             "published_on": d.published_on.isoformat()} for d in service.documents(session, actor)]
