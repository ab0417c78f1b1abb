"""能力验证 console pages: rounds, a round's page (secretariat: enrol, homogeneity, dispatch, score; lab: enrol,
submit its result, read its scores and report), follow-ups and a lab's PT history. Same service as API and CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhijian.association.common.api import pdf_response
from zhijian.association.common.forms import Fields, build
from zhijian.association.common.pages import Step, console_step, form_route, invalid_as, is_secretariat, keyed, show
from zhijian.association.pt import rules, service
from zhijian.association.pt.schemas import HomogeneityIn, ResultIn, RoundIn, SchemeIn, StabilityIn
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor, error_page

router = APIRouter(include_in_schema=False)
ROLES = ("association", "inspector")
BASE = "/console/association/pt"


def _float(v: Any, field: str) -> float | None:
    if v is None or str(v).strip() == "":
        return None
    return rules.check_result(v, field)


def _ctx() -> dict[str, Any]:
    return {"statuses": rules.STATUSES, "signals": rules.SIGNALS_ZH, "score_kinds": rules.SCORE_KINDS}


def _by_status(request: Request, session: Session, template: str, key: str, fetch: Callable[..., Any],
               status: str) -> Response:
    """A desk list filtered by ?status= (轮次, 跟踪), with the secretariat's actions for staff."""
    actor = console_actor(request, session, *ROLES)
    return show(request, template, lambda: {
        key: fetch(session, actor, status=status or None), "status": status, **_ctx(),
        "is_staff": is_secretariat(actor)}, actor)


@router.get(BASE, response_class=HTMLResponse)
def rounds_page(request: Request, session: SessionDep, status: str = "") -> Response:
    return _by_status(request, session, "association/pt_rounds.html", "rounds", service.list_rounds, status)


def _create_round(session: Session, actor: Actor, f: Fields, _: None) -> str:
    """新建轮次 (and its scheme when the form names one)."""
    scheme = f.text("scheme_code").strip()
    if f.raw("scheme_name"):
        service.create_scheme(session, actor, build(SchemeIn, code=scheme, name=str(f.raw("scheme_name"))))
    sigma = _float(f.raw("sigma_given"), "sigma_given")
    assigned = _float(f.raw("assigned_given"), "assigned_given")
    r = service.create_round(session, actor, build(RoundIn,
        scheme_code=scheme, code=f.text("code"), year=f.number("year"), measurand=f.text("measurand"),
        unit=f.text("unit"), assigned_method="given" if assigned is not None else "robust", assigned_given=assigned,
        sigma_method="fixed" if sigma is not None else "robust", sigma_given=sigma,
        score_kind=f.text("score_kind", "z")))
    return f"{BASE}/{r.code}"


form_route(router, BASE, "create_round_form", _create_round,
           invalid=invalid_as("validation.invalid", "年度应为整数", "the year must be an integer", "year"))


@router.get(BASE + "/follow-ups", response_class=HTMLResponse)
def follow_ups_page(request: Request, session: SessionDep, status: str = "") -> Response:
    return _by_status(request, session, "association/pt_followups.html", "items", service.follow_ups, status)


def _answer(session: Session, actor: Actor, f: Fields, fid: int) -> None:
    service.answer_follow_up(session, actor, fid, f.text("cause"), f.text("corrective_action"))


def _close_follow_up(session: Session, actor: Actor, f: Fields, fid: int) -> None:
    service.close_follow_up(session, actor, fid, f.text("verification"))


FOLLOW_UP_STEPS: dict[str, Step[int]] = {"answer": _answer, "close": _close_follow_up}


@router.post(BASE + "/follow-ups/{fid:int}/{action}")
async def follow_up_action(fid: int, action: str, request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, ROLES, FOLLOW_UP_STEPS.get(action), fid, f"{BASE}/follow-ups",
                              action=action, invalid=None)


@router.get(BASE + "/history", response_class=HTMLResponse)
def history_page(request: Request, session: SessionDep, lab: int | None = None) -> Response:
    actor = console_actor(request, session, "association", "inspector", "regulator")
    if lab is None and actor.role != "inspector":
        return show(request, "association/pt_history.html", lambda: {
            "rows": [], "lab": None, "labs": service.participating_labs(session, actor), **_ctx()}, actor)
    def profile() -> dict[str, Any]:
        from zhijian.association.assessment.rules import STATUSES as ASSESSMENT_STATUSES
        from zhijian.association.members.rules import STATUSES as MEMBER_STATUSES
        from zhijian.association.service import lab_profile

        p = lab_profile(session, actor, lab)
        return {"rows": p.pt_history, "lab": p.lab.name, "profile": p, "labs": [],
                "assessment_links": actor.role in ("admin", "association", "inspector"),  # who may open them
                "assessment_statuses": ASSESSMENT_STATUSES, "member_statuses": MEMBER_STATUSES, **_ctx()}

    return show(request, "association/pt_history.html", profile, actor)


@router.get(BASE + "/{code}", response_class=HTMLResponse)
def round_page(code: str, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *ROLES)
    return show(request, "association/pt_round.html", lambda: _round_ctx(session, actor, code), actor)


def _round_ctx(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    staff = is_secretariat(actor)
    r = service.round_by_code(session, code)
    enrolled = bool(service.enrolments(session, actor, code)) if not staff else True
    view = service.round_view(session, actor, code) if (staff or enrolled) else None
    return {"r": r, "view": view, "is_staff": staff, "enrolled": enrolled, **_ctx()}


def _enrol(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.enrol(session, actor, code, f.maybe_id("lab_id"))


def _homogeneity(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.record_homogeneity(session, actor, code, build(HomogeneityIn,
        measurements=rules.parse_pairs(f.text("measurements")), sigma_pt=_float(f.raw("sigma_pt"), "sigma_pt"),
        accept_widened=f.flag("accept_widened")))


def _stability(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.record_stability(session, actor, code, build(StabilityIn,
        first=rules.parse_values(f.text("first"), "first"), second=rules.parse_values(f.text("second"), "second"),
        sigma_pt=_float(f.raw("sigma_pt"), "sigma_pt")))



def _submit(session: Session, actor: Actor, f: Fields, code: str) -> None:
    """结果上报: the lab its own result, the secretariat for a participant code."""
    service.submit_result(session, actor, code, build(ResultIn,
        participant_code=f.text("participant_code").strip() or None, result=f.raw("result"),
        expanded_uncertainty=f.raw("expanded_uncertainty"),
        coverage_factor=_float(f.raw("coverage_factor"), "coverage_factor"), method=f.text("method")[:200]))


async def _import(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.import_results(session, actor, code, await f.sheet("results.xlsx", service.RESULT_COLUMNS))




ROUND_STEPS: dict[str, Step[str]] = {
    "enrol": _enrol, "homogeneity": _homogeneity, "stability": _stability, "dispatch": keyed(service.dispatch),
    "submit": _submit, "import": _import, "score": keyed(service.score), "close": keyed(service.close_round)}


@router.post(BASE + "/{code}/{action}")
async def round_action(code: str, action: str, request: Request, session: SessionDep) -> Response:
    """One form per step; the service decides who may do it."""
    return await console_step(request, session, ROLES, ROUND_STEPS.get(action), code, f"{BASE}/{code}",
                              action=action, invalid=None)


@router.get(BASE + "/{code}/report.pdf")
def round_pdf(code: str, request: Request, session: SessionDep, participant: str = "") -> Response:
    actor = console_actor(request, session, *ROLES)
    try:
        data = (service.participant_report(session, actor, code, participant or None)
                if participant or actor.role == "inspector" else service.round_report(session, actor, code))
    except DomainError as err:
        return error_page(request, err, actor)
    return pdf_response(data)
