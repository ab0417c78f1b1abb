"""继续教育 console page: the courses with their sessions and a sign-up button, the user's hours this year, and
the secretariat's course form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhijian.association.common.api import pdf_response
from zhijian.association.common.forms import Fields, build
from zhijian.association.common.pages import Step, console_step, is_secretariat
from zhijian.association.common.service import today
from zhijian.association.training import service
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.web.core import console_actor, render

router = APIRouter(include_in_schema=False)
BASE = "/console/association/courses"


@router.get(BASE, response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    year = today().year
    mine = service.hours_by_year(session, actor, year)["hours"] if actor.user_id is not None else 0.0
    items = [(c, service.sessions_of(session, c.id)) for c in service.courses(session)]
    return render(request, "association/courses.html", {"items": items, "year": year, "hours": mine,
                                                        "is_staff": is_secretariat(actor),
                                                        "bills": service.billed_enrolments(session, actor),
                                                        "renewal_hours": service.RENEWAL_HOURS}, actor=actor)


def _create(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.create_course(session, actor, build(service.CourseIn, code=f.text("code"), title=f.text("title"),
                                                kind=f.text("kind", "online"), hours=f.text("hours"),
                                                material=f.text("material"), fee=f.text("fee") or 0))


def _sign_up(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.sign_up(session, actor, f.text("code"), f.maybe_id("session_id"))


def _pay(session: Session, actor: Actor, f: Fields, _: None) -> None:
    service.record_fee_payment(session, actor, int(f.maybe_id("enrolment_id") or 0),
                               build(service.FeePaymentIn, payment_ref=f.text("payment_ref")))


STEPS: dict[str, Step[None]] = {"create": _create, "sign-up": _sign_up, "pay": _pay}


@router.get(BASE + "/enrolments/{eid}/bill.pdf")
def bill(eid: int, request: Request, session: SessionDep) -> Response:
    """培训费缴费通知书 / 收款收据 (PDF)."""
    return pdf_response(service.enrolment_bill(session, console_actor(request, session), eid), f"course-fee-{eid}.pdf")


@router.post(BASE + "/{action}")
async def action(action: str, request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, (), STEPS.get(action), None, BASE, action=action, invalid=None)
