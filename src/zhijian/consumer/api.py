"""Consumer REST API: complaints and reports, credit, certificates, enterprise standards, comparative tests.

Thin handlers: parse, call the service (which checks permission), shape the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from zhijian.consumer import report as report_mod
from zhijian.consumer import rules, service
from zhijian.consumer.schemas import (
    BodyIn,
    CertificateIn,
    CertificateOut,
    CertificateStatusIn,
    ComparativeIn,
    ComplaintCreated,
    ComplaintIn,
    CreditOut,
    DeadlinesIn,
    DeclarationIn,
    DeclarationOut,
    MediationIn,
    PauseIn,
    PaymentIn,
    PenaltyIn,
    RecomputeIn,
    ReplyIn,
    SalesIn,
    TrackIn,
    TransitionIn,
    VerificationOut,
)
from zhijian.platform.actions import Action, action_routes
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.idempotency import idempotent
from zhijian.platform.openapi import PDF_ANSWER, PNG_ANSWER, SVG_ANSWER
from zhijian.platform.pagination import Limit, PageOut

router = APIRouter(prefix="/api/v1", tags=["consumer"])


# ---------------------------------------------------------------- complaints and reports (投诉举报)
@router.post("/complaints", response_model=ComplaintCreated, status_code=201)
@idempotent
def submit_complaint(data: ComplaintIn, session: SessionDep, actor: ActorDep) -> ComplaintCreated:
    """登记投诉或举报 — anyone; keep the tracking number and check code to follow the case."""
    c, code = service.submit_complaint(session, actor, data)
    return ComplaintCreated(id=c.id, kind=c.kind, tracking_no=c.tracking_no, check_code=code, state=c.state,
                            clock=service.clock(session, c).as_dict())


@router.post("/complaints/track")
def track_complaint(data: TrackIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """查询办理进度 — by tracking number + check code, without an account."""
    c = service.track(session, data.tracking_no, data.check_code)
    return service.present(session, actor, c, tracking=True)


@router.get("/complaints", response_model=PageOut[dict[str, Any]])
def list_complaints(session: SessionDep, actor: ActorDep, kind: str | None = None, state: str | None = None,
                    enterprise_id: int | None = None, q: str | None = None, hazard: bool | None = None,
                    limit: Limit = 50, cursor: str | None = None) -> PageOut[dict[str, Any]]:
    page = service.list_complaints(session, actor, kind=kind, state=state, enterprise_id=enterprise_id, q=q,
                                   hazard=hazard, limit=limit, cursor=cursor)
    return PageOut(items=[service.present(session, actor, c) for c in page.items], next_cursor=page.next_cursor,
                   limit=page.limit)


@router.get("/complaints/overdue")
def overdue_complaints(session: SessionDep, actor: ActorDep, on: dt.date | None = None) -> list[dict[str, Any]]:
    """超期案件 (staff)."""
    return [service.present(session, actor, c) for c in service.overdue(session, actor, on)]


_CASE = {"complaint_id": int}


def _case_step(method: str, path: str, name: str, call: Any, body: type[BaseModel] | None = None,
               doc: str | None = None, status_code: int | None = None) -> Action:
    """One thin step of a case: the service's answer shown as `service.present` shows it to the actor."""
    return Action(method, path, name, call, (), body=body, doc=doc, status_code=status_code,
                  present_for=service.present)


action_routes(
    router, _CASE,
    _case_step("GET", "/complaints/{complaint_id}", "get_complaint", service.get_complaint),
    _case_step("POST", "/complaints/{complaint_id}/transitions", "transition", service.transition, TransitionIn,
               "受理 / 不予受理 / 转企业 / 调解 / 处理决定 / 办结."),
    _case_step("POST", "/complaints/{complaint_id}/mediations", "add_mediation", service.add_mediation, MediationIn),
    _case_step("POST", "/complaints/{complaint_id}/replies", "reply",
               lambda s, a, cid, data: service.enterprise_reply(s, a, cid, data.text), ReplyIn),
    _case_step("POST", "/complaints/{complaint_id}/pauses", "start_pause",
               lambda s, a, cid, data: service.start_pause(s, a, cid, data.on, data.reason), PauseIn,
               "检测/鉴定开始 — the clock stops."),
    _case_step("POST", "/complaints/{complaint_id}/pauses/end", "end_pause",
               lambda s, a, cid, data: service.end_pause(s, a, cid, data.on), PauseIn),
    _case_step("POST", "/complaints/{complaint_id}/extension", "extend",
               lambda s, a, cid, data: service.extend_verification(s, a, cid, data.text), ReplyIn,
               "举报核查延长 15 个工作日."),
    _case_step("POST", "/complaints/{complaint_id}/payments", "payment",
               lambda s, a, cid, data: service.record_payment(s, a, cid, data.amount, data.paid_on), PaymentIn),
)


@router.post("/complaints/{complaint_id}/evidence", status_code=201)
async def upload_evidence(complaint_id: int, session: SessionDep, actor: ActorDep,
                          file: Annotated[UploadFile, File()],
                          tracking_no: Annotated[str | None, Form()] = None,
                          check_code: Annotated[str | None, Form()] = None) -> dict[str, Any]:
    """证据材料 — staff, or the complainant with tracking number + check code."""
    if tracking_no and check_code:
        c = service.track(session, tracking_no, check_code)
        if c.id != complaint_id:
            raise DomainError("complaint.not_found", "登记编号或查询码不正确", "tracking number or check code is wrong",
                              status=404)
    else:
        service.can_handle_cases(actor)
        c = service.get_complaint(session, actor, complaint_id)
    content = await file.read()
    ev = service.add_evidence(session, actor, c, file.filename or "file", content,
                              file.content_type or "application/octet-stream")
    return {"id": ev.id, "filename": ev.filename, "size": ev.size, "sha256": ev.sha256}


@router.get("/consumer/deadlines")
def get_deadlines(session: SessionDep) -> dict[str, int]:
    """投诉举报处理时限（工作日）."""
    return service.deadlines(session).as_dict()


@router.put("/consumer/deadlines")
def put_deadlines(data: DeadlinesIn, session: SessionDep, actor: ActorDep) -> dict[str, int]:
    return service.set_deadlines(session, actor, data.model_dump(exclude_none=True)).as_dict()


# ---------------------------------------------------------------- credit (质量诚信)
@router.post("/credit/recompute", response_model=list[CreditOut])
def recompute(data: RecomputeIn, session: SessionDep, actor: ActorDep) -> list[CreditOut]:
    rows = service.recompute_credit(session, actor, enterprise_ids=data.enterprise_ids, as_of=data.as_of)
    return [service.credit_dict(a) for a in rows]


@router.get("/credit", response_model=list[CreditOut])
def credit_overview(session: SessionDep, actor: ActorDep, credit_class: Literal["A", "B", "C", "D"] | None = None
                    ) -> list[CreditOut]:
    return service.credit_overview(session, actor, credit_class=credit_class)


@router.get("/credit/model")
def get_model(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The published scoring model (transparent: anyone may read it)."""
    return service.credit_model(session).as_dict()


@router.put("/credit/model")
def put_model(data: dict[str, Any], session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    return service.set_credit_model(session, actor, data).as_dict()


@router.get("/credit/{enterprise_id}", response_model=list[CreditOut])
def credit_history(enterprise_id: int, session: SessionDep, actor: ActorDep) -> list[CreditOut]:
    """An enterprise's assessments, newest first, each with its breakdown (staff and the enterprise itself)."""
    return [service.credit_dict(a) for a in service.credit_history(session, actor, enterprise_id)]


@router.post("/penalties", status_code=201)
def add_penalty(data: PenaltyIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    p = service.add_penalty(session, actor, data)
    return {"id": p.id, **data.model_dump()}


@router.get("/penalties")
def list_penalties(session: SessionDep, actor: ActorDep, enterprise_id: int | None = None) -> list[dict[str, Any]]:
    return [{"id": p.id, "enterprise_id": p.enterprise_id, "decision_no": p.decision_no, "decided_on": p.decided_on,
             "authority": p.authority, "severity": p.severity, "reason": p.reason, "amount": p.amount}
            for p in service.list_penalties(session, actor, enterprise_id)]


@router.put("/enterprises/{enterprise_id}/sales", status_code=204)
def put_sales(enterprise_id: int, data: SalesIn, session: SessionDep, actor: ActorDep) -> Response:
    service.set_sales(session, actor, enterprise_id, data.year, data.sales_10m_yuan)
    return Response(status_code=204)


# ---------------------------------------------------------------- certificates (认证证书)
def _cert_out(c: Any) -> CertificateOut:
    out = CertificateOut.model_validate(c)
    out.effective_status = rules.effective_status(c.status, c.valid_until, service.today())
    return out


@router.get("/certification-bodies")
def list_bodies(session: SessionDep) -> list[dict[str, Any]]:
    return [{"id": b.id, "name": b.name, "approval_no": b.approval_no, "accredited": b.accredited, "kinds": b.kinds}
            for b in service.list_bodies(session)]


@router.post("/certification-bodies", status_code=201)
def create_body(data: BodyIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    b = service.create_body(session, actor, data)
    return {"id": b.id, **data.model_dump()}


@router.get("/certificates", response_model=PageOut[CertificateOut])
def list_certificates(session: SessionDep, actor: ActorDep, q: str | None = None, kind: str | None = None,
                      holder_id: int | None = None, status: str | None = None, limit: Limit = 50,
                      cursor: str | None = None) -> PageOut[CertificateOut]:
    page = service.list_certificates(session, actor, q=q, kind=kind, holder_id=holder_id, status=status, limit=limit,
                                     cursor=cursor)
    return PageOut(items=[_cert_out(c) for c in page.items], next_cursor=page.next_cursor, limit=page.limit)


@router.post("/certificates", response_model=CertificateOut, status_code=201)
def create_certificate(data: CertificateIn, session: SessionDep, actor: ActorDep) -> CertificateOut:
    return _cert_out(service.create_certificate(session, actor, data))


@router.post("/certificates/import")
@idempotent
async def import_certificates(session: SessionDep, actor: ActorDep, file: Annotated[UploadFile, File()]
                              ) -> dict[str, int]:
    """批量导入 CSV / Excel — all or nothing; errors name the row and the column."""
    service.can_manage_certificates(actor)
    rows = service.parse_certificate_file(file.filename or "", await file.read())
    return service.import_certificates(session, actor, rows)


@router.get("/certificates/verify", response_model=VerificationOut)
def verify_certificate(session: SessionDep, number: str, holder: str | None = None,
                       product: str | None = None) -> VerificationOut:
    """公开验证 — valid or not, and why (unknown number, expired, holder or scope mismatch, body not accredited)."""
    v, cert = service.verify_certificate(session, number, holder=holder, product=product)
    return VerificationOut(number=v.number, valid=v.valid, verdict_zh=v.verdict_zh, status=v.status,
                           findings=[f.__dict__ for f in v.findings],
                           certificate=_cert_out(cert).model_dump(mode="json") if cert else None)


@router.get("/certificates/{number}", response_model=CertificateOut)
def get_certificate(number: str, session: SessionDep) -> CertificateOut:
    return _cert_out(service.get_certificate(session, number))


@router.post("/certificates/{number}/status", response_model=CertificateOut)
def set_status(number: str, data: CertificateStatusIn, session: SessionDep, actor: ActorDep) -> CertificateOut:
    return _cert_out(service.set_certificate_status(session, actor, number, data.status, data.reason))


@router.get("/certificates/{number}/qr.svg", response_class=Response, responses=SVG_ANSWER)
def certificate_qr(number: str, request: Request, session: SessionDep) -> Response:
    cert = service.get_certificate(session, number)
    return Response(service.certificate_qr_svg(cert.number, str(request.base_url)), media_type="image/svg+xml")


# ---------------------------------------------------------------- enterprise standard declarations
@router.get("/declarations", response_model=PageOut[DeclarationOut])
def list_declarations(session: SessionDep, actor: ActorDep, overall: str | None = None,
                      enterprise_id: int | None = None, category_id: int | None = None, q: str | None = None,
                      limit: Limit = 50, cursor: str | None = None) -> PageOut[DeclarationOut]:
    page = service.list_declarations(session, actor, overall=overall, enterprise_id=enterprise_id,
                                     category_id=category_id, q=q, limit=limit, cursor=cursor)
    return PageOut(items=[service.declaration_dict(session, d) for d in page.items],
                   next_cursor=page.next_cursor, limit=page.limit)


@router.post("/declarations", response_model=DeclarationOut, status_code=201)
def declare(data: DeclarationIn, session: SessionDep, actor: ActorDep) -> DeclarationOut:
    """企业标准自我声明公开 — checked at once against the mandatory national standard."""
    return service.declaration_dict(session, service.declare_standard(session, actor, data))


@router.get("/declarations/{decl_id}", response_model=DeclarationOut)
def get_declaration(decl_id: int, session: SessionDep, actor: ActorDep) -> DeclarationOut:
    return service.declaration_dict(session, service.get_declaration(session, actor, decl_id))


@router.post("/declarations/{decl_id}/recheck", response_model=DeclarationOut)
def recheck(decl_id: int, session: SessionDep, actor: ActorDep) -> DeclarationOut:
    return service.declaration_dict(session, service.recheck_declaration(session, actor, decl_id))


@router.post("/declarations/{decl_id}/withdraw", response_model=DeclarationOut)
def withdraw(decl_id: int, session: SessionDep, actor: ActorDep) -> DeclarationOut:
    return service.declaration_dict(session, service.withdraw_declaration(session, actor, decl_id))


# ---------------------------------------------------------------- comparative tests (比较试验)
@router.get("/comparative-tests")
def list_tests(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return [{"id": t.id, "title": t.title, "product_type": t.product_type, "status": t.status,
             "tested_on": t.tested_on, "published_on": t.published_on}
            for t in service.list_comparative_tests(session, actor)]


@router.post("/comparative-tests", status_code=201)
def create_test(data: ComparativeIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    t = service.create_comparative_test(session, actor, data)
    return service.comparative_report(session, actor, t.id)


@router.get("/comparative-tests/{test_id}")
def get_test(test_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Results, per-item ranks and scores, weighted overall score and rank."""
    return service.comparative_report(session, actor, test_id)


@router.post("/comparative-tests/{test_id}/publish")
def publish_test(test_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    service.publish_comparative_test(session, actor, test_id)
    return service.comparative_report(session, actor, test_id)


@router.get("/comparative-tests/{test_id}/chart/{kind}.png", response_class=Response, responses=PNG_ANSWER)
def chart(test_id: int, kind: Literal["bar", "radar"], session: SessionDep, actor: ActorDep) -> Response:
    rep = service.comparative_report(session, actor, test_id)
    png = report_mod.bar_chart(rep) if kind == "bar" else report_mod.radar_chart(rep)
    return Response(png, media_type="image/png")


@router.get("/comparative-tests/{test_id}/report.pdf", response_class=Response, responses=PDF_ANSWER)
def report_pdf(test_id: int, session: SessionDep, actor: ActorDep) -> Response:
    rep = service.comparative_report(session, actor, test_id)
    return Response(report_mod.pdf_report(rep), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="comparative-{test_id}.pdf"'})


# ---------------------------------------------------------------- issue 15: enterprise path, procedure, conveniences
from zhijian.consumer import notifications, procedure  # noqa: E402
from zhijian.consumer.schemas import (  # noqa: E402
    AssignIn,
    CaseExtensionIn,
    CodeRequestIn,
    CodeVerifyIn,
    ConsentIn,
    ConsumerResponseIn,
    EnterpriseResponseIn,
    GuidanceIn,
    LeadIn,
    LinkIn,
    SatisfactionIn,
    SplitIn,
)


@router.get("/complaint-grounds")
def complaint_grounds() -> dict[str, Any]:
    """法定事由: 不予受理 (《暂行办法》第十五条) and 终止调解 (第二十一条), as codes with their article."""
    return {k: [{"code": g.code, "article": g.article, "zh": g.zh, "en": g.en} for g in table.values()]
            for k, table in (("non_acceptance", procedure.NON_ACCEPTANCE), ("termination", procedure.TERMINATION))}


action_routes(
    router, _CASE,
    _case_step("POST", "/complaints/{complaint_id}/link", "link_respondent", service.link_respondent, LinkIn,
               "关联被投诉企业 — staff confirm a candidate or choose the registered enterprise."),
    _case_step("POST", "/complaints/{complaint_id}/assignee", "assign",
               lambda s, a, cid, data: service.assign_case(s, a, cid, data.assignee_user_id), AssignIn,
               "指定承办人 (issue 13) — the only one who sees a reporter's identity."),
    _case_step("POST", "/complaints/{complaint_id}/enterprise-response", "enterprise_response",
               service.enterprise_respond, EnterpriseResponseIn,
               "企业处理 — the respondent answers, proposes a settlement or declines with reasons."),
    _case_step("POST", "/complaints/{complaint_id}/consents", "consent", service.record_consent, ConsentIn,
               "调解意愿 (《暂行办法》第十六条)."),
    _case_step("POST", "/complaints/{complaint_id}/leads", "hand_over_lead", service.hand_over_lead, LeadIn,
               "违法线索移交举报程序 (《暂行办法》第二十三条).", status_code=201),
    _case_step("POST", "/complaints/{complaint_id}/case-extensions", "case_extension", service.extend_case,
               CaseExtensionIn, "延长办案期限 (立案后九十日; 《市场监督管理行政处罚程序规定》)."),
)


@router.post("/complaints/respond")
def consumer_response(data: ConsumerResponseIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The complainant (tracking number + check code) accepts the enterprise's answer or asks for mediation."""
    return service.present(session, actor, service.consumer_respond(session, data), tracking=True)


@router.post("/complaints/{complaint_id}/termination-notice")
def termination_notice(complaint_id: int, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """终止调解告知 (《暂行办法》第二十一条, within 7 working days)."""
    text = service.send_termination_notice(session, actor, complaint_id)
    return {"notice": text} | service.present(session, actor, service.get_complaint(session, actor, complaint_id))


@router.post("/complaints/{complaint_id}/split", status_code=201)
def split(complaint_id: int, data: SplitIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """投诉举报分别处理 (《暂行办法》第七条); the new report's check code is shown once."""
    r, code = service.split_report(session, actor, complaint_id, data)
    return {"check_code": code} | service.present(session, actor, r)


@router.post("/complaints/{complaint_id}/compensation")
def compensation_guidance(complaint_id: int, data: GuidanceIn, session: SessionDep,
                          actor: ActorDep) -> list[dict[str, Any]]:
    """赔偿测算 (消法第五十五条, 食安法第一百四十八条) — guidance for the mediator; `record` keeps it on the case."""
    return service.compensation_guidance(session, actor, complaint_id, data)


@router.post("/contact/codes", status_code=202)
def request_code(data: CodeRequestIn, session: SessionDep) -> dict[str, str]:
    """Send a one-time code to the complainant's e-mail (or phone)."""
    service.request_code(session, data)
    return {"status": "sent"}


@router.post("/contact/verify")
def verify_code(data: CodeVerifyIn, session: SessionDep) -> dict[str, str]:
    """Check the code; the token proves the contact (for filing and for "my complaints")."""
    return {"token": service.verify_code(session, data)}


@router.get("/contact/complaints")
def my_complaints(session: SessionDep, actor: ActorDep, token: str) -> list[dict[str, Any]]:
    """我的投诉 — the cases filed with the verified contact."""
    return [service.present(session, actor, c, tracking=True) for c in service.my_complaints(session, token)]


@router.post("/complaints/satisfaction")
def satisfaction(data: SatisfactionIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """满意度评价 at closing (1–5)."""
    return service.present(session, actor, service.rate_satisfaction(session, data), tracking=True)


@router.get("/complaint-stats/satisfaction")
def satisfaction_stats(session: SessionDep, actor: ActorDep) -> list[service.RegulatorSatisfaction]:
    """满意度 per handling regulator (staff)."""
    return service.satisfaction_stats(session, actor)


@router.get("/notifications")
def inbox(session: SessionDep, actor: ActorDep, unread: bool = False) -> list[dict[str, Any]]:
    """站内通知 — the acting user's inbox (own, organization and role messages)."""
    return notifications.inbox(session, actor, unread_only=unread)


@router.post("/notifications/{notification_id}/read", status_code=204)
def read_notification(notification_id: int, session: SessionDep, actor: ActorDep) -> Response:
    notifications.mark_read(session, actor, notification_id)
    return Response(status_code=204)


class ListingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["serious", "abnormal"]
    listed_on: dt.date
    reason: str = Field("", max_length=500)
    decision_no: str = Field("", max_length=64)
    authority: str = Field("", max_length=200)


class RemovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    removal: Literal["repair", "expiry", "error"]
    note: str = Field("", max_length=500)
    on: dt.date | None = None


@router.post("/credit/{enterprise_id}/listings", status_code=201)
def add_listing(enterprise_id: int, data: ListingIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """列入严重违法失信名单 / 经营异常名录 (regulators)."""
    row = service.add_listing(session, actor, enterprise_id=enterprise_id, **data.model_dump())
    return {"id": row.id, "kind": row.kind, "listed_on": row.listed_on}


@router.get("/credit/{enterprise_id}/listings")
def list_listings(enterprise_id: int, session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    return service.listings(session, actor, enterprise_id)


@router.post("/credit/listings/{listing_id}/removal")
def remove_listing(listing_id: int, data: RemovalIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """信用修复 / 移出 (regulators), kept with its grounds."""
    row = service.remove_listing(session, actor, listing_id, removal=data.removal, note=data.note, on=data.on)
    return {"id": row.id, "removal": row.removal, "removed_on": row.removed_on}


class LeaderListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    list_name: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2000, le=2100)
    entries: list[dict[str, Any]] = Field(min_length=1, max_length=100000)


@router.post("/leader-list", status_code=201)
def import_leader_list(data: LeaderListIn, session: SessionDep, actor: ActorDep) -> dict[str, int]:
    """导入企业标准"领跑者"名单 — entries `{standard_code, enterprise_name, product}`; declarations rechecked see it."""
    return {"imported": service.import_leader_list(session, actor, data.list_name, data.year, data.entries)}
