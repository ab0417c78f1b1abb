"""Console pages of the enterprise quality credit (质量信用): classes, one enterprise's file with its indicator
groups, penalties, recomputation, and the satisfaction statistics of complaint handling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhijian.catalog.models import Organization
from zhijian.consumer import rules, service
from zhijian.consumer.pages.common import _date, _msg, router
from zhijian.consumer.rules.english import caps_of, detail_of
from zhijian.consumer.schemas import CreditOut
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError, validation_error
from zhijian.web.core import console_actor, console_form, locale_of, nav_item, render
from zhijian.web.listing import numbered_list

# ---------------------------------------------------------------- console: credit


# the credit list's sortable columns (issue #21 finding 13: the list of every enterprise was one 4,400 px table)
CREDIT_SORTS: dict[str, Callable[[Any], Any]] = {
    "name": lambda r: r.enterprise_name, "score": lambda r: r.score, "class": lambda r: r.credit_class,
    "as_of": lambda r: r.as_of}


@router.get("/console/credit", response_class=HTMLResponse)
def console_credit(request: Request, session: SessionDep, credit_class: str = "", sort: str = "",
                   page: str = "", size: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "association", "enterprise")
    if actor.role == "enterprise":
        return RedirectResponse(f"/console/credit/{actor.organization_id}", status_code=303)
    rows = service.credit_overview(session, actor, credit_class=credit_class or None)
    listed, sorted_by = numbered_list(rows, CREDIT_SORTS, sort=sort, default_sort="score", page=page, size=size)
    return render(request, "consumer/console_credit.html", {
        "page": listed, "sort": sorted_by, "dist": service.credit_distribution(session, actor),
        "credit_class": credit_class, "model": service.credit_model(session).as_dict(),
        "class_zh": rules.CREDIT_CLASS_ZH})


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
        err = validation_error(exc) if isinstance(exc, ValidationError) else (
            exc if isinstance(exc, DomainError) else DomainError("validation.invalid", "罚款金额应为数字",
                                                                 "amount must be a number", field="amount"))
        return RedirectResponse(f"/console/credit/{enterprise_id}?" + urlencode({"error": _msg(request, err)}),
                                status_code=303)
    return RedirectResponse(f"/console/credit/{enterprise_id}", status_code=303)


@router.get("/console/credit/{enterprise_id}", response_class=HTMLResponse)
def console_credit_detail(enterprise_id: int, request: Request, session: SessionDep, error: str = "") -> Response:
    actor = console_actor(request, session, "regulator", "association", "enterprise")
    hist = service.credit_history(session, actor, enterprise_id)
    penalties = service.list_penalties(session, actor, enterprise_id)
    org = session.get(Organization, enterprise_id)
    rows = [service.credit_dict(a) for a in hist]
    draw = service.draw_frequency(session, actor, enterprise_id) if org is not None else None
    lang = locale_of(request)
    return render(request, "consumer/console_credit_detail.html", {
        "org": org, "hist": rows, "penalties": penalties, "groups": _indicator_groups(rows[0]) if rows else [],
        "draw": draw, "detail": lambda i: detail_of(i, lang),
        "caps": lambda a: caps_of(a.caps, a.cap_reasons, lang),
        "class_zh": rules.CREDIT_CLASS_ZH, "penalty_zh": rules.PENALTY_ZH, "error": error,
        "can_penalize": actor.has("admin", "regulator"),
        "certs": service.certificates_for(session, enterprise_id=enterprise_id), "cert_kinds": rules.CERT_KIND_ZH})


@dataclass
class _Group:
    group: str
    label_zh: str
    points: float = 0.0
    items: int = 0
    sources: list[str] = field(default_factory=list)


def _indicator_groups(a: CreditOut) -> list[_Group]:
    """The breakdown summed by 企业信用风险分类 indicator group (基础属性 / 经营行为 / 监管 / 社会评价), each with the
    sources of its items; an assessment stored before the groups existed is grouped by its factors."""
    out = {g: _Group(g, zh) for g, zh in rules.INDICATOR_GROUPS.items()}
    for i in a.breakdown:
        group, source = rules.FACTOR_GROUP.get(i.get("factor", ""), ("supervision", ""))
        g = out[i.get("group") or group]
        g.points = round(g.points + float(i.get("points") or 0), 2)
        g.items += 1
        src = i.get("source") or source
        if src and src not in g.sources:
            g.sources.append(src)
    return list(out.values())


@router.get("/console/satisfaction", response_class=HTMLResponse)
def console_satisfaction(request: Request, session: SessionDep) -> Response:
    """满意度统计 — per handling regulator and month, within the viewer's jurisdiction (regulators only)."""
    actor = console_actor(request, session, "regulator")
    by_regulator = service.satisfaction_stats(session, actor)
    monthly = service.satisfaction_monthly(session, actor)
    return render(request, "consumer/console_satisfaction.html", {"by_regulator": by_regulator, "monthly": monthly})


nav_item("/console/satisfaction", "满意度统计", roles=("regulator",), order=45)
