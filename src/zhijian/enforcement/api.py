"""综合执法 REST API (/api/v1/enforcement): thin handlers over the service (role, division and holder checks live there)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from zhijian.enforcement import cooperation, inquiry, listing, oversight, penalties, procedure, rules, service
from zhijian.enforcement.documents import case_pdf
from zhijian.enforcement.models import Case
from zhijian.enforcement.schemas import (
    AssistAnswerIn,
    AssistIn,
    AssistOut,
    CaseOut,
    DecideIn,
    EvidenceOut,
    ExcludeIn,
    ExtensionIn,
    FactsIn,
    FileIn,
    HearingIn,
    InquiryIn,
    InquiryOut,
    LeadDecisionIn,
    LeadIn,
    LeadOut,
    LegalReviewIn,
    ListingOut,
    NotifyIn,
    OfficerIn,
    OfficerOut,
    OperationIn,
    OperationOut,
    PayIn,
    ReasonIn,
    ResponseIn,
    ReviewIn,
    SeizureIn,
    ServeIn,
    StepIn,
    TransferIn,
)
from zhijian.platform.actions import Action, action_routes
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.openapi import PDF_ANSWER, XLSX_ANSWER
from zhijian.platform.pagination import Limit, PageOut
from zhijian.platform.rest import record_routes

router = APIRouter(prefix="/api/v1/enforcement", tags=["enforcement"])
PDF = "application/pdf"


def case_out(c: Case) -> CaseOut:
    out = CaseOut.model_validate(c)
    return out.model_copy(update={"fine": procedure.yuan(c.fine_fen), "proposed_fine": procedure.yuan(c.proposed_fen),
                                  "surcharge": procedure.yuan(c.surcharge_fen)})


# ---------------------------------------------------------------- catalogue


@router.get("/penalties")
def catalogue() -> dict[str, Any]:
    """罚则目录 with sources, verification notes, the 裁量基准 and the 不予处罚 lists (no login: it is the law)."""
    cat = penalties.catalogue()
    return {"version": cat.version, "violations": penalties.catalogue_rows(), "discretion": cat.discretion,
            "hearing": cat.hearing, "no_penalty": cat.raw["no_penalty"], "circumstances": cat.raw["circumstances"]}


class ComputeIn(BaseModel):
    violation: str = Field(max_length=16)
    facts: FactsIn = Field(default_factory=FactsIn)


@router.post("/penalties/compute")
def compute(data: ComputeIn) -> dict[str, Any]:
    """The lawful range for the facts, the 裁量 range and the article (pure computation)."""
    r = penalties.compute(data.violation, penalties.facts(**data.facts.model_dump()))
    return {k: (str(v) if hasattr(v, "quantize") else v) for k, v in dataclasses.asdict(r).items()}


# ---------------------------------------------------------------- officers and leads


@router.post("/officers", response_model=OfficerOut, status_code=201)
def register_officer(data: OfficerIn, session: SessionDep, actor: ActorDep) -> OfficerOut:
    return OfficerOut.model_validate(service.register_officer(session, actor, data))


@router.get("/officers", response_model=list[OfficerOut])
def list_officers(session: SessionDep, actor: ActorDep, organ_id: int | None = None) -> list[OfficerOut]:
    return [OfficerOut.model_validate(o) for o in service.officers(session, actor, organ_id)]


@router.post("/leads/scan")
def scan(session: SessionDep, actor: ActorDep) -> dict[str, int]:
    """Collect leads from other rooms now (the daily job does the same)."""
    return service.collect_leads(session, actor)


@router.get("/leads", response_model=PageOut[LeadOut])
def list_leads(session: SessionDep, actor: ActorDep, state: str | None = None, source: str | None = None,
               limit: Limit = 100, cursor: str | None = None) -> PageOut[LeadOut]:
    page = service.list_leads(session, actor, state=state, source=source, limit=limit, cursor=cursor)
    return PageOut.of(page, LeadOut)


record_routes(router, "/leads", "lead", LeadOut, key="lead_id", read=service.get_lead,
              create=(LeadIn, service.create_lead))


@router.post("/leads/{lead_id}/extend", response_model=LeadOut)
def extend_lead(lead_id: int, data: ReasonIn, session: SessionDep, actor: ActorDep) -> LeadOut:
    return LeadOut.model_validate(service.extend_lead(session, actor, lead_id, data.reason))


@router.post("/leads/{lead_id}/exclude", response_model=LeadOut)
def exclude_lead(lead_id: int, data: ExcludeIn, session: SessionDep, actor: ActorDep) -> LeadOut:
    return LeadOut.model_validate(service.exclude_from_lead(session, actor, lead_id, data.start, data.end, data.kind))


@router.post("/leads/{lead_id}/decline", response_model=LeadOut)
def decline_lead(lead_id: int, data: LeadDecisionIn, session: SessionDep, actor: ActorDep) -> LeadOut:
    return LeadOut.model_validate(service.decline_lead(session, actor, lead_id, data))


# ---------------------------------------------------------------- cases

# the case's steps: each one procedure call answering the case (fines in yuan)
action_routes(
    router, {"case_id": int},
    Action("POST", "/cases", "file_case", procedure.file_case, CaseOut, FileIn, 201, present=case_out),
    Action("POST", "/cases/{case_id}/excluded", "add_excluded", procedure.add_excluded, CaseOut, ExcludeIn,
           present=case_out),
    Action("POST", "/cases/{case_id}/extensions", "extend_case", procedure.extend_case, CaseOut, ExtensionIn,
           present=case_out),
    Action("POST", "/cases/{case_id}/review", "review", procedure.submit_review, CaseOut, ReviewIn, present=case_out),
    Action("POST", "/cases/{case_id}/legal-review", "legal_review", procedure.legal_review, CaseOut, LegalReviewIn,
           present=case_out, doc="法制审核 opinion (《行政处罚法》第五十八条), required before the decision when the case calls for it."),
    Action("POST", "/cases/{case_id}/notice", "notice", procedure.notify, CaseOut, NotifyIn, present=case_out),
    Action("POST", "/cases/{case_id}/response", "response", procedure.respond, CaseOut, ResponseIn, present=case_out,
           doc="陈述、申辩 / 听证 request — by the party's enterprise account or recorded by the organ."),
    Action("POST", "/cases/{case_id}/hearing", "hearing", procedure.hold_hearing, CaseOut, HearingIn, present=case_out),
    Action("POST", "/cases/{case_id}/decision", "decision", procedure.decide, CaseOut, DecideIn, present=case_out),
    Action("POST", "/cases/{case_id}/service", "serve", procedure.serve, CaseOut, ServeIn, present=case_out),
    Action("POST", "/cases/{case_id}/payment", "payment", procedure.record_payment, CaseOut, PayIn, present=case_out),
    Action("POST", "/cases/{case_id}/enforcement", "court_enforcement", procedure.apply_enforcement, CaseOut, StepIn,
           present=case_out),
    Action("POST", "/cases/{case_id}/close", "close", procedure.close_case, CaseOut, StepIn, present=case_out),
)


@router.get("/cases", response_model=PageOut[CaseOut])
def list_cases(session: SessionDep, actor: ActorDep, state: str | None = None, operation_id: int | None = None,
               limit: Limit = 100, cursor: str | None = None) -> PageOut[CaseOut]:
    page = procedure.list_cases(session, actor, state=state, operation_id=operation_id, limit=limit, cursor=cursor)
    return PageOut.of(page, CaseOut, present=case_out)


record_routes(router, "/cases", "case", CaseOut, key="case_id", read=service.get_case, present=case_out)


@router.get("/cases/{case_id}/steps")
def case_steps(case_id: int, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return [{"kind": s.kind, "on": s.on.isoformat(), "officers": [s.officer1, s.officer2], "approver": s.approver,
             "note": s.note, "data": s.data} for s in procedure.steps(session, actor, case_id)]


@router.post("/cases/{case_id}/evidence", response_model=EvidenceOut, status_code=201)
async def add_evidence(case_id: int, session: SessionDep, actor: ActorDep, kind: Annotated[str, Form()],
                       description: Annotated[str, Form()], officers: Annotated[str, Form()],
                       file: Annotated[UploadFile | None, File()] = None) -> EvidenceOut:
    """证据 with an optional attachment (multipart); officers as two comma-separated 执法证 numbers."""
    content = await file.read(20 * 1024 * 1024 + 1) if file is not None else b""
    ev = procedure.add_evidence(session, actor, case_id, kind=kind, description=description,
                                officers=[o for o in officers.replace("，", ",").split(",") if o.strip()],
                                content=content, filename=file.filename or "" if file else "")
    return EvidenceOut.model_validate(ev)


@router.get("/cases/{case_id}/evidence")
def list_evidence(case_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    items, broken = procedure.evidence(session, actor, case_id)
    return {"items": [EvidenceOut.model_validate(e).model_dump() for e in items], "chain_intact": broken is None,
            "broken_at": broken}


@router.post("/cases/{case_id}/seizures", status_code=201)
def seize(case_id: int, data: SeizureIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    s = procedure.seize(session, actor, case_id, data)
    return {"id": s.id, "kind": s.kind, "started_on": s.started_on, "due_on": s.due_on, "basis": rules.SEIZURE_BASIS}


class PublishIn(BaseModel):
    on: dt.date | None = None


@router.post("/cases/{case_id}/publish", response_model=CaseOut)
def publish(case_id: int, data: PublishIn, session: SessionDep, actor: ActorDep) -> CaseOut:
    """公示 the public version (within 20 working days of the decision)."""
    return case_out(procedure.publish(session, actor, case_id, data.on))


class RepairIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)
    on: dt.date | None = None


@router.post("/cases/{case_id}/credit-repair", response_model=CaseOut)
def credit_repair(case_id: int, data: RepairIn, session: SessionDep, actor: ActorDep) -> CaseOut:
    """信用修复: stop publishing after the minimum period once the decision is executed."""
    return case_out(procedure.end_publication(session, actor, case_id, reason=data.reason, on=data.on))


@router.get("/cases/{case_id}/documents/{kind}.pdf", response_class=Response, responses=PDF_ANSWER)
def document_pdf(case_id: int, kind: str, session: SessionDep, actor: ActorDep, public: bool = False) -> Response:
    """立案审批表 (filing), 告知书 (notice), 听证通知书 (hearing_notice), 决定书 (decision / no_penalty), 送达回证 (receipt)."""
    case = service.get_case(session, actor, case_id)
    if kind not in rules.DOC_KINDS:
        raise DomainError("enforcement.bad_doc_kind", f"未知文书种类：{kind}", f"unknown document kind: {kind}", field="kind",
                          status=404)
    return Response(case_pdf(session, case, kind, public=public), media_type=PDF,
                    headers={"content-disposition": f'inline; filename="{kind}-{case.id}.pdf"'})


@router.post("/cases/{case_id}/inquiries", response_model=InquiryOut, status_code=201)
def record_inquiry(case_id: int, data: InquiryIn, session: SessionDep, actor: ActorDep) -> InquiryOut:
    """询问笔录 (程序规定 第三十一条): numbered, chained into the evidence; the ID number answers masked."""
    return inquiry.inquiry_out(inquiry.record_inquiry(session, actor, case_id, data))


@router.get("/cases/{case_id}/inquiries", response_model=list[InquiryOut])
def list_inquiries(case_id: int, session: SessionDep, actor: ActorDep) -> list[InquiryOut]:
    return [inquiry.inquiry_out(s) for s in inquiry.inquiries(session, actor, case_id)]


@router.get("/cases/{case_id}/inquiries/{inquiry_id}.pdf", response_class=Response, responses=PDF_ANSWER)
def inquiry_pdf(case_id: int, inquiry_id: int, session: SessionDep, actor: ActorDep, public: bool = False) -> Response:
    """The 询问笔录 PDF, every page with「以上笔录我已看过，与我所说的相符」and the signature slot."""
    case, step = inquiry.get_inquiry(session, actor, case_id, inquiry_id)
    return Response(inquiry.inquiry_pdf(session, case, step, public=public), media_type=PDF,
                    headers={"content-disposition": f'inline; filename="inquiry-{inquiry_id}.pdf"'})


class ListIn(BaseModel):
    notified_on: dt.date
    approver: str = Field(min_length=1, max_length=128)
    on: dt.date | None = None


@router.get("/cases/{case_id}/serious-listing", response_model=ListingOut)
def serious_listing(case_id: int, session: SessionDep, actor: ActorDep) -> ListingOut:
    """严重违法失信名单: not met / proposed on publication / listed (SAMR Order No. 44 Art. 2, Arts 5–8)."""
    return listing.status(session, actor, case_id)


@router.post("/cases/{case_id}/serious-listing", response_model=ListingOut, status_code=201)
def list_serious(case_id: int, data: ListIn, session: SessionDep, actor: ActorDep) -> ListingOut:
    """列入决定 on the proposal, after the party was told; written through the consumer room's `add_listing`."""
    return listing.list_serious(session, actor, case_id, notified_on=data.notified_on, on=data.on, approver=data.approver)


@router.get("/cases/{case_id}/checklist")
def checklist(case_id: int, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return oversight.checklist(session, actor, case_id)


# ---------------------------------------------------------------- transfers, 协查, operations


@router.post("/cases/{case_id}/transfer", status_code=201)
def transfer(case_id: int, data: TransferIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    t = cooperation.transfer_case(session, actor, case_id, data)
    return {"id": t.id, "kind": t.kind, "to_organ_id": t.to_organ_id, "to_name": t.to_name, "criteria": t.criteria,
            "document_no": t.document_no, "sent_on": t.sent_on}


@router.get("/transfers")
def list_transfers(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return [{"id": t.id, "case_id": t.case_id, "kind": t.kind, "from_organ_id": t.from_organ_id,
             "to_organ_id": t.to_organ_id, "to_name": t.to_name, "sent_on": t.sent_on, "accepted_on": t.accepted_on,
             "new_case_id": t.new_case_id, "document_no": t.document_no} for t in cooperation.transfers(session, actor)]


def _operation(session: Any, actor: Any, op: Any) -> dict[str, Any]:
    """A joint operation with its members' figures and the shared timeline (what the actor may see)."""
    return {"operation": OperationOut.model_validate(op).model_dump(mode="json"),
            "stats": [{**r, "fines": str(r["fines"])} for r in cooperation.operation_stats(session, actor, op.id)],
            "timeline": [{**r, "on": r["on"].isoformat()} for r in cooperation.timeline(session, actor, op.id)]}


action_routes(
    router, {"transfer_id": int, "assist_id": int, "op_id": int, "case_id": int},
    Action("POST", "/transfers/{transfer_id}/accept", "accept", cooperation.accept_transfer, CaseOut, FileIn, 201,
           present=case_out),
    Action("POST", "/assists", "request_assist", cooperation.request_assist, AssistOut, AssistIn, 201),
    Action("GET", "/assists", "list_assists", cooperation.assists, AssistOut, many=True),
    Action("POST", "/assists/{assist_id}/answer", "answer_assist", cooperation.answer_assist, AssistOut, AssistAnswerIn),
    Action("POST", "/operations", "create_operation", cooperation.create_operation, OperationOut, OperationIn, 201),
    Action("GET", "/operations", "list_operations", cooperation.operations, OperationOut, many=True),
    Action("POST", "/operations/{op_id}/cases/{case_id}", "join", cooperation.join_case, CaseOut, present=case_out),
    Action("GET", "/operations/{op_id}", "get_operation", cooperation.get_operation, (), present_for=_operation),
)


# ---------------------------------------------------------------- oversight and the public decisions


@router.get("/oversight")
def dashboard(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    rows = oversight.dashboard(session, actor)
    return {"divisions": [{**dataclasses.asdict(r), "fines": str(r.fines)} for r in rows],
            "leads": oversight.lead_totals(session, actor), "officers": oversight.officer_rows(session, actor)}


@router.get("/oversight.xlsx", response_class=Response, responses=XLSX_ANSWER)
def dashboard_xlsx(session: SessionDep, actor: ActorDep) -> Response:
    from zhijian.web.export import xlsx_response

    return xlsx_response("执法监督统计.xlsx", oversight.HEADERS, oversight.export_rows(oversight.dashboard(session, actor)))


@router.get("/public/decisions")
def public_decisions(session: SessionDep, limit: Limit = 50) -> list[dict[str, Any]]:
    """行政处罚信息公示: published decisions, public version only (no login)."""
    return [{"id": c.id, "decision_no": c.decision_no, "decided_on": c.decided_on,
             "party_name": rules.redact(c.party_name, [c.party_name]) if c.party_natural else c.party_name,
             "published_on": c.published_on, "fine": str(procedure.yuan(c.fine_fen)), "text": c.public_text}
            for c in procedure.published(session, limit=limit)]
