"""Public pages: published results, their Excel/PDF exports and Atom feed, the report verification page
(报告防伪查询)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zhijian.catalog import rules as catalog_rules
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.openapi import XLSX
from zhijian.spotcheck import reports, service
from zhijian.spotcheck.pages.common import category_names, ctx_common, org_names
from zhijian.web.core import locale_of, render

router = APIRouter(include_in_schema=False)


# ---------------------------------------------------------------- public: results, exports, feed, verification


@router.get("/spotchecks", response_class=HTMLResponse)
def public_plans(request: Request, session: SessionDep, year: int | None = None) -> Response:
    plans = service.list_plans(session, session.info["actor"], published_only=True, year=year)
    return render(request, "spotcheck/public_plans.html", {"plans": plans, "year": year,
                                                           "orgs": org_names(session, {p.regulator_id for p in plans}),
                                                           **ctx_common()})


@router.get("/spotchecks/feed.atom")
def public_feed(request: Request, session: SessionDep) -> Response:
    plans = service.list_plans(session, session.info["actor"], published_only=True)
    return Response(reports.atom_feed(plans, str(request.base_url).rstrip("/")), media_type="application/atom+xml")


@router.get("/spotchecks/{plan_id}", response_class=HTMLResponse)
def public_plan(request: Request, session: SessionDep, plan_id: int) -> Response:
    plan = service.published_plan(session, plan_id)
    stats = plan.summary or service.plan_statistics(session, plan.id)
    lang = locale_of(request)
    return render(request, "spotcheck/public_plan.html", {
        "plan": plan, "stats": stats, "cat_names": category_names(session, lang),
        "region_name": lambda code, stored: catalog_rules.region_name(code, lang) if code else stored, "noncon": service.nonconforming_list(session, plan.id, limit=500),
        "regulator": org_names(session, {plan.regulator_id}).get(plan.regulator_id, ""), **ctx_common()})


_Export = Callable[[Any, dict[str, Any], list[Any]], bytes]  # (plan, statistics, non-conforming list) → file


def _export(request: Request, session: Any, plan_id: int, make: _Export, media_type: str, disposition: str) -> Response:
    """A published plan's results as a file: the frozen statistics (or computed ones) and the full 不合格产品名单."""
    plan = service.published_plan(session, plan_id)
    data = make(plan, plan.summary or service.plan_statistics(session, plan.id), service.nonconforming_list(session, plan.id))
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition.format(id=plan.id)})


@router.get("/spotchecks/{plan_id}/results.xlsx")
def public_xlsx(request: Request, session: SessionDep, plan_id: int) -> Response:
    return _export(request, session, plan_id, reports.plan_xlsx,
                   XLSX,
                   "attachment; filename=spotcheck-{id}.xlsx")


@router.get("/spotchecks/{plan_id}/results.pdf")
def public_pdf(request: Request, session: SessionDep, plan_id: int) -> Response:
    return _export(request, session, plan_id, reports.plan_pdf, "application/pdf", "inline; filename=spotcheck-{id}.pdf")


@router.get("/reports/verify/{report_no}", response_class=HTMLResponse)
def verify_report(request: Request, session: SessionDep, report_no: str) -> Response:
    try:
        info = service.verify_report(session, report_no[:40])
    except DomainError:
        info = {"report_no": report_no[:40], "genuine": False}
    return render(request, "spotcheck/report_verify.html", {"info": info, "checked_at": dt.datetime.now(dt.UTC)},
                  status_code=200 if info["genuine"] else 404)
