"""Risk REST API: thin handlers that parse, call the service and shape the answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request, Response

from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.openapi import PDF_ANSWER
from zhijian.platform.pagination import Limit, PageOut
from zhijian.platform.rest import record_routes
from zhijian.risk import pdf, schemas, service
from zhijian.risk.models import Recall
from zhijian.risk.service.scanning import scan_figures

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
public_router = APIRouter(prefix="/api/v1/public/risk", tags=["risk (public)"])


def recall_out(r: Recall) -> schemas.RecallOut:
    out = schemas.RecallOut.model_validate(r)
    prog = service.recall_progress(r)
    out.units_recovered, out.next_report_due, out.overdue = prog.units_recovered, prog.next_report_due, prog.overdue
    return out


# scan and signals ----------------------------------------------------------------------
@router.post("/scan", status_code=202)
def start_scan(request: Request, session: SessionDep, actor: ActorDep, as_of: dt.date | None = None) -> dict[str, Any]:
    """Run the full scan as a background job; poll /api/v1/jobs/{id}."""
    service.can_monitor(actor)
    day = service.scan_day(as_of) if as_of else None  # refused now (422), not as a failed job
    job_id = request.app.state.jobs.enqueue("risk.scan", requested_by=actor, session=session,  # in this unit of work
                                            requester_id=actor.user_id,  # its result: the requester's division
                                            **({"as_of": day.isoformat()} if day else {}))
    return {"job_id": job_id}


@router.get("/scans/latest", response_model=schemas.ScanOut | None)
def latest_scan(session: SessionDep, actor: ActorDep) -> schemas.ScanOut | None:
    """The last finished scan, its counts within the actor's division (管辖)."""
    run = service.latest_scan(session, actor)
    if run is None:
        return None
    figures = scan_figures(session, actor, run)
    return schemas.ScanOut.model_validate(run).model_copy(update={
        "n_results": figures.results, "n_complaints": figures.complaints, "n_signals": figures.new_signals})


@router.get("/signals", response_model=PageOut[schemas.SignalOut])
def list_signals(session: SessionDep, actor: ActorDep, status: str | None = None, method: str | None = None,
                 kind: str | None = None, category_id: int | None = None, limit: Limit = 50,
                 cursor: str | None = None) -> PageOut[schemas.SignalOut]:
    page = service.list_signals(session, actor, status=status, method=method, kind=kind, category_id=category_id,
                                limit=limit, cursor=cursor)
    return PageOut.of(page, schemas.SignalOut)


@router.get("/signals/{signal_id}", response_model=schemas.SignalOut)
def get_signal(signal_id: int, session: SessionDep, actor: ActorDep) -> Any:
    return service.get_signal(session, actor, signal_id)


@router.post("/signals/{signal_id}/review", response_model=schemas.SignalOut)
def review_signal(signal_id: int, data: schemas.SignalReviewIn, session: SessionDep, actor: ActorDep) -> Any:
    return service.review_signal(session, actor, signal_id, data.status, data.note)


@router.get("/performance", response_model=list[schemas.MethodPerformance])
def performance(session: SessionDep, actor: ActorDep) -> Any:
    return service.method_performance(session, actor)


@router.get("/series-configs", response_model=list[schemas.SeriesConfigOut])
def list_configs(session: SessionDep, actor: ActorDep) -> Any:
    return service.list_configs(session, actor)


@router.put("/series-configs", response_model=schemas.SeriesConfigOut)
def put_config(data: schemas.SeriesConfigIn, session: SessionDep, actor: ActorDep) -> Any:
    return service.upsert_config(session, actor, data)


# assessments ---------------------------------------------------------------------------
@router.get("/assessments", response_model=PageOut[schemas.AssessmentOut])
def list_assessments(session: SessionDep, actor: ActorDep, limit: Limit = 50, cursor: str | None = None) -> Any:
    page = service.list_assessments(session, actor, limit=limit, cursor=cursor)
    return PageOut.of(page, schemas.AssessmentOut)


record_routes(router, "/assessments", "assessment", schemas.AssessmentOut, key="assessment_id",
              read=service.get_assessment, create=(schemas.AssessmentIn, service.create_assessment))


@router.get("/assessments/{assessment_id}/pdf", response_class=Response, responses=PDF_ANSWER)
def assessment_pdf(assessment_id: int, session: SessionDep, actor: ActorDep) -> Response:
    a = service.get_assessment(session, actor, assessment_id)
    data = pdf.assessment_pdf(a.result, record_id=a.id, assessor=a.assessor, created=a.created_at.date().isoformat(),
                              hazard=a.hazard)
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="risk-assessment-{a.id}.pdf"'})


# alerts --------------------------------------------------------------------------------
@router.get("/alerts", response_model=PageOut[schemas.AlertOut])
def list_alerts(session: SessionDep, actor: ActorDep, status: str | None = None, limit: Limit = 50,
                cursor: str | None = None) -> Any:
    page = service.list_alerts(session, actor, status=status, limit=limit, cursor=cursor)
    return PageOut.of(page, schemas.AlertOut)


record_routes(router, "/alerts", "alert", schemas.AlertOut, key="alert_id", read=service.get_alert,
              create=(schemas.AlertIn, service.create_alert))


@router.post("/alerts/{alert_id}/publish")
def publish_alert(alert_id: int, request: Request, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Publish; the notification e-mail goes out through the job `risk.alert_mail` after the commit."""
    a = service.publish_alert(session, actor, alert_id)
    out = schemas.AlertOut.model_validate(a).model_dump(mode="json")
    session.commit()
    out["mail_job_id"] = request.app.state.jobs.enqueue("risk.alert_mail", requested_by=actor, alert_id=a.id)
    return out


@router.post("/alerts/{alert_id}/withdraw", response_model=schemas.AlertOut)
def withdraw_alert(alert_id: int, session: SessionDep, actor: ActorDep) -> Any:
    return service.withdraw_alert(session, actor, alert_id)


# recalls -------------------------------------------------------------------------------
@router.post("/recalls", response_model=schemas.RecallOut, status_code=201)
def start_recall(data: schemas.RecallIn, session: SessionDep, actor: ActorDep) -> schemas.RecallOut:
    return recall_out(service.start_recall(session, actor, data))


@router.get("/recalls", response_model=PageOut[schemas.RecallOut])
def list_recalls(session: SessionDep, actor: ActorDep, status: str | None = None, enterprise_id: int | None = None,
                 limit: Limit = 50, cursor: str | None = None) -> Any:
    page = service.list_recalls(session, actor, status=status, enterprise_id=enterprise_id, limit=limit, cursor=cursor)
    return PageOut.of(page, schemas.RecallOut, present=recall_out)


@router.get("/recalls/overdue", response_model=list[schemas.RecallOut])
def overdue(session: SessionDep, actor: ActorDep) -> Any:
    return [recall_out(r) for r, _ in service.overdue_recalls(session, actor)]


record_routes(router, "/recalls", "recall", schemas.RecallOut, key="recall_id", read=service.get_recall,
              present=recall_out)


@router.post("/recalls/{recall_id}/reports", response_model=schemas.RecallReportOut, status_code=201)
def report(recall_id: int, data: schemas.RecallReportIn, session: SessionDep, actor: ActorDep) -> Any:
    return service.report_recall_progress(session, actor, recall_id, data)


@router.post("/recalls/{recall_id}/close", response_model=schemas.RecallOut)
def close(recall_id: int, data: schemas.RecallCloseIn, session: SessionDep, actor: ActorDep) -> schemas.RecallOut:
    return recall_out(service.close_recall(session, actor, recall_id, data))


# public --------------------------------------------------------------------------------
@public_router.get("/alerts", response_model=PageOut[schemas.AlertPublicOut])
def public_alerts(session: SessionDep, limit: Limit = 50, cursor: str | None = None) -> Any:
    page = service.public_alerts(session, limit=limit, cursor=cursor)
    return PageOut.of(page, schemas.AlertPublicOut,
                      present=lambda a: schemas.AlertPublicOut(**asdict(service.public_view(a))))


@public_router.get("/alerts/{ref}", response_model=schemas.AlertPublicOut)
def public_alert(ref: str, session: SessionDep) -> Any:
    return schemas.AlertPublicOut(**asdict(service.public_view(service.public_alert(session, ref))))
