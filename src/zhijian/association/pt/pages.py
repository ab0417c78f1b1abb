"""能力验证 console pages: rounds, a round's page (secretariat: enrol, homogeneity, dispatch, score; lab: enrol,
submit its result, read its scores and report), follow-ups and a lab's PT history. Same service as API and CLI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.association.common.forms import build
from zhijian.association.pt import rules, service
from zhijian.association.pt.schemas import HomogeneityIn, ResultIn, RoundIn, SchemeIn, StabilityIn
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.tabular import read_rows
from zhijian.web.core import console_actor, console_form, error_page, render

router = APIRouter(include_in_schema=False)
ROLES = ("association", "inspector")
BASE = "/console/association/pt"


def _float(v: Any, field: str) -> float | None:
    if v is None or str(v).strip() == "":
        return None
    return rules.check_result(v, field)


def _ctx() -> dict[str, Any]:
    return {"statuses": rules.STATUSES, "signals": rules.SIGNALS_ZH, "score_kinds": rules.SCORE_KINDS}


@router.get(BASE, response_class=HTMLResponse)
def rounds_page(request: Request, session: SessionDep, status: str = "") -> Response:
    actor = console_actor(request, session, *ROLES)
    try:
        rounds = service.list_rounds(session, actor, status=status or None)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/pt_rounds.html", {"rounds": rounds, "status": status, **_ctx(),
                                                          "is_staff": actor.role in ("admin", "association")}, actor=actor)


@router.post(BASE)
async def create_round_form(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "association")
    try:
        scheme = str(form.get("scheme_code", "")).strip()
        if form.get("scheme_name"):
            service.create_scheme(session, actor, build(SchemeIn, code=scheme, name=str(form.get("scheme_name"))))
        sigma = _float(form.get("sigma_given"), "sigma_given")
        assigned = _float(form.get("assigned_given"), "assigned_given")
        r = service.create_round(session, actor, build(RoundIn,
            scheme_code=scheme, code=str(form.get("code", "")), year=int(str(form.get("year") or 0) or 0),
            measurand=str(form.get("measurand", "")), unit=str(form.get("unit", "")),
            assigned_method="given" if assigned is not None else "robust", assigned_given=assigned,
            sigma_method="fixed" if sigma is not None else "robust", sigma_given=sigma,
            score_kind=str(form.get("score_kind") or "z")))
    except (DomainError, ValueError) as err:
        if isinstance(err, ValueError):
            err = DomainError("validation.invalid", "年度应为整数", "the year must be an integer", field="year")
        return error_page(request, err, actor)
    return RedirectResponse(f"{BASE}/{r.code}", status_code=303)


@router.get(BASE + "/follow-ups", response_class=HTMLResponse)
def follow_ups_page(request: Request, session: SessionDep, status: str = "") -> Response:
    actor = console_actor(request, session, *ROLES)
    try:
        items = service.follow_ups(session, actor, status=status or None)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/pt_followups.html", {"items": items, "status": status, **_ctx(),
                                                             "is_staff": actor.role in ("admin", "association")},
                  actor=actor)


@router.post(BASE + "/follow-ups/{fid:int}/{action}")
async def follow_up_action(fid: int, action: str, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        if action == "answer":
            service.answer_follow_up(session, actor, fid, str(form.get("cause", "")), str(form.get("corrective_action", "")))
        elif action == "close":
            service.close_follow_up(session, actor, fid, str(form.get("verification", "")))
        else:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"{BASE}/follow-ups", status_code=303)


@router.get(BASE + "/history", response_class=HTMLResponse)
def history_page(request: Request, session: SessionDep, lab: int | None = None) -> Response:
    actor = console_actor(request, session, "association", "inspector", "regulator")
    try:
        if lab is None and actor.role != "inspector":
            return render(request, "association/pt_history.html", {
                "rows": [], "lab": None, "labs": service.participating_labs(session, actor), **_ctx()}, actor=actor)
        rows = service.lab_history(session, actor, lab)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/pt_history.html", {"rows": rows, "lab": lab, "labs": [], **_ctx()},
                  actor=actor)


@router.get(BASE + "/{code}", response_class=HTMLResponse)
def round_page(code: str, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, *ROLES)
    staff = actor.role in ("admin", "association")
    try:
        r = service.round_by_code(session, code)
        enrolled = bool(service.enrolments(session, actor, code)) if not staff else True
        view = service.round_view(session, actor, code) if (staff or enrolled) else None
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/pt_round.html", {"r": r, "view": view, "is_staff": staff, "enrolled": enrolled,
                                                         **_ctx()}, actor=actor)


@router.post(BASE + "/{code}/{action}")
async def round_action(code: str, action: str, request: Request, session: SessionDep) -> Response:
    """One form per step; the service decides who may do it."""
    actor, form = await console_form(request, session, *ROLES)
    try:
        if action == "enrol":
            lab = form.get("lab_id")
            service.enrol(session, actor, code, int(str(lab)) if lab and str(lab).isdigit() else None)
        elif action == "homogeneity":
            service.record_homogeneity(session, actor, code, build(HomogeneityIn,
                measurements=rules.parse_pairs(str(form.get("measurements", ""))),
                sigma_pt=_float(form.get("sigma_pt"), "sigma_pt"), accept_widened=form.get("accept_widened") == "1"))
        elif action == "stability":
            service.record_stability(session, actor, code, build(StabilityIn,
                first=rules.parse_values(str(form.get("first", "")), "first"),
                second=rules.parse_values(str(form.get("second", "")), "second"),
                sigma_pt=_float(form.get("sigma_pt"), "sigma_pt")))
        elif action == "dispatch":
            service.dispatch(session, actor, code)
        elif action == "submit":
            k = form.get("coverage_factor")
            service.submit_result(session, actor, code, build(ResultIn,
                participant_code=str(form.get("participant_code") or "").strip() or None, result=form.get("result"),
                expanded_uncertainty=form.get("expanded_uncertainty"),
                coverage_factor=_float(k, "coverage_factor"), method=str(form.get("method", ""))[:200]))
        elif action == "import":
            upload = form.get("file")
            if upload is None or not hasattr(upload, "read"):
                raise DomainError("import.no_file", "请选择文件", "choose a file", field="file")
            data = await upload.read()
            service.import_results(session, actor, code, read_rows(data, upload.filename or "results.xlsx",
                                                                   required=service.RESULT_COLUMNS))
        elif action == "score":
            service.score(session, actor, code)
        elif action == "close":
            service.close_round(session, actor, code)
        else:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
    except DomainError as err:
        return error_page(request, err, actor)
    return RedirectResponse(f"{BASE}/{code}", status_code=303)


@router.get(BASE + "/{code}/report.pdf")
def round_pdf(code: str, request: Request, session: SessionDep, participant: str = "") -> Response:
    actor = console_actor(request, session, *ROLES)
    try:
        data = (service.participant_report(session, actor, code, participant or None)
                if participant or actor.role == "inspector" else service.round_report(session, actor, code))
    except DomainError as err:
        return error_page(request, err, actor)
    return Response(data, media_type="application/pdf")
