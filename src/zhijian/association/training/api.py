"""继续教育 REST API: thin handlers over training.service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from zhijian.association.common.api import Action, action_routes, pdf_response
from zhijian.association.training import service
from zhijian.platform.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/v1/association/courses", tags=["association"])


class SignUpIn(BaseModel):
    session_id: int | None = None
    user_id: int | None = None


action_routes(
    router, {"code": str, "eid": int},
    Action("POST", "", "create", service.create_course, ("id", "code", "hours", "fee"), service.CourseIn, 201),
    Action("POST", "/{code}/sessions", "add_session", service.add_session, ("id", "capacity"), service.SessionIn, 201),
    Action("POST", "/{code}/enrolments", "sign_up",
           lambda s, a, code, data: service.sign_up(s, a, code, data.session_id, data.user_id),
           ("id", "status", "fee", "invoice_no"), SignUpIn, 201),
    Action("POST", "/enrolments/{eid}/complete", "complete", service.complete, ("id", "status", "hours")),
)


@router.get("")
def list_courses(session: SessionDep) -> list[dict[str, Any]]:
    return [{"code": c.code, "title": c.title, "kind": c.kind, "hours": c.hours, "fee": c.fee,
             "sessions": [{"id": x.id, "held_on": x.held_on.isoformat(), "place": x.place, "capacity": x.capacity,
                           "enrolled": x.enrolled} for x in service.sessions_of(session, c.id)]}
            for c in service.courses(session)]


@router.post("/enrolments/{eid}/payment")
def pay(eid: int, data: service.FeePaymentIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    e = service.record_fee_payment(session, actor, eid, data)
    return {"id": e.id, "invoice_no": e.invoice_no, "paid_on": e.paid_on.isoformat() if e.paid_on else None}


@router.get("/enrolments/{eid}/bill.pdf", response_class=Response)
def bill(eid: int, session: SessionDep, actor: ActorDep) -> Response:
    """培训费缴费通知书 while unpaid, 收款收据 once paid (PDF)."""
    return pdf_response(service.enrolment_bill(session, actor, eid), f"course-fee-{eid}.pdf")


@router.get("/hours/{year}")
def hours(year: int, session: SessionDep, actor: ActorDep, user_id: int | None = None) -> dict[str, Any]:
    return dict(service.hours_by_year(session, actor, year, user_id))


@router.post("/certificates/{number}/renewal")
def renew(number: str, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    c = service.renew_certificate(session, actor, number)
    return {"number": c.number, "valid_until": c.valid_until.isoformat()}


