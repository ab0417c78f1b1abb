"""Risk pages: the monitoring dashboard, signals, the guided assessment form, alerts and recalls (console),
and the public alert list, Atom feed and recall notices (portal)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from pydantic import ValidationError

from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.risk import charts, matrix, pdf, performance, scan, service
from zhijian.risk.schemas import ALERT_FIELDS, DEFAULT_PUBLIC, MEASURES, AlertIn, AssessmentIn, RecallReportIn
from zhijian.web.core import console_actor, console_form, locale_of, nav_item, render

router = APIRouter(include_in_schema=False)
nav_item("/console/risk", "风险监测", roles=("regulator", "association"), order=40)

N_SCENARIOS, N_STEPS = 3, 5


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def free(text: object) -> Markup:
    """Stored free text as typed, in an element marked with its language when it is known: `lang="zh-CN"` when
    it holds Han characters (what a Chinese regulator typed stays Chinese on the English page too, and a screen
    reader reads it in Chinese); other text as it is."""
    value = "" if text is None else str(text)
    return Markup('<span lang="zh-CN">{}</span>').format(value) if _HAN.search(value) else Markup(escape(value))


def marked(text: str, **parts: str | Markup) -> Markup:
    """A translated sentence with its foreign names in their own language: `marked(_("按欧盟 {sg} 方法"),
    sg="Safety Gate")` → 按欧盟 <span lang="en">Safety Gate</span> 方法 (a Markup part is inserted as it is)."""
    spans = {k: v if isinstance(v, Markup) else Markup('<span lang="en">{}</span>').format(v) for k, v in parts.items()}
    return Markup(escape(text)).format(**spans)


def _ctx() -> dict[str, Any]:
    return {"LEVEL_ZH": matrix.LEVEL_ZH, "METHOD_ZH": scan.METHOD_ZH, "ALERT_FIELDS": ALERT_FIELDS, "MEASURES": MEASURES,
            "field_text": service.field_text, "free": free, "marked": marked,
            "code": lambda text: Markup("<code>{}</code>").format(text)}


def _series(request: Request, session: Any, actor: Any) -> Callable[[Any], str]:
    """A signal's series as the page shows it: the Chinese label the scan stored, or on an English page the
    same series labelled from its key (category name_en, the division's English name)."""
    if locale_of(request) != "en":
        return lambda sig: str(sig.series_label or sig.series_key)
    labels = service.Labels(session, actor, "en")
    return lambda sig: labels.series_key(str(sig.series_key), str(sig.series_label or ""))


# ---------------------------------------------------------------- dashboard


@router.get("/console/risk", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    data = service.dashboard(session, actor)
    lang = locale_of(request)
    _ = gettext_for(lang)
    s = service.summary_in(session, actor, data.summary, lang) if data.summary else data.summary
    svgs: dict[str, Any] = {}
    if s:
        svgs["heatmap"] = Markup(charts.heatmap_svg(s.get("heatmap", []), _=_))
        markers: dict[str, list[tuple[str, str]]] = {}
        for sig in data.open_signals:
            markers.setdefault(sig.series_key, []).append((sig.period, _(scan.METHOD_ZH.get(sig.method, sig.method))))
        svgs["trends"] = [Markup(charts.trend_svg(s["months"], t["x"], t["n"], t["p0"], label=t.get("label", t["series_key"]),
                                                  markers=markers.get(t["series_key"], []), _=_))
                          for t in s.get("trends", [])]
        svgs["funnels"] = [Markup(charts.funnel_svg(f["points"], f["target"], f["tau2"], label=f.get("category", ""), _=_))
                           for f in s.get("funnels", [])[:2]]
        comp = s.get("complaints", {})
        if comp.get("weekly_total"):
            svgs["weekly"] = Markup(charts.weekly_svg(comp["weeks"], comp["weekly_total"], _=_))
    return render(request, "risk/dashboard.html", {**_ctx(), **data, "summary": s, "svgs": svgs,
                                                   "series": _series(request, session, actor)})


# ---------------------------------------------------------------- signals


@router.get("/console/risk/signals", response_class=HTMLResponse)
def signals(request: Request, session: SessionDep, status: str | None = "open", method: str | None = None,
            cursor: str | None = None) -> Response:
    actor = console_actor(request, session)
    page = service.list_signals(session, actor, status=status or None, method=method or None, cursor=cursor, limit=50)
    return render(request, "risk/signals.html", {**_ctx(), "page": page, "status": status, "method": method,
                                                 "series": _series(request, session, actor),
                                                 "performance": service.method_performance(session, actor)})


@router.get("/console/risk/signals/{signal_id}", response_class=HTMLResponse)
def signal_detail(signal_id: int, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    sig = service.get_signal(session, actor, signal_id)
    from zhijian.platform.rooms import call

    ids = list((sig.evidence or {}).get("complaint_ids") or [])  # issue 13: link only the cases the viewer may open
    readable = call(session, "consumer", "readable_complaints", actor, ids, default=set()) if ids else set()
    batch_ids = list((sig.evidence or {}).get("failing_batch_ids") or [])
    batches = call(session, "spotcheck", "readable_batches", actor, batch_ids, default=set()) if batch_ids else set()
    return render(request, "risk/signal.html", {**_ctx(), "sig": sig, "readable_complaints": readable,
                                                "series": _series(request, session, actor),
                                                "readable_batches": batches})


@router.post("/console/risk/signals/{signal_id}/review")
async def signal_review(signal_id: int, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session)
    service.review_signal(session, actor, signal_id, str(form.get("status", "")), str(form.get("note", "")))
    return RedirectResponse(f"/console/risk/signals/{signal_id}", status_code=303)


# ---------------------------------------------------------------- detector settings and their measured cost


@router.get("/console/risk/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep) -> Response:
    """检测方法设置 — the methods and parameters in force per kind, the per-series overrides, and beside each
    method its measured false-alarm rate, ARL₀ and detection delay (bench/bench_detectors.py)."""
    actor = console_actor(request, session)
    configs = service.list_configs(session, actor)
    kinds = []
    for kind in ("count", "rate", "enterprise"):
        default = next((c for c in configs if c.kind == kind and c.series_key == "*"), None)
        methods = list(default.methods) if default and default.methods else list(scan.DEFAULTS[kind]["methods"])
        params = {**scan.DEFAULTS[kind]["params"], **(default.params if default else {})}
        kinds.append({"kind": kind, "methods": methods, "params": params, "enabled": default.enabled if default else True,
                      "available": {"count": scan.COUNT_METHODS, "rate": scan.RATE_METHODS,
                                    "enterprise": scan.ENTERPRISE_METHODS}[kind]})
    perf = performance.load()
    return render(request, "risk/settings.html", {**_ctx(), "kinds": kinds,
                                                  "overrides": [c for c in configs if c.series_key != "*"],
                                                  "perf": performance.rows_by_method(),
                                                  "perf_date": perf.get("generated"), "perf_reps": perf.get("reps"),
                                                  "scenarios": perf.get("scenarios", {})})


# ---------------------------------------------------------------- assessments


def _form_to_assessment(form: Any) -> dict[str, Any]:
    scenarios = []
    for i in range(N_SCENARIOS):
        steps = []
        for j in range(N_STEPS):
            p = str(form.get(f"s{i}_p{j}", "")).strip()
            if p:
                steps.append({"description": str(form.get(f"s{i}_d{j}", "")), "probability": p})
        desc = str(form.get(f"s{i}_desc", "")).strip()
        if not steps and not desc:
            continue
        sev = str(form.get(f"s{i}_severity", ""))
        scenarios.append({"description": desc, "consumer": str(form.get(f"s{i}_consumer", "others")),
                          "severity": int(sev) if sev.isdigit() else 0, "steps": steps})
    units = str(form.get("units_in_use", "")).strip()
    return {"product": str(form.get("product", "")), "hazard": str(form.get("hazard", "")), "scenarios": scenarios,
            "presumed_serious": [str(v) for v in form.getlist("presumed_serious")],
            "units_in_use": int(units) if units.isdigit() else None,
            "exposure_adjustment": form.get("exposure_adjustment") == "on"}


@router.get("/console/risk/assess", response_class=HTMLResponse)
def assess_form(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    service.can_monitor(actor)
    return render(request, "risk/assess.html", {**_ctx(), "n_scen": N_SCENARIOS, "n_steps": N_STEPS, "form": {},
                                                "flags": matrix.PRESUMED_SERIOUS, "consumers": matrix.CONSUMERS,
                                                "severities": matrix.SEVERITY_ZH,
                                                "recent": service.list_assessments(session, actor, limit=10).items})


@router.post("/console/risk/assess", response_class=HTMLResponse)
async def assess_submit(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session)
    raw = _form_to_assessment(form)
    try:
        matrix.parse_assessment(raw)  # the same checks as the API, with the field named
        a = service.create_assessment(session, actor, AssessmentIn(**raw))
    except (DomainError, ValueError) as err:
        en = locale_of(request) == "en"
        msg = (err.message_en if en else err.message_zh) if isinstance(err, DomainError) else str(err)
        return render(request, "risk/assess.html", {**_ctx(), "n_scen": N_SCENARIOS, "n_steps": N_STEPS, "form": form,
                                                    "flags": matrix.PRESUMED_SERIOUS, "consumers": matrix.CONSUMERS,
                                                    "severities": matrix.SEVERITY_ZH, "error": msg, "recent": []},
                      status_code=422)
    return RedirectResponse(f"/console/risk/assessments/{a.id}", status_code=303)


@router.get("/console/risk/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(assessment_id: int, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    a = service.get_assessment(session, actor, assessment_id)
    return render(request, "risk/assessment.html", {**_ctx(), "a": a, "r": a.result, "flags": matrix.PRESUMED_SERIOUS})


@router.get("/console/risk/assessments/{assessment_id}/pdf")
def assessment_pdf(assessment_id: int, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    a = service.get_assessment(session, actor, assessment_id)
    return Response(pdf.assessment_pdf(a.result, record_id=a.id, assessor=a.assessor,
                                       created=a.created_at.date().isoformat(), hazard=a.hazard),
                    media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="risk-assessment-{a.id}.pdf"'})


# ---------------------------------------------------------------- alerts (console)


def _alert_signals(session: Any, actor: Any) -> dict[str, list[Any]]:
    """信号选择 — the signals this actor may see that can base an alert (confirmed) and those still awaiting
    研判 (open, shown but not selectable), so nobody types signal ids by hand (issue 21, finding 2)."""
    confirmed = service.list_signals(session, actor, status="confirmed", limit=100).items
    pending = service.list_signals(session, actor, status="open", limit=100).items
    return {"confirmed": list(confirmed), "pending": list(pending)}


def _alerts_page(request: Request, session: Any, actor: Any, *, form: Any = None, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    page = service.list_alerts(session, actor, limit=100)
    values: dict[str, Any] = {}
    if form is not None:
        values = {k: str(v) for k, v in form.items()}
        values["public"] = [str(v) for v in form.getlist("public")]
        values["f_measures"] = [str(v) for v in form.getlist("f_measures")]
    else:
        values = {"signal_id": request.query_params.get("signal_id", ""),
                  "assessment_id": request.query_params.get("assessment_id", "")}
    return render(request, "risk/alerts.html", {**_ctx(), "page": page, "default_public": DEFAULT_PUBLIC,
                                                "levels": matrix.LEVEL_ZH, "signals": _alert_signals(session, actor),
                                                "values": values, "posted": form is not None, "errors": errors or {},
                                                "series": _series(request, session, actor)},
                  status_code=status_code)


@router.get("/console/risk/alerts", response_class=HTMLResponse)
def alerts(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    return _alerts_page(request, session, actor)


_ALERT_FORM_FIELDS = {"title": "title", "risk_level": "risk_level", "signal_id": "signal_id",
                      "assessment_id": "assessment_id", "enterprise_ids": "enterprise_ids", "fields": "f_title",
                      "public_fields": "public"}


@router.post("/console/risk/alerts", response_class=HTMLResponse)
async def alert_create(request: Request, session: SessionDep) -> Response:
    """起草风险警示 — a refusal re-renders the form with the message at its field and everything typed kept."""
    actor, form = await console_form(request, session)
    fields: dict[str, Any] = {}
    for k in ALERT_FIELDS:
        v = str(form.get(f"f_{k}", "")).strip()
        if k == "measures":
            ms = [str(m) for m in form.getlist("f_measures")]
            if ms:
                fields[k] = ms
        elif v:
            fields[k] = v

    def _int(name: str) -> int | None:
        v = str(form.get(name, "")).strip()
        if v and not v.isdigit():
            raise DomainError("risk.bad_id", "请填写数字编号", "enter a numeric id", field=name)
        return int(v) if v else None

    try:
        raw_ents = [x.strip() for x in str(form.get("enterprise_ids", "")).replace("，", ",").split(",") if x.strip()]
        if any(not x.isdigit() for x in raw_ents):
            raise DomainError("risk.bad_id", "企业编号须为数字，以逗号分隔", "enterprise ids are numbers separated by commas",
                              field="enterprise_ids")
        title = str(form.get("title", "")).strip()
        if not title:
            raise DomainError("validation.required", "请填写标题", "the title is required", field="title")
        level = str(form.get("risk_level", ""))
        if level not in matrix.LEVEL_ZH:
            raise DomainError("validation.invalid", "请选择风险等级", "choose a risk level", field="risk_level")
        a = service.create_alert(session, actor, AlertIn(
            title=title, risk_level=level,
            fields=fields, public_fields=[str(v) for v in form.getlist("public")], enterprise_ids=[int(x) for x in raw_ents],
            signal_id=_int("signal_id"), assessment_id=_int("assessment_id")))
    except (DomainError, ValidationError) as exc:
        session.rollback()
        if isinstance(exc, ValidationError):
            loc = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else "title"
            exc = DomainError("validation.invalid", "请检查填写内容", "check the values entered", field=loc)
        lang_en = locale_of(request).startswith("en")
        entity = exc.code.split(".")[0] if exc.code.endswith(".not_found") else ""
        field = _ALERT_FORM_FIELDS.get((exc.field or "").split(".")[0]) or {
            "signal": "signal_id", "assessment": "assessment_id", "organization": "enterprise_ids"}.get(entity, "")
        return _alerts_page(request, session, actor, form=form,
                            errors={field: exc.message_en if lang_en else exc.message_zh}, status_code=422)
    return RedirectResponse(f"/console/risk/alerts#a{a.id}", status_code=303)


@router.post("/console/risk/alerts/{alert_id}/publish")
async def alert_publish(alert_id: int, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session)
    a = service.publish_alert(session, actor, alert_id)
    session.commit()
    request.app.state.jobs.enqueue("risk.alert_mail", requested_by=actor, alert_id=a.id)
    return RedirectResponse(f"/console/risk/alerts#a{a.id}", status_code=303)


# ---------------------------------------------------------------- recalls (console)


@router.get("/console/risk/recalls", response_class=HTMLResponse)
def recalls(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    page = service.list_recalls(session, actor, limit=100)
    overdue = service.overdue_recalls(session, actor) if actor.is_staff else []
    return render(request, "risk/recalls.html", {**_ctx(), "page": page, "overdue": overdue,
                                                 "progress": {r.id: service.recall_progress(r) for r in page.items}})


@router.get("/console/risk/recalls/{recall_id}", response_class=HTMLResponse)
def recall_page(recall_id: int, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    r = service.get_recall(session, actor, recall_id)
    return render(request, "risk/recall.html", {**_ctx(), "r": r, "prog": service.recall_progress(r),
                                                "enterprise_name": service.enterprise_name(session, r.enterprise_id),
                                                "today": dt.date.today().isoformat(), "public": False})


@router.post("/console/risk/recalls/{recall_id}/reports")
async def recall_report(recall_id: int, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session)
    try:
        data = RecallReportIn(reported_on=dt.date.fromisoformat(str(form.get("reported_on", ""))),
                              units_recovered=int(str(form.get("units_recovered", "x"))), note=str(form.get("note", "")))
    except ValueError:
        raise DomainError("risk.bad_report", "请填写报告日期和已召回数量", "report date and units are required",
                          field="units_recovered") from None
    service.report_recall_progress(session, actor, recall_id, data)
    return RedirectResponse(f"/console/risk/recalls/{recall_id}", status_code=303)


# ---------------------------------------------------------------- public portal


@router.get("/risk/alerts", response_class=HTMLResponse)
def public_alerts(request: Request, session: SessionDep, cursor: str | None = None) -> Response:
    page = service.public_alerts(session, limit=50, cursor=cursor)
    return render(request, "risk/public_alerts.html", {**_ctx(), "page": page,
                                                       "views": [service.public_view(a) for a in page.items]})


@router.get("/risk/alerts.atom")
def alerts_feed(request: Request, session: SessionDep) -> Response:
    return Response(service.alert_feed(session, str(request.base_url)), media_type="application/atom+xml")


@router.get("/risk/alerts/{ref}", response_class=HTMLResponse)
def public_alert(ref: str, request: Request, session: SessionDep) -> Response:
    return render(request, "risk/public_alert.html", {**_ctx(), "v": service.public_view(service.public_alert(session, ref))})


@router.get("/risk/recalls", response_class=HTMLResponse)
def public_recalls(request: Request, session: SessionDep, cursor: str | None = None) -> Response:
    page = service.public_recalls(session, limit=50, cursor=cursor)
    return render(request, "risk/public_recalls.html", {**_ctx(), "page": page,
                                                        "progress": {r.id: service.recall_progress(r) for r in page.items}})


@router.get("/risk/recalls/{ref}", response_class=HTMLResponse)
def public_recall(ref: str, request: Request, session: SessionDep) -> Response:
    r = service.public_recall(session, ref)
    return render(request, "risk/public_recall.html", {**_ctx(), "r": r, "prog": service.recall_progress(r), "public": True,
                                                       "enterprise_name": service.enterprise_name(session, r.enterprise_id),
                                                "today": dt.date.today().isoformat()})
