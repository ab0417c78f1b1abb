"""Spot-check REST API: every step of the workflow; thin handlers over the service."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.idempotency import idempotent
from zhijian.platform.openapi import PDF_ANSWER, file_answer
from zhijian.spotcheck import reports, retest, service
from zhijian.spotcheck.schemas import (
    AttachmentOut,
    BatchIn,
    BatchOut,
    ConflictIn,
    DeliveryIn,
    DrawIn,
    FollowUpDoneIn,
    FollowUpIn,
    FollowUpOut,
    ItemOut,
    JudgeIn,
    LabFieldsIn,
    NotifyIn,
    ObjectionDecisionIn,
    ObjectionIn,
    OverrideIn,
    PlanIn,
    PlanOut,
    RefusalIn,
    ResultsIn,
    SamplingIn,
)

router = APIRouter(prefix="/api/v1/spotcheck", tags=["spotcheck"])


def _b(batch: Any) -> BatchOut:
    return BatchOut.model_validate(batch)


# plans and draws ---------------------------------------------------------------------------------
@router.post("/plans", response_model=PlanOut, status_code=201)
def create_plan(data: PlanIn, session: SessionDep, actor: ActorDep) -> PlanOut:
    return PlanOut.model_validate(service.create_plan(session, actor, data))


@router.get("/plans", response_model=list[PlanOut])
def list_plans(session: SessionDep, actor: ActorDep, year: int | None = None) -> list[PlanOut]:
    return [PlanOut.model_validate(p) for p in service.list_plans(session, actor, year=year)]


@router.get("/plans/{plan_id}")
def get_plan(plan_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    plan = service.get_plan(session, actor, plan_id)
    out = PlanOut.model_validate(plan).model_dump(mode="json")
    out["categories"] = [{"category_id": c.category_id, "standard_ids": c.standard_ids, "target_batches": c.target_batches}
                         for c in service.plan_categories(session, plan.id)]
    out["lab_ids"] = service.plan_lab_ids(session, plan.id)
    out["workflow"] = service.workflow_counts(session, actor, plan.id)
    return out


@router.post("/plans/{plan_id}/draw", status_code=201)
def draw(plan_id: int, data: DrawIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    d = service.draw_plan(session, actor, plan_id, data.seed)
    return {"draw_id": d.id, "seed": d.seed, "input_digest": d.input_digest, **d.result}


@router.get("/plans/{plan_id}/draw")
def get_draw(plan_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    d = service.get_draw(session, actor, plan_id)
    return {"draw_id": d.id, "seed": d.seed, "input_digest": d.input_digest, "drawn_at": d.drawn_at, **d.result}


@router.post("/plans/{plan_id}/draw/rerun")
def rerun_draw(plan_id: int, session: SessionDep, actor: ActorDep, seed: int | None = None) -> dict[str, Any]:
    return asdict(service.rerun_draw(session, actor, plan_id, seed))


@router.post("/plans/{plan_id}/batches", response_model=BatchOut, status_code=201)
def add_batch(plan_id: int, data: BatchIn, session: SessionDep, actor: ActorDep) -> BatchOut:
    """A targeted or complaint-driven batch outside the random draw."""
    return _b(service.add_batch(session, actor, plan_id, product_id=data.product_id, lab_id=data.lab_id, basis=data.basis,
                                repeat_exemption=data.repeat_exemption))


@router.post("/conflicts", status_code=201)
def add_conflict(data: ConflictIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    c = service.add_conflict(session, actor, data)
    return {"id": c.id, "lab_id": c.lab_id, "enterprise_id": c.enterprise_id, "reason": c.reason}


@router.get("/plans/{plan_id}/statistics")
def statistics(plan_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    plan = service.get_plan(session, actor, plan_id)
    if plan.status != "published":
        service.require_plan_owner(actor, plan)
    return service.plan_statistics(session, plan.id)


@router.get("/plans/{plan_id}/nonconforming")
def nonconforming(plan_id: int, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    plan = service.get_plan(session, actor, plan_id)
    if plan.status != "published":
        service.require_plan_owner(actor, plan)
    return [asdict(n) for n in service.nonconforming_list(session, plan.id)]


@router.post("/plans/{plan_id}/publish", response_model=PlanOut)
def publish_plan(plan_id: int, session: SessionDep, actor: ActorDep) -> PlanOut:
    return PlanOut.model_validate(service.publish_plan(session, actor, plan_id))


# batches -----------------------------------------------------------------------------------------
@router.get("/batches", response_model=list[BatchOut])
def list_batches(session: SessionDep, actor: ActorDep, plan_id: int | None = None, state: str | None = None,
                 limit: int = 200, after_id: int | None = None) -> list[BatchOut]:
    return [_b(b) for b in service.list_batches(session, actor, plan_id=plan_id, state=state,
                                                limit=max(1, min(limit, 500)), after_id=after_id)]


@router.get("/batches/{batch_id}")
def get_batch(batch_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    b = service.get_batch(session, actor, batch_id)
    out = _b(b).model_dump(mode="json")
    out["items"] = [i | {"explanation": e} for i, e in (
        (ItemOut.model_validate(r).model_dump(mode="json"), service.explain_item(session, r))
        for r in service.items_of(session, actor, batch_id))]
    out["history"] = [{"from": h.from_state, "to": h.to_state, "at": h.at.isoformat(), "actor": h.actor, "note": h.note}
                      for h in service.history(session, actor, batch_id)]
    out["objection"] = retest.describe(service.objection_of(session, actor, batch_id))
    return out


@router.post("/batches/{batch_id}/sampling", response_model=BatchOut)
def record_sampling(batch_id: int, data: SamplingIn, session: SessionDep, actor: ActorDep) -> BatchOut:
    return _b(service.record_sampling(session, actor, batch_id, data))


@router.post("/batches/{batch_id}/refusal", response_model=BatchOut)
def record_refusal(batch_id: int, data: RefusalIn, session: SessionDep, actor: ActorDep) -> BatchOut:
    return _b(service.record_refusal(session, actor, batch_id, data))


@router.post("/batches/{batch_id}/receive", response_model=BatchOut)
def receive(batch_id: int, session: SessionDep, actor: ActorDep) -> BatchOut:
    return _b(service.receive_sample(session, actor, batch_id))


@router.post("/batches/{batch_id}/results", response_model=BatchOut)
def submit_results(batch_id: int, data: ResultsIn, session: SessionDep, actor: ActorDep) -> BatchOut:
    return _b(service.submit_results(session, actor, batch_id, data.items))


@router.post("/results/import")
@idempotent
async def import_results(request: Request, session: SessionDep, actor: ActorDep, file: UploadFile = File(...),
                         batch_id: int | None = Form(None)) -> dict[str, Any]:
    data = await file.read()
    # in the thread pool, not on the event loop: the import waits for row locks (issue 12), which would stall
    # every other request of the worker — and the lock holder's own commit — if it blocked the loop
    summary = await run_in_threadpool(service.import_results, session, actor, data, file.filename or "upload.csv",
                                      batch_id=batch_id)
    return asdict(summary)


@router.post("/batches/{batch_id}/verify", response_model=BatchOut)
def verify(batch_id: int, session: SessionDep, actor: ActorDep) -> BatchOut:
    return _b(service.verify_results(session, actor, batch_id))


@router.post("/batches/{batch_id}/judge", response_model=BatchOut)
def judge_batch(batch_id: int, session: SessionDep, actor: ActorDep) -> BatchOut:
    return _b(service.judge_batch(session, actor, batch_id))


@router.post("/batches/{batch_id}/override", response_model=BatchOut)
def override(batch_id: int, data: OverrideIn, session: SessionDep, actor: ActorDep) -> BatchOut:
    return _b(service.override_verdict(session, actor, batch_id, data.verdict, data.reason))


@router.post("/batches/{batch_id}/notify", response_model=BatchOut)
def notify(batch_id: int, session: SessionDep, actor: ActorDep, data: NotifyIn | None = None) -> BatchOut:
    """告知; with `delivered_on` the objection window (from 送达) starts at once, else on `POST .../delivery`."""
    data = data or NotifyIn()
    return _b(service.notify(session, actor, batch_id, on=data.on, delivered_on=data.delivered_on))


@router.post("/batches/{batch_id}/delivery", response_model=BatchOut)
def delivery(batch_id: int, data: DeliveryIn, session: SessionDep, actor: ActorDep) -> BatchOut:
    """登记送达: the objection window runs from this date (calendar days; a last day on a holiday moves on)."""
    from zhijian.spotcheck import deadlines as clocks

    return _b(clocks.record_delivery(session, actor, batch_id, data.delivered_on))


@router.post("/batches/{batch_id}/objection", status_code=201)
def objection(batch_id: int, data: ObjectionIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    o = service.submit_objection(session, actor, batch_id, data.reason, items=data.items or None)
    return {"id": o.id, "status": o.status, "items": list(o.items or [])}


@router.post("/batches/{batch_id}/objection/decision")
def decide(batch_id: int, data: ObjectionDecisionIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    o = service.decide_objection(session, actor, batch_id, data)
    return {"id": o.id, "status": o.status, "retest_lab_id": o.retest_lab_id, "retest_seed": o.retest_seed,
            "retest_candidates": list(o.retest_candidates or []), "items": list(o.items or [])}


@router.put("/labs/{lab_id}/fields")
def set_lab_fields(lab_id: int, data: LabFieldsIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """检验能力范围: the product categories the lab may re-test (and test) for."""
    return {"lab_id": lab_id, "category_ids": retest.set_lab_fields(session, actor, lab_id, data.category_ids)}


@router.post("/batches/{batch_id}/finalize", response_model=BatchOut)
def finalize(batch_id: int, session: SessionDep, actor: ActorDep) -> BatchOut:
    return _b(service.finalize(session, actor, batch_id))


@router.post("/batches/{batch_id}/attachments", response_model=AttachmentOut, status_code=201)
async def upload(batch_id: int, request: Request, session: SessionDep, actor: ActorDep,
                 file: UploadFile = File(...), kind: str = Form("photo")) -> AttachmentOut:
    data = await file.read()
    att = service.add_attachment(session, actor, batch_id, filename=file.filename or "file",
                                 content_type=file.content_type or "", data=data, kind=kind,
                                 var_dir=request.app.state.settings.var_dir)
    return AttachmentOut.model_validate(att)


@router.get("/batches/{batch_id}/attachments", response_model=list[AttachmentOut])
def attachments(batch_id: int, session: SessionDep, actor: ActorDep) -> list[AttachmentOut]:
    return [AttachmentOut.model_validate(a) for a in service.list_attachments(session, actor, batch_id)]


@router.get("/attachments/{attachment_id}", response_class=Response,
            responses=file_answer("*/*", description="附件（上传时的媒体类型）"))
def download(attachment_id: int, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    att, data = service.open_attachment(session, actor, attachment_id, request.app.state.settings.var_dir)
    return Response(data, media_type=att.content_type, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''" + _quote(att.filename), "X-Content-SHA256": att.sha256,
        "Cache-Control": "private, no-store"})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@router.get("/batches/{batch_id}/report.pdf", response_class=Response, responses=PDF_ANSWER)
def report_pdf(batch_id: int, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    data = service.report_data(session, actor, batch_id)
    pdf = reports.report_pdf(data, verify_url=str(request.base_url).rstrip("/") + f"/reports/verify/{data['report_no']}",
                             digest=service.report_digest(data))
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={data['report_no']}.pdf"})


# follow-up ---------------------------------------------------------------------------------------
@router.post("/batches/{batch_id}/followups", response_model=FollowUpOut, status_code=201)
def add_followup(batch_id: int, data: FollowUpIn, session: SessionDep, actor: ActorDep) -> FollowUpOut:
    return FollowUpOut.model_validate(service.add_followup(session, actor, batch_id, data))


@router.post("/followups/{followup_id}/done", response_model=FollowUpOut)
def followup_done(followup_id: int, data: FollowUpDoneIn, session: SessionDep, actor: ActorDep) -> FollowUpOut:
    return FollowUpOut.model_validate(service.complete_followup(session, actor, followup_id, data))


@router.get("/followups", response_model=list[FollowUpOut])
def followups(session: SessionDep, actor: ActorDep, overdue: bool = False, batch_id: int | None = None) -> list[FollowUpOut]:
    on = dt.datetime.now(dt.UTC).date() if overdue else None
    return [FollowUpOut.model_validate(f) for f in service.list_followups(session, actor, overdue_on=on, batch_id=batch_id)]


# quick judgement (same as `zhijian judge`) -------------------------------------------------------
@router.post("/judge")
def judge(data: JudgeIn) -> dict[str, Any]:
    return service.quick_judge(data.requirement, data.requirement_unit, data.value, data.unit, data.uncertainty, data.lod,
                               data.rule, data.guard_factor, data.comparison_method, data.lab_verdict, data.units)

