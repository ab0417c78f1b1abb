"""Consumer-room use cases: the only place that writes complaints, credit, certificates, declarations and
comparative tests. API, CLI, pages and the demo loader all call these functions.

Other rooms are read only through `room_module(room, "service")` (an absent room means "no data").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Organization, Product, Standard
from zhijian.consumer import rules
from zhijian.consumer.models import (
    AdministrativePenalty,
    Certificate,
    CertificationBody,
    ComparativeSample,
    ComparativeTest,
    Complaint,
    ComplaintEvent,
    ComplaintEvidence,
    ComplaintPause,
    ConsumerSetting,
    CreditAssessment,
    EnterpriseSales,
    StandardDeclaration,
)
from zhijian.consumer.schemas import (
    BodyIn,
    CertificateIn,
    ComparativeIn,
    ComplaintIn,
    DeclarationIn,
    MediationIn,
    PenaltyIn,
    TransitionIn,
)
from zhijian.platform import audit, jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush, like_pattern
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from zhijian.platform.events import publish
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.rooms import room_module

CN = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today in China (deadlines are counted on the PRC calendar)."""
    return dt.datetime.now(CN).date()


# ====================================================================== policy (one place for the room)


def can_handle(actor: Actor, c: Complaint | None = None) -> bool:
    """投诉举报的办理方: admin, or a market regulator whose division (管辖) covers the case.

    The room's own policy, not `Actor.is_staff`: the association is staff elsewhere but never handles
    complaints or reports (举报人信息保密, 《市场监督管理投诉举报处理暂行办法》第三十三条)."""
    if actor.role == "admin":
        return True
    return actor.role == "regulator" and (c is None or jurisdiction.covers(actor, c.region_code))


def can_handle_cases(actor: Actor) -> None:
    """受理、调解、办结: market regulators (admin always); the case itself is checked by `get_complaint`."""
    actor.require("regulator")


def can_read_case(actor: Actor, c: Complaint) -> None:
    """Regulators read the cases of their division (404 outside it); an enterprise reads complaints against it
    (never reports: 举报人保护); the association and labs read none."""
    if actor.role == "admin":
        return
    if actor.role == "regulator":
        jurisdiction.ensure_covers(actor, c.region_code, "投诉举报", "complaint")
        return
    if actor.role == "enterprise" and c.kind == "complaint" and actor.owns(c.respondent_id):
        return
    if actor.is_public:
        actor.require("regulator")
    raise NotFound("complaint", c.id)


def can_see_contact(actor: Actor, c: Complaint | None = None) -> bool:
    """Phone and address of a complainant: the handling regulators only (个人信息)."""
    return can_handle(actor, c)


def can_see_reporter(actor: Actor, c: Complaint) -> bool:
    """举报人身份 (name, phone, address, e-mail): only the handler assigned to the report; every other viewer,
    admin included, sees it masked. A complaint's complainant is seen by every handler of the division."""
    if c.kind != "report":
        return can_handle(actor, c)
    return (actor.role == "regulator" and actor.user_id is not None and actor.user_id == c.assignee_user_id
            and jurisdiction.covers(actor, c.region_code))


def _region_filter(actor: Actor, *columns: Any) -> Any:
    """The WHERE clause of a regulator's division (None: no restriction)."""
    return jurisdiction.region_clause(actor, *columns)


def ensure_enterprise_covered(session: Session, actor: Actor, enterprise_id: int) -> None:
    """A regional regulator acts only on enterprises registered in its division (404 outside, as not found)."""
    if jurisdiction.regional_prefix(actor) is None:
        return
    region = session.scalar(select(Organization.region_code).where(Organization.id == enterprise_id))
    jurisdiction.ensure_covers(actor, region, "企业", "enterprise")


def can_manage_credit(actor: Actor) -> None:
    """Recomputing classes steers the regulators' 双随机 draws: regulators only (not the association)."""
    actor.require("regulator")


def can_read_credit(actor: Actor, enterprise_id: int) -> None:
    """信用分类 results are for supervision: staff, and the enterprise its own (regulators: in their division,
    checked with `ensure_enterprise_covered`)."""
    if actor.is_staff or (actor.role == "enterprise" and actor.owns(enterprise_id)):
        return
    actor.require("regulator", "association")
    raise PermissionDenied("只能查看本企业的信用评价", "you may only see your own enterprise's credit assessment")


def can_manage_certificates(actor: Actor) -> None:
    actor.require("regulator", "association")


def can_declare(actor: Actor, enterprise_id: int) -> None:
    if actor.is_staff:
        return
    if actor.role == "enterprise" and actor.owns(enterprise_id):
        return
    actor.require("regulator", "association", "enterprise")
    raise PermissionDenied("企业只能声明本企业的标准", "an enterprise may only declare its own standards")


def can_manage_comparative(actor: Actor) -> None:
    actor.require("association", "regulator")


# ====================================================================== settings (deadlines and model as data)

_DEADLINES = "deadlines"
_CREDIT_MODEL = "credit_model"


def _setting(session: Session, key: str) -> dict[str, Any]:
    row = session.scalar(select(ConsumerSetting).where(ConsumerSetting.key == key))
    return dict(row.value or {}) if row else {}


def _put_setting(session: Session, key: str, value: dict[str, Any]) -> None:
    row = session.scalar(select(ConsumerSetting).where(ConsumerSetting.key == key))
    if row is None:
        session.add(ConsumerSetting(key=key, value=value))
    else:
        row.value = value
    flush(session, "consumer_setting")


def deadlines(session: Session) -> rules.Deadlines:
    return rules.Deadlines.from_dict(_setting(session, _DEADLINES))


def set_deadlines(session: Session, actor: Actor, values: dict[str, int]) -> rules.Deadlines:
    """Change the statutory deadlines (e.g. after a rule change) and re-clock every open case."""
    actor.require("admin")
    merged = deadlines(session).as_dict() | {k: v for k, v in values.items() if v is not None}
    new = rules.Deadlines.from_dict(merged)
    _put_setting(session, _DEADLINES, new.as_dict())
    refresh_clocks(session)
    return new


def credit_model(session: Session) -> rules.CreditModel:
    return rules.CreditModel.from_dict(_setting(session, _CREDIT_MODEL))


def draw_weights(session: Session) -> dict[str, float]:
    """Contract: the 双随机 weight of each credit class (A lowest … D highest, all different), from the model."""
    return dict(credit_model(session).draw_weights)


def set_credit_model(session: Session, actor: Actor, values: dict[str, Any]) -> rules.CreditModel:
    actor.require("admin", "regulator")
    merged = credit_model(session).as_dict() | values
    model = rules.CreditModel.from_dict(merged)
    _put_setting(session, _CREDIT_MODEL, model.as_dict())
    return model


# ====================================================================== complaints and reports (投诉举报)

_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _check_hash(tracking_no: str, code: str) -> str:
    return hashlib.sha256(f"{tracking_no}:{code.strip().upper()}".encode()).hexdigest()


def _new_tracking_no(session: Session, kind: str, on: dt.date) -> str:
    prefix = "TS" if kind == "complaint" else "JB"
    for _ in range(20):
        no = f"{prefix}{on:%Y%m%d}{secrets.randbelow(10**6):06d}"
        if session.scalar(select(Complaint.id).where(Complaint.tracking_no == no)) is None:
            return no
    raise Conflict("complaint.tracking_exhausted", "无法生成唯一的登记编号，请重试", "could not allocate a tracking number")


def _case_dates(session: Session, c: Complaint) -> rules.CaseDates:
    pauses = tuple((p.start_on, p.end_on) for p in session.scalars(
        select(ComplaintPause).where(ComplaintPause.complaint_id == c.id).order_by(ComplaintPause.start_on)))
    return rules.CaseDates(c.kind, c.state, c.received_on, c.accepted_on, c.decided_on, c.extended,
                           not c.anonymous and bool(c.complainant_phone or c.complainant_address), pauses)


def clock(session: Session, c: Complaint, on: dt.date | None = None) -> rules.Clock:
    return rules.case_clock(_case_dates(session, c), deadlines(session), on or today())


def _reclock(session: Session, c: Complaint, rules_: rules.Deadlines | None = None) -> None:
    ck = rules.case_clock(_case_dates(session, c), rules_ or deadlines(session), today())
    c.due_kind = ck.kind
    c.due_on = None if ck.paused else ck.due_on
    c.paused = ck.paused
    if c.state == "closed" and c.notice_due_on is not None and c.notice_sent_on is None:
        c.due_kind, c.due_on = "notice", c.notice_due_on  # 终止调解告知 within 7 working days (Art. 21)


def refresh_clocks(session: Session) -> int:
    """Recompute the stored due dates of every open case (after a deadline or calendar change)."""
    d = deadlines(session)
    n = 0
    for c in session.scalars(select(Complaint).where(Complaint.state.not_in(("rejected", "closed")))):
        _reclock(session, c, d)
        n += 1
    flush(session, "complaint")
    return n


def place(session: Session, c: Complaint) -> str | None:
    """Keep the case's division current (filing, respondent link or re-link, acceptance): `rules.case_region`
    of the respondent's registered region, the complainant's region, the (non-national) handling organization's."""
    resp = session.get(Organization, c.respondent_id) if c.respondent_id else None
    handler = session.get(Organization, c.handler_org_id) if c.handler_org_id else None
    handler_region = handler.region_code if handler is not None and handler.level != "national" else None
    c.region_code = rules.case_region(resp.region_code if resp else None, c.complainant_region, handler_region)
    return c.region_code


def _event(session: Session, c: Complaint, actor: Actor, kind: str, on: dt.date, *, note: str = "",
           from_state: str | None = None, to_state: str | None = None, public: bool = True,
           data: dict[str, Any] | None = None) -> None:
    session.add(ComplaintEvent(complaint_id=c.id, event_on=on, kind=kind, from_state=from_state, to_state=to_state,
                               note=note, public=public, actor=actor.label, data=data or {}))


def submit_complaint(session: Session, actor: Actor, data: ComplaintIn) -> tuple[Complaint, str]:
    """登记投诉/举报 — anyone may file; returns the case and its check code (shown once)."""
    from zhijian.catalog import rules as catalog_rules

    received = data.received_on or today()
    if data.received_on is not None and not actor.is_staff:
        raise PermissionDenied("只有工作人员可以补录登记日期", "only staff may set the date of receipt")
    if received > today():
        raise DomainError("complaint.future_date", "登记日期不能晚于今天", "date of receipt is in the future",
                          field="received_on")
    product = None
    if data.product_id is not None:
        product = session.get(Product, data.product_id)
        if product is None or (not product.is_public and not actor.is_staff):
            raise NotFound("product", data.product_id, field="product_id")
    respondent_id = data.respondent_id or (product.enterprise_id if product else None)
    respondent = session.get(Organization, respondent_id) if respondent_id else None
    if respondent_id and (respondent is None or respondent.kind != "enterprise"):
        raise NotFound("enterprise", respondent_id, field="respondent_id")
    if data.category_id is not None and session.get(Category, data.category_id) is None:
        raise NotFound("category", data.category_id, field="category_id")
    if respondent is None and not data.respondent_name.strip():
        raise DomainError("complaint.respondent_required", "请填写被投诉（举报）人名称",
                          "the respondent (name or id) is required", field="respondent_name")
    if data.kind == "complaint":
        # 办法 第九条: 投诉应当提供投诉人姓名、电话、地址，被投诉人，具体的投诉请求以及消费者权益争议事实
        for fld, zh in (("complainant_name", "姓名"), ("complainant_phone", "联系电话"),
                        ("complainant_address", "地址")):
            if not getattr(data, fld).strip():
                raise DomainError("complaint.missing_field", f"投诉须提供投诉人{zh}", f"a complaint needs the {fld}",
                                  field=fld)
        if not data.requests:
            raise DomainError("complaint.request_required", "请选择投诉请求（退货、更换、修理、赔偿等）",
                              "choose at least one request (refund, replacement, repair, compensation)",
                              field="requests")
        if data.anonymous:
            raise DomainError("complaint.anonymous", "投诉不能匿名（举报可以匿名）",
                              "a complaint cannot be anonymous (a report can)", field="anonymous")
    if data.complainant_region:
        catalog_rules.parse_region(data.complainant_region, field="complainant_region")
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
    tracking = _new_tracking_no(session, data.kind, received)
    words = rules.hazard_words(data.facts + " " + data.product_text)
    c = Complaint(
        kind=data.kind, tracking_no=tracking, check_hash=_check_hash(tracking, code), state="received",
        channel=data.channel, received_on=received,
        complainant_name="" if data.anonymous else data.complainant_name.strip(),
        complainant_phone="" if data.anonymous else data.complainant_phone.strip(),
        complainant_address="" if data.anonymous else data.complainant_address.strip(),
        complainant_region=data.complainant_region, anonymous=data.anonymous,
        respondent_id=respondent.id if respondent else None,
        respondent_name=respondent.name if respondent else data.respondent_name.strip(),
        respondent_address=(respondent.address if respondent else "") or data.respondent_address,
        product_id=product.id if product else None,
        product_text=data.product_text or (f"{product.name} {product.model}".strip() if product else ""),
        category_id=data.category_id or (product.category_id if product else None),
        purchase_date=data.purchase_date, purchase_place=data.purchase_place, facts=data.facts,
        requests=list(data.requests), request_amount=data.request_amount, hazard=bool(words))
    session.add(c)
    flush(session, "complaint")
    place(session, c)
    after_submit(session, actor, c, data, code)  # issue 15: matching, contact, three-year date, Art. 7 split
    place(session, c)  # issue 13: the respondent may have been matched
    _event(session, c, actor, "transition", received, to_state="received",
           note=f"{rules.KIND_ZH[c.kind]}已登记" + (f"；危害词：{'、'.join(words)}" if words else ""))
    _reclock(session, c)
    flush(session, "complaint")
    return c, code


def get_complaint(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None:
        raise NotFound("complaint", complaint_id)
    can_read_case(actor, c)
    return c


def track(session: Session, tracking_no: str, check_code: str) -> Complaint:
    """查询进度 — the complainant's view by tracking number + check code (same answer for a wrong code)."""
    c = session.scalar(select(Complaint).where(Complaint.tracking_no == tracking_no.strip().upper()))
    expected = c.check_hash if c is not None else "0" * 64
    ok = hmac.compare_digest(expected, _check_hash(tracking_no.strip().upper(), check_code))
    if c is None or not ok:
        raise DomainError("complaint.not_found", "登记编号或查询码不正确", "tracking number or check code is wrong",
                          status=404)
    return c


def _transition(session: Session, actor: Actor, c: Complaint, target: str, on: dt.date, note: str,
                data: dict[str, Any] | None = None) -> None:
    rules.check_transition(c.kind, c.state, target)
    if on < c.received_on:
        raise DomainError("complaint.bad_date", "日期不能早于登记日期", "date is before the date of receipt", field="on")
    before = c.state
    c.state = target
    _event(session, c, actor, "transition", on, from_state=before, to_state=target, note=note, data=data)


def transition(session: Session, actor: Actor, complaint_id: int, t: TransitionIn) -> Complaint:
    """受理 / 不予受理 / 转企业 / 调解 / 处理决定 / 办结 — one state change with what it needs."""
    can_handle_cases(actor)
    lock_for_update(session, Complaint, complaint_id)  # concurrent transitions of one case: one at a time
    c = get_complaint(session, actor, complaint_id)
    on = t.on or today()
    if on > today():
        raise DomainError("complaint.future_date", "日期不能晚于今天", "date is in the future", field="on")
    rules.check_transition(c.kind, c.state, t.to)
    if t.to == "rejected":
        if not t.reason.strip():
            raise DomainError("complaint.reason_required", "不予受理须说明理由", "a rejection needs a reason",
                              field="reason")
        c.rejected_reason = t.reason.strip()
        c.closed_on = on
        if c.kind == "complaint":  # 《暂行办法》第十五条: coded ground and the written notice
            notice = rejection(c, t.reason_code, t.reason.strip(), on)
            _event(session, c, actor, "notice", on, note=notice, data={"reason_code": c.rejected_code})
    elif t.to == "accepted":
        check_acceptance(c)
        c.accepted_on = on
        c.handler_org_id = c.handler_org_id or actor.organization_id
        c.region_code = c.region_code or place(session, c)
    elif t.to == "forwarded":
        if c.respondent_id is None:
            raise DomainError("complaint.no_respondent", "被投诉人未登记为企业，不能转企业处理（请先关联登记企业）",
                              "the respondent is not a registered enterprise (link it first)", field="to")
        c.forwarded_on = on
        on_forwarded(session, c, on)
    elif t.to == "mediating":
        procedure.check_consent(c.consent_complainant, c.consent_respondent)  # 《暂行办法》第十六条
    elif t.to == "decided":
        if t.decision is None:
            raise DomainError("complaint.decision_required", "须选择处理决定（立案 / 不予立案）",
                              "a decision (filed / not_filed) is required", field="decision")
        c.decision = t.decision
        c.decided_on = on
        if t.decision == "filed":
            on_filed(session, c, on)
        if t.justified is not None:
            c.justified = t.justified
    elif t.to == "closed":
        if c.kind == "complaint":
            if t.outcome is None:
                raise DomainError("complaint.outcome_required", "办结投诉须记录处理结果", "closing needs an outcome",
                                  field="outcome")
            if t.outcome == "agreement" and not t.agreement.strip():
                raise DomainError("complaint.agreement_required", "调解成功须记录调解协议内容",
                                  "an agreement outcome needs the agreement text", field="agreement")
            if t.outcome in ("agreement", "no_agreement", "terminated") and c.state != "mediating":
                raise DomainError("complaint.not_mediated", "只有调解中的投诉才能以调解结果办结",
                                  "only a case in mediation can close with a mediation outcome", field="outcome")
            on_closed(session, c, t.outcome, t.termination_code, on)  # 《暂行办法》第二十一条
            c.outcome = t.outcome
            c.agreement = t.agreement.strip()
            if t.compensation_agreed is not None:
                c.compensation_agreed = t.compensation_agreed
            if t.justified is not None:
                c.justified = t.justified
            elif t.outcome in ("agreement", "resolved_by_enterprise"):
                c.justified = True
        c.closed_on = on
        if any(p.end_on is None for p in session.scalars(select(ComplaintPause).where(
                ComplaintPause.complaint_id == c.id))):
            raise DomainError("complaint.paused", "检测尚未结束，不能办结", "a test is still running", field="to")
    _transition(session, actor, c, t.to, on, t.note or t.reason,
                {k: v for k, v in {"outcome": t.outcome, "decision": t.decision,
                                   "compensation_agreed": t.compensation_agreed}.items() if v is not None})
    _reclock(session, c)
    flush(session, "complaint")
    return c


def add_mediation(session: Session, actor: Actor, complaint_id: int, m: MediationIn) -> Complaint:
    """调解记录 — one mediation session (date, place, participants, what was said)."""
    can_handle_cases(actor)
    c = get_complaint(session, actor, complaint_id)
    if c.state != "mediating":
        raise DomainError("complaint.not_mediating", "只有调解中的投诉可以记录调解", "the case is not in mediation",
                          field="state", status=409)
    if m.held_on < (c.accepted_on or c.received_on) or m.held_on > today():
        raise DomainError("complaint.bad_date", "调解日期应在受理之后、今天之前", "session date out of range",
                          field="held_on")
    _event(session, c, actor, "mediation", m.held_on, note=m.summary,
           data={"place": m.place, "participants": m.participants})
    flush(session, "complaint_event")
    return c


def enterprise_reply(session: Session, actor: Actor, complaint_id: int, text: str) -> Complaint:
    """企业答复 — the respondent answers a complaint forwarded to it."""
    c = get_complaint(session, actor, complaint_id)
    if not (actor.role == "enterprise" and actor.owns(c.respondent_id)) and not actor.is_staff:
        raise PermissionDenied("只有被投诉企业可以答复", "only the respondent enterprise may reply")
    if c.state not in ("forwarded", "mediating"):
        raise DomainError("complaint.not_forwarded", "投诉尚未转交企业", "the complaint has not been forwarded",
                          status=409, field="state")
    _event(session, c, actor, "reply", today(), note=text)
    flush(session, "complaint_event")
    return c


def start_pause(session: Session, actor: Actor, complaint_id: int, on: dt.date, reason: str) -> Complaint:
    """检测/鉴定开始 — stops the mediation (or verification) clock."""
    can_handle_cases(actor)
    c = get_complaint(session, actor, complaint_id)
    if c.state not in ("accepted", "forwarded", "mediating"):
        raise DomainError("complaint.cannot_pause", "只有受理后、办结前的案件可以暂停计时（检测）",
                          "only an accepted, open case can stop its clock for testing", status=409, field="state")
    if any(p.end_on is None for p in session.scalars(select(ComplaintPause).where(
            ComplaintPause.complaint_id == c.id))):
        raise Conflict("complaint.already_paused", "检测已在进行中", "a test is already running")
    if on < (c.accepted_on or c.received_on) or on > today():
        raise DomainError("complaint.bad_date", "检测开始日期应在受理之后、今天之前", "pause date out of range", field="on")
    session.add(ComplaintPause(complaint_id=c.id, reason=reason, start_on=on))
    _event(session, c, actor, "pause", on, note=f"{reason}开始，计时暂停")
    flush(session, "complaint_pause")
    _reclock(session, c)
    return c


def end_pause(session: Session, actor: Actor, complaint_id: int, on: dt.date) -> Complaint:
    can_handle_cases(actor)
    c = get_complaint(session, actor, complaint_id)
    p = session.scalar(select(ComplaintPause).where(ComplaintPause.complaint_id == c.id,
                                                    ComplaintPause.end_on.is_(None)))
    if p is None:
        raise Conflict("complaint.not_paused", "没有进行中的检测", "no test is running")
    if on < p.start_on or on > today():
        raise DomainError("complaint.bad_date", "检测结束日期应在开始之后、今天之前", "end date out of range", field="on")
    p.end_on = on
    _event(session, c, actor, "resume", on, note=f"{p.reason}结束，恢复计时")
    flush(session, "complaint_pause")
    _reclock(session, c)
    return c


def extend_verification(session: Session, actor: Actor, complaint_id: int, note: str) -> Complaint:
    """举报核查延长 15 个工作日 (经负责人批准)."""
    can_handle_cases(actor)
    c = get_complaint(session, actor, complaint_id)
    if c.kind != "report" or c.state not in ("received", "accepted"):
        raise DomainError("complaint.cannot_extend", "只有核查中的举报可以延长核查期限",
                          "only a report being verified can be extended", status=409, field="state")
    if c.extended:
        raise Conflict("complaint.already_extended", "核查期限已延长过", "verification already extended")
    c.extended = True
    _event(session, c, actor, "note", today(), note=note or "经负责人批准，核查期限延长", data={"extended": True})
    _reclock(session, c)
    flush(session, "complaint")
    return c


def record_payment(session: Session, actor: Actor, complaint_id: int, amount: float, paid_on: dt.date) -> Complaint:
    """赔偿履行 — compensation paid (by the regulator on evidence, or the respondent itself)."""
    c = get_complaint(session, actor, complaint_id)
    if not actor.has("admin", "regulator") and not (actor.role == "enterprise" and actor.owns(c.respondent_id)):
        raise PermissionDenied("无权登记赔偿履行", "not allowed to record a payment")
    if c.kind != "complaint" or c.compensation_agreed is None:
        raise DomainError("complaint.no_compensation", "该投诉没有约定赔偿金额", "no compensation was agreed",
                          status=409, field="amount")
    if paid_on > today() or paid_on < c.received_on:
        raise DomainError("complaint.bad_date", "支付日期无效", "payment date out of range", field="paid_on")
    c.compensation_paid = round((c.compensation_paid or 0.0) + amount, 2)
    c.paid_on = paid_on
    _event(session, c, actor, "payment", paid_on, note=f"已支付赔偿 {amount:.2f} 元",
           data={"amount": amount, "total_paid": c.compensation_paid})
    flush(session, "complaint")
    return c


EVIDENCE_TYPES = {"image/jpeg", "image/png", "application/pdf", "image/webp", "video/mp4", "text/plain"}
EVIDENCE_MAX = 8 * 1024 * 1024


def evidence_dir() -> Path:
    from zhijian.platform.config import get_settings

    return Path(get_settings().var_dir) / "consumer" / "evidence"


def add_evidence(session: Session, actor: Actor, c: Complaint, filename: str, content: bytes,
                 content_type: str) -> ComplaintEvidence:
    """证据材料 — kept by SHA-256 under the var directory; the caller has checked access to the case."""
    if content_type not in EVIDENCE_TYPES:
        raise DomainError("complaint.evidence_type", f"不支持的文件类型：{content_type}（图片、PDF、视频、文本）",
                          f"unsupported file type {content_type}", field="file")
    if not content or len(content) > EVIDENCE_MAX:
        raise DomainError("complaint.evidence_size", "文件为空或超过 8 MB", "file is empty or over 8 MB", field="file")
    if not rules.is_open(c.state):
        raise DomainError("complaint.closed", "案件已办结", "the case is closed", status=409)
    digest = hashlib.sha256(content).hexdigest()
    d = evidence_dir()
    d.mkdir(parents=True, exist_ok=True)
    path = d / digest
    if not path.exists():
        path.write_bytes(content)
    ev = ComplaintEvidence(complaint_id=c.id, filename=Path(filename or "file").name[:200],
                           content_type=content_type, size=len(content), sha256=digest)
    session.add(ev)
    _event(session, c, actor, "note", today(), note=f"提交证据：{ev.filename}", data={"sha256": digest})
    flush(session, "complaint_evidence")
    return ev


def complaint_query(actor: Actor, *, kind: str | None = None, state: str | None = None,
                    enterprise_id: int | None = None, q: str | None = None, hazard: bool | None = None) -> Select[Any]:
    stmt: Select[Any] = select(Complaint)
    if actor.role == "regulator":
        if (clause := _region_filter(actor, Complaint.region_code)) is not None:
            stmt = stmt.where(clause)
    elif actor.role != "admin":
        if actor.role != "enterprise" or actor.organization_id is None:
            actor.require("regulator")  # the association and labs: 403 (举报人信息保密)
        stmt = stmt.where(Complaint.kind == "complaint", Complaint.respondent_id == actor.organization_id)
    if kind:
        rules.flow(kind)
        stmt = stmt.where(Complaint.kind == kind)
    if state:
        stmt = stmt.where(Complaint.state == state)
    if enterprise_id is not None:
        stmt = stmt.where(Complaint.respondent_id == enterprise_id)
    if hazard is not None:
        stmt = stmt.where(Complaint.hazard.is_(hazard))
    if q:
        pat = like_pattern(q)
        stmt = stmt.where(or_(Complaint.tracking_no.like(pat, escape="\\"),
                              Complaint.respondent_name.like(pat, escape="\\"),
                              Complaint.product_text.like(pat, escape="\\")))
    return stmt


def readable_complaints(session: Session, actor: Actor, ids: list[int]) -> set[int]:
    """Contract: which of these cases the actor may open (a risk signal's evidence links only those)."""
    try:
        stmt = complaint_query(actor)
    except DomainError:
        return set()
    wanted = sorted({int(i) for i in ids})[:2000]
    return set(session.scalars(stmt.with_only_columns(Complaint.id).where(Complaint.id.in_(wanted)))) if wanted else set()


def list_complaints(session: Session, actor: Actor, *, kind: str | None = None, state: str | None = None,
                    enterprise_id: int | None = None, q: str | None = None, hazard: bool | None = None,
                    limit: int = 50, cursor: str | None = None) -> Page[Complaint]:
    stmt = complaint_query(actor, kind=kind, state=state, enterprise_id=enterprise_id, q=q, hazard=hazard)
    return keyset_page(session, stmt, Complaint.id, limit=limit, cursor=cursor, descending=True)


def overdue(session: Session, actor: Actor, on: dt.date | None = None) -> list[Complaint]:
    """超期案件 — open cases whose running deadline has passed (cases with a test running are not overdue)."""
    actor.require("regulator")
    on = on or today()
    stmt = select(Complaint).where(or_(
        (Complaint.state.not_in(("rejected", "closed")) | (Complaint.due_kind == "notice"))
        & Complaint.due_on.is_not(None) & (Complaint.due_on < on) & Complaint.paused.is_(False),
        (Complaint.state != "closed") & (Complaint.case_due_on < on)))
    if (clause := _region_filter(actor, Complaint.region_code)) is not None:
        stmt = stmt.where(clause)
    return list(session.scalars(stmt.order_by(Complaint.due_on, Complaint.id)))


def timeline(session: Session, c: Complaint, *, public_only: bool = False) -> list[ComplaintEvent]:
    stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)
    if public_only:
        stmt = stmt.where(ComplaintEvent.public.is_(True))
    return list(session.scalars(stmt.order_by(ComplaintEvent.event_on, ComplaintEvent.id)))


def _mask_name(name: str) -> str:
    return rules.mask_name(name)


def present(session: Session, actor: Actor, c: Complaint, *, tracking: bool = False) -> dict[str, Any]:
    """What a viewer may see of a case: the division's handlers everything of a complaint, and of a report the
    reporter's identity only when assigned to it (others see it masked; each view is audited); the respondent
    no phone/address; the complainant (tracking) a masked name and the public part of the timeline."""
    ck = clock(session, c)
    staff = can_see_contact(actor, c) and not tracking
    identity = staff and can_see_reporter(actor, c)
    out: dict[str, Any] = {
        "id": c.id, "kind": c.kind, "kind_zh": rules.KIND_ZH[c.kind], "tracking_no": c.tracking_no,
        "state": c.state, "state_zh": rules.STATE_ZH[c.state], "channel": c.channel,
        "received_on": c.received_on, "respondent_id": c.respondent_id, "respondent_name": c.respondent_name,
        "product_id": c.product_id, "product_text": c.product_text, "category_id": c.category_id,
        "purchase_date": c.purchase_date, "purchase_place": c.purchase_place, "facts": c.facts,
        "requests": list(c.requests or []), "requests_zh": [rules.REQUEST_ZH.get(r, r) for r in c.requests or []],
        "request_amount": c.request_amount, "hazard": c.hazard, "accepted_on": c.accepted_on,
        "rejected_reason": c.rejected_reason, "forwarded_on": c.forwarded_on, "decided_on": c.decided_on,
        "decision": c.decision, "closed_on": c.closed_on, "outcome": c.outcome,
        "outcome_zh": rules.OUTCOME_ZH.get(c.outcome or "", ""), "agreement": c.agreement, "justified": c.justified,
        "compensation_agreed": c.compensation_agreed, "compensation_paid": c.compensation_paid, "paid_on": c.paid_on,
        "extended": c.extended, "anonymous": c.anonymous, "clock": ck.as_dict(),
        # issue 15: respondent link, enterprise path, procedure codes and clocks, satisfaction
        "respondent_uscc": c.respondent_uscc, "respondent_link": c.respondent_link,
        "respondent_candidates": list(c.respondent_candidates or []) if staff else [],
        "rejected_code": c.rejected_code, "knew_on": c.knew_on, "consent_complainant": c.consent_complainant,
        "consent_respondent": c.consent_respondent, "termination_code": c.termination_code,
        "notice_due_on": c.notice_due_on, "notice_sent_on": c.notice_sent_on, "enterprise_due_on": c.enterprise_due_on,
        "enterprise_response": c.enterprise_response, "enterprise_text": c.enterprise_text,
        "settlement_amount": c.settlement_amount, "consumer_response": c.consumer_response,
        "origin_id": c.origin_id if not tracking else None, "origin_kind": c.origin_kind,
        "filed_on": c.filed_on, "case_clock": case_clock(session, c, today()),
        "compensation_basis": list(c.compensation_basis or []) if not tracking else [],
        "satisfaction": c.satisfaction, "contact_verified": c.contact_verified,
        "complainant_name": c.complainant_name if (identity or (actor.role == "enterprise" and not tracking
                                                                and c.kind == "complaint"))
        else _mask_name(c.complainant_name),
    }
    if staff:
        out.update(complainant_phone=c.complainant_phone if identity else rules.mask_phone(c.complainant_phone),
                   complainant_address=c.complainant_address if identity else rules.mask_address(
                       c.complainant_address),
                   complainant_region=c.complainant_region, region_code=c.region_code,
                   assignee_user_id=c.assignee_user_id, identity_masked=not identity,
                   contact_email=c.contact_email if identity else rules.mask_email(c.contact_email or ""))
        if identity and c.kind == "report" and not c.anonymous and (
                c.complainant_name or c.complainant_phone or c.complainant_address or c.contact_email):
            reporter_viewed(session, actor, c)
    events = timeline(session, c, public_only=tracking)
    out["timeline"] = [{"on": e.event_on, "kind": e.kind, "from_state": e.from_state, "to_state": e.to_state,
                        "state_zh": rules.STATE_ZH.get(e.to_state or "", ""), "note": e.note,
                        "data": e.data if not tracking else {k: v for k, v in (e.data or {}).items()
                                                            if k in ("outcome", "decision", "amount")},
                        "actor": "" if tracking else e.actor} for e in events]
    if not tracking:
        out["evidence"] = [{"id": ev.id, "filename": ev.filename, "size": ev.size, "sha256": ev.sha256}
                           for ev in session.scalars(select(ComplaintEvidence).where(
                               ComplaintEvidence.complaint_id == c.id).order_by(ComplaintEvidence.id))]
    return out


def reporter_viewed(session: Session, actor: Actor, c: Complaint) -> None:
    """举报人身份被查看 — one audit record per view (who, which report, which fields), in the chain that a database
    writer cannot forge (platform.audit)."""
    fields = [f for f in ("complainant_name", "complainant_phone", "complainant_address", "contact_email")
              if getattr(c, f)]
    audit.record(session, "reporter_identity_viewed", "complaint", c.id, None,
                 {"viewer": actor.label, "viewer_user_id": actor.user_id, "tracking_no": c.tracking_no,
                  "fields": fields})


def assign_case(session: Session, actor: Actor, complaint_id: int, user_id: int | None) -> Complaint:
    """指定承办人 — the handling regulator names the staff member in charge (an active regulator whose division
    covers the case); for a report that person alone sees the reporter's identity. `None` clears it."""
    from zhijian.platform.auth import actor_for
    from zhijian.platform.models import User

    can_handle_cases(actor)
    lock_for_update(session, Complaint, complaint_id)
    c = get_complaint(session, actor, complaint_id)
    name = ""
    if user_id is not None:
        u = session.get(User, user_id)
        if u is None or not u.is_active or u.role != "regulator":
            raise NotFound("user", user_id, field="assignee_user_id")
        if not jurisdiction.covers(actor_for(u), c.region_code):
            raise DomainError("complaint.assignee_outside", "承办人不在本案的管辖区域内",
                              "the assignee's jurisdiction does not cover this case", field="assignee_user_id")
        name = u.username
    before = c.assignee_user_id
    c.assignee_user_id = user_id
    _event(session, c, actor, "note", today(), public=False, note=f"指定承办人：{name}" if name else "取消指定承办人",
           data={"assignee_user_id": user_id, "previous": before})
    flush(session, "complaint")
    return c


# ---------------------------------------------------------------- contracts for other rooms


def complaint_records(session: Session, *, since: dt.date | None = None) -> list[tuple]:
    """Contract: (complaint_id, received_on, kind, category_id, product_id, enterprise_id, region_code,
    justified, hazard) — set-based, for the risk room's signal scans."""
    stmt = (select(Complaint.id, Complaint.received_on, Complaint.kind, Complaint.category_id, Complaint.product_id,
                   Complaint.respondent_id, func.coalesce(Complaint.complainant_region, Organization.region_code),
                   Complaint.justified, Complaint.hazard)
            .outerjoin(Organization, Organization.id == Complaint.respondent_id)
            .where(Complaint.state != "rejected"))
    if since is not None:
        stmt = stmt.where(Complaint.received_on >= since)
    return [tuple(r) for r in session.execute(stmt.order_by(Complaint.received_on, Complaint.id))]


def justified_complaints(session: Session, *, product_id: int | None = None, enterprise_id: int | None = None,
                         since: dt.date | None = None) -> int:
    """Contract: number of complaints (not reports) found justified (投诉属实)."""
    stmt = select(func.count()).select_from(Complaint).where(Complaint.kind == "complaint",
                                                              Complaint.justified.is_(True))
    if product_id is not None:
        stmt = stmt.where(Complaint.product_id == product_id)
    if enterprise_id is not None:
        stmt = stmt.where(Complaint.respondent_id == enterprise_id)
    if since is not None:
        stmt = stmt.where(Complaint.received_on >= since)
    return int(session.scalar(stmt) or 0)


# ====================================================================== administrative penalties and sales


def add_penalty(session: Session, actor: Actor, data: PenaltyIn) -> AdministrativePenalty:
    """行政处罚 — recorded by a regulator; feeds the credit model."""
    actor.require("regulator")
    ent = session.get(Organization, data.enterprise_id)
    if ent is None or ent.kind != "enterprise":
        raise NotFound("enterprise", data.enterprise_id, field="enterprise_id")
    ensure_enterprise_covered(session, actor, ent.id)
    if data.decided_on > today():
        raise DomainError("penalty.future_date", "处罚决定日期不能晚于今天", "decision date is in the future",
                          field="decided_on")
    p = AdministrativePenalty(**data.model_dump())
    session.add(p)
    flush(session, "administrative_penalty")
    return p


def list_penalties(session: Session, actor: Actor, enterprise_id: int | None = None) -> list[AdministrativePenalty]:
    if enterprise_id is not None:
        can_read_credit(actor, enterprise_id)
        ensure_enterprise_covered(session, actor, enterprise_id)
    else:
        actor.require("regulator", "association")
    stmt = select(AdministrativePenalty).order_by(AdministrativePenalty.decided_on.desc(), AdministrativePenalty.id)
    if enterprise_id is not None:
        stmt = stmt.where(AdministrativePenalty.enterprise_id == enterprise_id)
    elif (clause := _region_filter(actor, Organization.region_code)) is not None:
        stmt = stmt.join(Organization, Organization.id == AdministrativePenalty.enterprise_id).where(clause)
    return list(session.scalars(stmt))


def set_sales(session: Session, actor: Actor, enterprise_id: int, year: int, sales_10m_yuan: float) -> None:
    """年销售额 (千万元) — the denominator of justified complaints; the enterprise or staff report it."""
    can_declare(actor, enterprise_id)
    if session.get(Organization, enterprise_id) is None:
        raise NotFound("enterprise", enterprise_id)
    ensure_enterprise_covered(session, actor, enterprise_id)
    row = session.scalar(select(EnterpriseSales).where(EnterpriseSales.enterprise_id == enterprise_id))
    if row is None:
        session.add(EnterpriseSales(enterprise_id=enterprise_id, year=year, sales_10m_yuan=sales_10m_yuan))
    else:
        row.year, row.sales_10m_yuan = year, sales_10m_yuan
    flush(session, "enterprise_sales")


# ====================================================================== enterprise quality credit (质量诚信)


def _other(room: str, fn: str) -> Any:
    mod = room_module(room, "service")
    return getattr(mod, fn, None) if mod is not None else None


def _chunks(ids: list[int], n: int = 500) -> list[list[int]]:
    return [ids[i:i + n] for i in range(0, len(ids), n)] or [[]]


def gather_credit_inputs_many(session: Session, enterprise_ids: list[int], as_of: dt.date,
                              model: rules.CreditModel) -> tuple[dict[int, rules.CreditInputs], list[str]]:
    """Collect what the model looks at for many enterprises at once: one set query per source (and one call
    per other room's contract), grouped in memory. An absent room means "no data" and is left out of sources.
    """
    since = as_of - dt.timedelta(days=int(model.window_years * 365.25) + 1)
    wanted = set(enterprise_ids)
    one = len(wanted) == 1
    only = next(iter(wanted)) if one else None
    sources: list[str] = ["consumer"]
    inspections: dict[int, list[rules.InspectionFact]] = {}
    history = _other("spotcheck", "inspection_history")
    if history is not None:
        sources.append("spotcheck")
        for r in history(session, enterprise_id=only, since=since):
            verdict = getattr(r, "final_verdict", None)
            if r.enterprise_id in wanted and verdict in ("合格", "不合格") and r.sampled_on <= as_of:
                inspections.setdefault(r.enterprise_id, []).append(rules.InspectionFact(
                    r.sampled_on, verdict, bool(getattr(r, "safety_failure", False)), getattr(r, "report_no", None),
                    tuple(getattr(r, "failing_items", None) or ())))
    recalls: dict[int, list[tuple[dt.date, str]]] = {}
    recall_fn = _other("risk", "recall_records")
    if recall_fn is not None:
        sources.append("risk")
        for row in recall_fn(session, enterprise_id=only):
            started = row[3]
            if isinstance(started, dt.datetime):
                started = started.date()
            if row[1] in wanted and started is not None and since <= started <= as_of:
                recalls.setdefault(row[1], []).append((started, str(row[4] or "medium")))
    listed_ids: set[int] = set()
    listed_fn = _other("stable", "listed_product_ids")
    if listed_fn is not None:
        sources.append("stable")
        listed_ids = set(listed_fn(session) or ())
    ccc_cats = set(session.scalars(select(Category.id).where(Category.requires_ccc.is_(True))))
    products: dict[int, list[tuple[int, str]]] = {}
    justified: dict[int, int] = {}
    sales: dict[int, float] = {}
    certs: dict[int, list[Certificate]] = {}
    penalties: dict[int, list[tuple[dt.date, str, str]]] = {}
    for ids in _chunks(sorted(wanted)):
        for pid, eid, path in session.execute(
                select(Product.id, Product.enterprise_id, Category.path)
                .join(Category, Category.id == Product.category_id).where(Product.enterprise_id.in_(ids))):
            products.setdefault(eid, []).append((pid, path))
        justified.update({eid: int(n) for eid, n in session.execute(
            select(Complaint.respondent_id, func.count()).where(
                Complaint.kind == "complaint", Complaint.justified.is_(True), Complaint.received_on >= since,
                Complaint.respondent_id.in_(ids)).group_by(Complaint.respondent_id))})
        sales.update({eid: float(v) for eid, v in session.execute(
            select(EnterpriseSales.enterprise_id, EnterpriseSales.sales_10m_yuan)
            .where(EnterpriseSales.enterprise_id.in_(ids)))})
        for c in session.scalars(select(Certificate).where(Certificate.holder_id.in_(ids))):
            certs.setdefault(int(c.holder_id or 0), []).append(c)
        for eid, d, sev, no in session.execute(
                select(AdministrativePenalty.enterprise_id, AdministrativePenalty.decided_on,
                       AdministrativePenalty.severity, AdministrativePenalty.decision_no)
                .where(AdministrativePenalty.enterprise_id.in_(ids), AdministrativePenalty.decided_on >= since,
                       AdministrativePenalty.decided_on <= as_of)):
            penalties.setdefault(eid, []).append((d, sev, no))
    listed = current_listings(session, sorted(wanted), as_of)
    out: dict[int, rules.CreditInputs] = {}
    for eid in wanted:
        own = certs.get(eid, [])
        status = [rules.effective_status(c.status, c.valid_until, as_of) for c in own]
        prods = products.get(eid, [])
        out[eid] = rules.CreditInputs(
            inspections=tuple(inspections.get(eid, ())), justified_complaints=justified.get(eid, 0),
            sales_10m_yuan=sales.get(eid), recalls=tuple(recalls.get(eid, ())),
            certs_suspended=status.count("suspended"),
            certs_withdrawn=status.count("withdrawn") + status.count("cancelled"),
            ccc_missing=_ccc_missing(prods, own, as_of, ccc_cats),
            system_certs=sum(1 for c, st in zip(own, status, strict=True)
                             if c.kind in rules.SYSTEM_KINDS and st == "valid"),
            penalties=tuple(penalties.get(eid, ())), stable_listings=sum(1 for pid, _ in prods if pid in listed_ids),
            serious_listed=tuple(listed.get(eid, {}).get("serious", ())),
            abnormal_entries=tuple(listed.get(eid, {}).get("abnormal", ())))
    return out, sources


def gather_credit_inputs(session: Session, enterprise_id: int, as_of: dt.date,
                         model: rules.CreditModel) -> tuple[rules.CreditInputs, list[str]]:
    """What the model looks at for one enterprise (see `gather_credit_inputs_many`)."""
    many, sources = gather_credit_inputs_many(session, [enterprise_id], as_of, model)
    return many[enterprise_id], sources


def _ccc_missing(rows: Any, certs: list[Certificate], as_of: dt.date, ccc_cats: set[int]) -> int:
    """Products (id, category path) in a 强制性产品认证 category not covered by a valid CCC."""
    if not rows:
        return 0
    covered: set[int] = set()
    for c in certs:
        if c.kind == "CCC" and rules.effective_status(c.status, c.valid_until, as_of) == "valid":
            covered.update(int(i) for i in c.product_ids or [])
    n = 0
    for pid, path in rows:
        cat_ids = {int(x) for x in path.strip("/").split("/") if x}
        if cat_ids & ccc_cats and pid not in covered:
            n += 1
    return n


def recompute_credit(session: Session, actor: Actor, *, enterprise_ids: list[int] | None = None,
                     as_of: dt.date | None = None) -> list[CreditAssessment]:
    """定期重新评价 — score every (or the given) enterprise, keep the history, write Organization.credit_class
    and announce a change (`consumer.credit_changed`)."""
    can_manage_credit(actor)
    as_of = as_of or today()
    model = credit_model(session)
    stmt = select(Organization).where(Organization.kind == "enterprise").order_by(Organization.id)
    if enterprise_ids is not None:
        stmt = stmt.where(Organization.id.in_(enterprise_ids))
    if (clause := _region_filter(actor, Organization.region_code)) is not None:
        stmt = stmt.where(clause)  # a regional bureau re-scores its own division's enterprises (others: 404)
    orgs = list(session.scalars(stmt))
    if enterprise_ids is not None and len(orgs) != len(set(enterprise_ids)):
        missing = sorted(set(enterprise_ids) - {o.id for o in orgs})
        raise NotFound("enterprise", missing[0], field="enterprise_ids")
    out: list[CreditAssessment] = []
    inputs, sources = gather_credit_inputs_many(session, [o.id for o in orgs], as_of, model)
    for org in orgs:
        res = rules.score_credit(inputs[org.id], model, as_of)
        prev = org.credit_class
        a = CreditAssessment(enterprise_id=org.id, as_of=as_of, score=res.score, credit_class=res.credit_class,
                             previous_class=prev, model_version=model.version, breakdown=res.breakdown(),
                             caps=list(res.caps), sources=sources)
        session.add(a)
        out.append(a)
        if prev != res.credit_class:
            org.credit_class = res.credit_class
            publish(session, "consumer.credit_changed", {"enterprise_id": org.id, "old": prev,
                                                         "new": res.credit_class, "score": res.score,
                                                         "as_of": as_of.isoformat()})
    flush(session, "credit_assessment")
    return out


def credit_history(session: Session, actor: Actor, enterprise_id: int, limit: int = 50) -> list[CreditAssessment]:
    can_read_credit(actor, enterprise_id)
    if session.get(Organization, enterprise_id) is None:
        raise NotFound("enterprise", enterprise_id)
    ensure_enterprise_covered(session, actor, enterprise_id)
    return list(session.scalars(select(CreditAssessment).where(CreditAssessment.enterprise_id == enterprise_id)
                                .order_by(CreditAssessment.id.desc()).limit(limit)))


def credit_overview(session: Session, actor: Actor, *, credit_class: str | None = None) -> list[dict[str, Any]]:
    """Latest assessment of each enterprise (staff)."""
    actor.require("regulator", "association")
    latest = (select(CreditAssessment.enterprise_id, func.max(CreditAssessment.id).label("mid"))
              .group_by(CreditAssessment.enterprise_id).subquery())
    stmt = (select(CreditAssessment, Organization.name).join(latest, latest.c.mid == CreditAssessment.id)
            .join(Organization, Organization.id == CreditAssessment.enterprise_id)
            .order_by(CreditAssessment.score, CreditAssessment.enterprise_id))
    if credit_class:
        stmt = stmt.where(CreditAssessment.credit_class == credit_class)
    if (clause := _region_filter(actor, Organization.region_code)) is not None:
        stmt = stmt.where(clause)
    return [credit_dict(a, name) for a, name in session.execute(stmt)]


def credit_dict(a: CreditAssessment, name: str = "") -> dict[str, Any]:
    return {"enterprise_id": a.enterprise_id, "enterprise_name": name, "as_of": a.as_of, "score": a.score,
            "credit_class": a.credit_class, "previous_class": a.previous_class, "model_version": a.model_version,
            "breakdown": list(a.breakdown or []), "caps": list(a.caps or []), "sources": list(a.sources or []),
            "computed_at": a.computed_at}


def credit_distribution(session: Session, actor: Actor | None = None) -> dict[str, int]:
    """Enterprises per credit class (a regional regulator: those of its division)."""
    stmt = select(Organization.credit_class, func.count()).where(Organization.kind == "enterprise")
    if actor is not None and (clause := _region_filter(actor, Organization.region_code)) is not None:
        stmt = stmt.where(clause)
    rows = session.execute(stmt.group_by(Organization.credit_class)).all()
    return {str(k or "-"): int(v) for k, v in rows}


# ====================================================================== certificates (认证证书)


@dataclass(frozen=True)
class CertificateInfo:
    """Contract shape for other rooms (stable listings, product pages)."""

    number: str
    kind: str
    status: str
    valid_until: dt.date | None
    scope: str


def create_body(session: Session, actor: Actor, data: BodyIn) -> CertificationBody:
    can_manage_certificates(actor)
    bad = [k for k in data.kinds if k not in rules.CERT_KINDS]
    if bad:
        raise DomainError("certificate.bad_kind", f"未知认证类型：{bad[0]}", f"unknown certificate kind {bad[0]!r}",
                          field="kinds")
    body = CertificationBody(**data.model_dump())
    session.add(body)
    flush(session, "certification_body")
    return body


def list_bodies(session: Session) -> list[CertificationBody]:
    return list(session.scalars(select(CertificationBody).order_by(CertificationBody.id)))


def _holder(session: Session, name: str, uscc: str | None) -> Organization | None:
    if uscc:
        org = session.scalar(select(Organization).where(Organization.uscc == uscc.strip().upper()))
        if org is not None:
            return org
    return session.scalar(select(Organization).where(Organization.name == name.strip()))


def _cert_values(session: Session, data: CertificateIn, bodies: dict[str, CertificationBody],
                 field_prefix: str = "", holders: dict[str, int] | None = None) -> dict[str, Any]:
    number = data.number.strip().upper().replace(" ", "")
    body = bodies.get(data.body_name.strip())
    if data.issued_on and data.valid_until and data.valid_until < data.issued_on:
        raise DomainError("certificate.bad_dates", f"证书 {number}：有效期截止早于发证日期",
                          f"certificate {number}: valid_until is before issued_on", field=f"{field_prefix}valid_until")
    if data.kind == "CCC" and not rules.CERT_NUMBER_PATTERNS["CCC"].match(number):
        raise DomainError("certificate.bad_format", f"CCC 证书编号应为 16 位数字（{number}）",
                          f"a CCC certificate number has 16 digits ({number})", field=f"{field_prefix}number")
    if data.kind == "CCC" and rules.ccc_validity_exceeded(data.issued_on, data.valid_until):
        raise DomainError("certificate.ccc_validity", f"证书 {number}：CCC 证书有效期为 5 年，截止日期超出",
                          f"certificate {number}: a CCC certificate is valid for 5 years", field=f"{field_prefix}valid_until")
    if data.holder_uscc:
        from zhijian.catalog import rules as catalog_rules

        catalog_rules.validate_uscc(data.holder_uscc, field=f"{field_prefix}holder_uscc")
    if holders is not None:
        holder_id = holders.get((data.holder_uscc or "").strip().upper()) or holders.get(data.holder_name.strip())
    else:
        holder = _holder(session, data.holder_name, data.holder_uscc)
        holder_id = holder.id if holder else None
    return {"number": number, "kind": data.kind, "holder_id": holder_id,
            "holder_name": data.holder_name.strip(), "holder_uscc": (data.holder_uscc or "").strip().upper() or None,
            "scope": data.scope, "product_ids": list(data.product_ids), "products_text": data.products_text,
            "body_id": body.id if body else None, "body_name": data.body_name.strip(), "issued_on": data.issued_on,
            "valid_until": data.valid_until, "status": data.status, "status_reason": data.status_reason,
            "status_on": data.status_on, "applicant_name": data.applicant_name.strip(),
            "producer_name": data.producer_name.strip(), "factory_name": data.factory_name.strip(),
            "register": data.register.strip(), "refreshed_at": data.refreshed_at}


def create_certificate(session: Session, actor: Actor, data: CertificateIn) -> Certificate:
    can_manage_certificates(actor)
    bodies = {b.name: b for b in list_bodies(session)}
    for pid in data.product_ids:
        if session.get(Product, pid) is None:
            raise NotFound("product", pid, field="product_ids")
    cert = Certificate(**_cert_values(session, data, bodies))
    session.add(cert)
    flush(session, "certificate")
    return cert


def get_certificate(session: Session, number: str) -> Certificate:
    cert = session.scalar(select(Certificate).where(Certificate.number == number.strip().upper().replace(" ", "")))
    if cert is None:
        raise NotFound("certificate", number)
    return cert


def set_certificate_status(session: Session, actor: Actor, number: str, status: str, reason: str) -> Certificate:
    """暂停 / 撤销 / 注销 / 恢复 a certificate."""
    can_manage_certificates(actor)
    if status not in rules.CERT_STATUSES:
        raise DomainError("certificate.bad_status", f"未知证书状态：{status}", f"unknown status {status!r}",
                          field="status")
    cert = get_certificate(session, number)
    cert.status = status
    cert.status_reason = reason
    cert.status_on = today()
    flush(session, "certificate")
    return cert


def list_certificates(session: Session, actor: Actor, *, q: str | None = None, kind: str | None = None,
                      holder_id: int | None = None, status: str | None = None, limit: int = 50,
                      cursor: str | None = None) -> Page[Certificate]:
    stmt: Select[Any] = select(Certificate)
    if q:
        pat = like_pattern(q)
        stmt = stmt.where(or_(Certificate.number.like(pat, escape="\\"), Certificate.holder_name.like(pat, escape="\\"),
                              Certificate.products_text.like(pat, escape="\\")))
    if kind:
        stmt = stmt.where(Certificate.kind == kind)
    if holder_id is not None:
        stmt = stmt.where(Certificate.holder_id == holder_id)
    if status:
        stmt = stmt.where(Certificate.status == status)
    return keyset_page(session, stmt, Certificate.id, limit=limit, cursor=cursor)


def certificates_for(session: Session, *, product_id: int | None = None,
                     enterprise_id: int | None = None) -> list[CertificateInfo]:
    """Contract: the certificates of a product (listed on it) or of an enterprise (held by it)."""
    stmt = select(Certificate).order_by(Certificate.id)
    if enterprise_id is not None:
        stmt = stmt.where(Certificate.holder_id == enterprise_id)
    certs = list(session.scalars(stmt))
    if product_id is not None:
        certs = [c for c in certs if product_id in [int(i) for i in c.product_ids or []]]
    on = today()
    return [CertificateInfo(c.number, c.kind, rules.effective_status(c.status, c.valid_until, on), c.valid_until,
                            c.scope) for c in certs]


def verify_certificate(session: Session, number: str, *, holder: str | None = None, product: str | None = None,
                       on: dt.date | None = None) -> tuple[rules.Verification, Certificate | None]:
    """公开验证 — anyone: valid or not, and why."""
    key = (number or "").strip().upper().replace(" ", "")
    if not key or len(key) > 64:
        raise DomainError("certificate.bad_number", "请输入证书编号", "enter a certificate number", field="number",
                          status=400)
    cert = session.scalar(select(Certificate).where(Certificate.number == key))
    view = None
    if cert is not None:
        body = session.get(CertificationBody, cert.body_id) if cert.body_id else None
        products = [cert.products_text] if cert.products_text else []
        if cert.product_ids:
            products += [f"{p.name} {p.model}" for p in session.scalars(select(Product).where(
                Product.id.in_([int(i) for i in cert.product_ids])))]
        view = rules.CertView(cert.number, cert.kind, cert.status, cert.holder_name, cert.holder_uscc, cert.scope,
                              tuple(products), cert.issued_on, cert.valid_until, cert.body_name,
                              bool(body and body.accredited), tuple(body.kinds or ()) if body else ())
    return rules.verify_certificate(key, view, today=on or today(), claimed_holder=holder,
                                    claimed_product=product), cert


IMPORT_COLUMNS = {
    "number": ("number", "证书编号", "编号"), "kind": ("kind", "类型", "认证类型"),
    "holder_name": ("holder_name", "holder", "持证人", "持证企业", "证书持有人"),
    "applicant_name": ("applicant_name", "委托人", "认证委托人"), "producer_name": ("producer_name", "生产者", "制造商"),
    "factory_name": ("factory_name", "生产企业", "工厂"), "register": ("register", "来源", "数据来源"),
    "status_on": ("status_on", "状态日期"),
    "holder_uscc": ("holder_uscc", "uscc", "统一社会信用代码"), "scope": ("scope", "认证范围", "范围"),
    "products_text": ("products_text", "products", "产品", "产品名称"),
    "body_name": ("body_name", "body", "发证机构", "认证机构"), "issued_on": ("issued_on", "发证日期"),
    "valid_until": ("valid_until", "有效期至", "到期日期"), "status": ("status", "状态"),
}
_STATUS_FROM_ZH = {v: k for k, v in rules.CERT_STATUS_ZH.items()} | {"过期": "expired", "有效": "valid"}


def parse_certificate_file(filename: str, content: bytes) -> list[dict[str, Any]]:
    """Read a CSV (UTF-8 with or without BOM, or GB18030) or an .xlsx into rows keyed by our column names.

    platform.tabular checks the file (size, zip bomb) and this checks the header before any data row is read."""
    from zhijian.platform import tabular

    table = tabular.open_table(content, filename)
    if not table.header:
        raise DomainError("import.empty", "文件为空", "the file is empty", field="file")
    mapping: dict[int, str] = {}
    for i, h in enumerate(table.header):
        for key, names in IMPORT_COLUMNS.items():
            if h.lower() in names:
                mapping[i] = key
    for required in ("number", "kind", "holder_name", "body_name"):
        if required not in mapping.values():
            raise DomainError("import.missing_column", f"缺少列：{IMPORT_COLUMNS[required][1]}（{required}）",
                              f"missing column {required}", field=required,
                              extra={"row": table.header_row, "column": IMPORT_COLUMNS[required][1]})
    rows = []
    for _n, r in table:
        row: dict[str, Any] = {}
        for i, key in mapping.items():
            v = r[i] if i < len(r) else None
            if isinstance(v, dt.datetime):
                v = v.date()
            row[key] = v.strip() if isinstance(v, str) else v
        rows.append(row)
    return rows


def _holder_map(session: Session, names: set[str], usccs: set[str]) -> dict[str, int]:
    """Organization ids by name and by credit code, in chunked set queries (bulk imports)."""
    out: dict[str, int] = {}
    for values, col in ((sorted(names), Organization.name), (sorted(usccs), Organization.uscc)):
        for i in range(0, len(values), 500):
            for oid, name, uscc in session.execute(select(Organization.id, Organization.name, Organization.uscc)
                                                   .where(col.in_(values[i:i + 500]))):
                out[name] = oid
                if uscc:
                    out[uscc] = oid
    return out


def _import_row(row: dict[str, Any], n: int) -> CertificateIn:
    from pydantic import ValidationError

    values = {k: v for k, v in row.items() if v not in (None, "")}
    if "status" in values:
        values["status"] = _STATUS_FROM_ZH.get(str(values["status"]), values["status"])
    for k in ("issued_on", "valid_until", "status_on"):
        if isinstance(values.get(k), str):
            try:
                values[k] = dt.date.fromisoformat(values[k].replace("/", "-").replace(".", "-"))
            except ValueError:
                raise DomainError("import.bad_row", f"第 {n} 行：日期「{values[k]}」应为 YYYY-MM-DD",
                                  f"row {n}: date {values[k]!r} must be YYYY-MM-DD", field=k) from None
    for k in ("number", "holder_uscc"):
        if k in values:
            values[k] = str(values[k])
    try:
        return CertificateIn.model_validate(values)
    except ValidationError as exc:
        e = exc.errors()[0]
        fld = ".".join(str(p) for p in e["loc"])
        raise DomainError("import.bad_row", f"第 {n} 行：字段「{fld}」无效（{e['msg']}）",
                          f"row {n}: field '{fld}' is invalid ({e['msg']})", field=fld) from None


def import_certificates(session: Session, actor: Actor, rows: list[dict[str, Any]]) -> dict[str, int]:
    """批量导入 — all rows are checked first; any bad row rejects the whole file (nothing half-written).

    New numbers are inserted set-based; numbers already registered get their status and dates updated.
    """
    can_manage_certificates(actor)
    bodies = {b.name: b for b in list_bodies(session)}
    items = [_import_row(row, n) for n, row in enumerate(rows, start=2)]  # row 1 is the header
    holders = _holder_map(session, {d.holder_name.strip() for d in items},
                          {(d.holder_uscc or "").strip().upper() for d in items if d.holder_uscc})
    parsed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, data in enumerate(items, start=2):
        try:
            values = _cert_values(session, data, bodies, holders=holders)
        except DomainError as err:
            raise DomainError("import.bad_row", f"第 {n} 行：{err.message_zh}", f"row {n}: {err.message_en}",
                              field=err.field) from None
        values["refreshed_at"] = values["refreshed_at"] or dt.datetime.now(dt.UTC)  # when the register was read
        values["register"] = values["register"] or "批量导入"
        if values["number"] in seen:
            raise DomainError("import.duplicate", f"第 {n} 行：证书编号 {values['number']} 在文件中重复",
                              f"row {n}: number {values['number']} appears twice", field="number")
        seen.add(values["number"])
        parsed.append(values)
    numbers = sorted(seen)
    existing: dict[str, Certificate] = {}
    for i in range(0, len(numbers), 500):
        existing.update({c.number: c for c in session.scalars(
            select(Certificate).where(Certificate.number.in_(numbers[i:i + 500])))})
    new_rows = [v for v in parsed if v["number"] not in existing]
    now = dt.datetime.now(dt.UTC)
    if new_rows:
        session.execute(insert(Certificate), [v | {"created_at": now, "updated_at": now} for v in new_rows])
        audit.record(session, "bulk_create", "certificate", f"import:{len(new_rows)}", None,
                     {"numbers": [v["number"] for v in new_rows][:1000], "count": len(new_rows)})
    for v in parsed:
        cert = existing.get(v["number"])
        if cert is not None:
            for k in ("status", "status_reason", "valid_until", "issued_on", "scope", "products_text", "holder_id",
                      "holder_name", "holder_uscc", "body_id", "body_name", "kind", "status_on", "applicant_name",
                      "producer_name", "factory_name", "register", "refreshed_at"):
                setattr(cert, k, v[k])
    flush(session, "certificate")
    return {"rows": len(parsed), "created": len(new_rows), "updated": len(parsed) - len(new_rows)}


def certificate_qr_svg(number: str, base_url: str) -> str:
    """The QR printed on a certificate: it opens the public verification of that number."""
    import segno

    url = f"{base_url.rstrip('/')}/certificates/verify?number={number}"
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=2)
    return buf.getvalue().decode()


# ====================================================================== enterprise standard declarations


def _ancestors(session: Session, category_id: int) -> list[int]:
    cat = session.get(Category, category_id)
    if cat is None:
        raise NotFound("category", category_id, field="category_id")
    return [int(x) for x in reversed(cat.path.strip("/").split("/")) if x]


def national_limits(session: Session, category_id: int,
                    codes: list[str] | None = None) -> tuple[list[rules.Limit], list[str]]:
    """The mandatory national standards (GB, current) of the category or its nearest ancestor that has any."""
    stds: list[Standard] = []
    if codes:
        for code in codes:
            std = session.scalar(select(Standard).where(Standard.code == code))
            if std is None:
                raise NotFound("standard", code, field="national_codes")
            stds.append(std)
    else:
        for cid in _ancestors(session, category_id):
            stds = list(session.scalars(select(Standard).where(Standard.category_id == cid, Standard.kind == "GB",
                                                               Standard.status == "current").order_by(Standard.id)))
            if stds:
                break
    limits = [rules.Limit(i.name, i.unit, i.requirement_kind, i.lower, i.upper, i.lower_inclusive, i.upper_inclusive,
                          i.text, i.mandatory, s.code) for s in stds for i in s.indicators]
    return limits, [s.code for s in stds]


def _limits_of(std: Standard) -> list[rules.Limit]:
    return [rules.Limit(i.name, i.unit, i.requirement_kind, i.lower, i.upper, i.lower_inclusive, i.upper_inclusive,
                        i.text, i.mandatory, std.code) for i in std.indicators]


def _with_leader(session: Session, std: Standard, result: rules.StandardCheck) -> rules.StandardCheck:
    """企业标准"领跑者" only for a standard on an imported 领跑者 list (and not laxer than the mandatory one)."""
    from zhijian.consumer.models import LeaderListEntry

    if result.overall in ("stricter", "equal") and session.scalar(
            select(LeaderListEntry.id).where(LeaderListEntry.standard_code == std.code).limit(1)) is not None:
        return rules.StandardCheck("leader", result.rows, result.extra)
    return result


def import_leader_list(session: Session, actor: Actor, list_name: str, year: int,
                       entries: list[dict[str, Any]]) -> int:
    """导入企业标准"领跑者"名单 — all entries checked first (standard code required); returns the count."""
    from zhijian.consumer.models import LeaderListEntry

    actor.require("regulator", "association")
    if not list_name.strip() or not (2000 <= year <= 2100):
        raise DomainError("leader.bad_list", "请填写名单名称和年度", "give the list's name and year", field="list_name")
    rows = []
    for n, e in enumerate(entries, start=1):
        code = str(e.get("standard_code") or e.get("标准编号") or "").strip()
        if not code:
            raise DomainError("leader.bad_row", f"第 {n} 条缺少标准编号", f"entry {n}: standard code missing",
                              field="entries")
        rows.append(LeaderListEntry(standard_code=code, year=year, list_name=list_name.strip(),
                                    enterprise_name=str(e.get("enterprise_name") or e.get("企业名称") or "")[:200],
                                    product=str(e.get("product") or e.get("产品") or "")[:200]))
    session.add_all(rows)
    flush(session, "leader_list_entry")
    return len(rows)


def declare_standard(session: Session, actor: Actor, data: DeclarationIn) -> StandardDeclaration:
    """企业标准自我声明公开 — publish the standard and check it against the mandatory national one."""
    from zhijian.catalog import service as catalog_service
    from zhijian.catalog.schemas import StandardIn

    can_declare(actor, data.enterprise_id)
    ent = session.get(Organization, data.enterprise_id)
    if ent is None or ent.kind != "enterprise":
        raise NotFound("enterprise", data.enterprise_id, field="enterprise_id")
    if session.get(Category, data.category_id) is None:
        raise NotFound("category", data.category_id, field="category_id")
    if data.standard_id is not None:
        std = session.get(Standard, data.standard_id)
        if std is None:
            raise NotFound("standard", data.standard_id, field="standard_id")
        if std.kind == "enterprise" and std.organization_id != ent.id:
            raise PermissionDenied("该企业标准属于其他企业", "that enterprise standard belongs to another enterprise")
    else:
        if not data.code or not data.title or not data.indicators:
            raise DomainError("declaration.standard_required", "请选择已有标准，或填写标准编号、名称和指标",
                              "give standard_id, or code + title + indicators", field="standard_id")
        std = catalog_service.create_standard(session, actor, StandardIn(
            code=data.code, title=data.title, category_id=data.category_id, organization_id=ent.id,
            indicators=data.indicators))
    if std.kind not in ("enterprise", "group"):
        raise DomainError("declaration.bad_kind", "自我声明的应为企业标准（Q/…）或团体标准（T/…）",
                          "declare an enterprise (Q/…) or group (T/…) standard", field="standard_id")
    for pid in data.product_ids:
        p = session.get(Product, pid)
        if p is None or p.enterprise_id != ent.id:
            raise NotFound("product", pid, field="product_ids")
    national, codes = national_limits(session, data.category_id, data.national_codes)
    result = _with_leader(session, std, rules.check_standard(national, _limits_of(std)))
    decl = StandardDeclaration(enterprise_id=ent.id, standard_id=std.id, category_id=data.category_id,
                               product_ids=list(data.product_ids), products_text=data.products_text,
                               declared_on=data.declared_on or today(), national_codes=codes,
                               overall=result.overall, check=result.as_dict())
    session.add(decl)
    flush(session, "standard_declaration")
    return decl


def recheck_declaration(session: Session, actor: Actor, decl_id: int) -> StandardDeclaration:
    """Re-run the check (after a national standard changed)."""
    decl = session.get(StandardDeclaration, decl_id)
    if decl is None:
        raise NotFound("declaration", decl_id)
    can_declare(actor, decl.enterprise_id)
    std = session.get(Standard, decl.standard_id)
    assert std is not None
    national, codes = national_limits(session, decl.category_id, None)
    result = _with_leader(session, std, rules.check_standard(national, _limits_of(std)))
    decl.overall, decl.check, decl.national_codes = result.overall, result.as_dict(), codes
    flush(session, "standard_declaration")
    return decl


def withdraw_declaration(session: Session, actor: Actor, decl_id: int) -> StandardDeclaration:
    decl = session.get(StandardDeclaration, decl_id)
    if decl is None:
        raise NotFound("declaration", decl_id)
    can_declare(actor, decl.enterprise_id)
    decl.status = "withdrawn"
    flush(session, "standard_declaration")
    return decl


def declaration_dict(session: Session, d: StandardDeclaration) -> dict[str, Any]:
    ent = session.get(Organization, d.enterprise_id)
    std = session.get(Standard, d.standard_id)
    cat = session.get(Category, d.category_id)
    return {"id": d.id, "enterprise_id": d.enterprise_id, "enterprise_name": ent.name if ent else "",
            "standard_id": d.standard_id, "standard_code": std.code if std else "",
            "standard_title": std.title if std else "", "category_id": d.category_id,
            "category_name": cat.name if cat else "", "products_text": d.products_text, "declared_on": d.declared_on,
            "status": d.status, "national_codes": list(d.national_codes or []), "overall": d.overall,
            "overall_zh": rules.OVERALL_ZH.get(d.overall, d.overall), "check": dict(d.check or {})}


def list_declarations(session: Session, actor: Actor, *, overall: str | None = None, enterprise_id: int | None = None,
                      category_id: int | None = None, q: str | None = None, limit: int = 50,
                      cursor: str | None = None) -> Page[StandardDeclaration]:
    """Public list (published only for the public; staff and the owner also see withdrawn ones)."""
    stmt: Select[Any] = select(StandardDeclaration)
    if not actor.is_staff:
        if actor.role == "enterprise" and actor.organization_id is not None:
            stmt = stmt.where(or_(StandardDeclaration.status == "published",
                                  StandardDeclaration.enterprise_id == actor.organization_id))
        else:
            stmt = stmt.where(StandardDeclaration.status == "published")
    if overall:
        stmt = stmt.where(StandardDeclaration.overall == overall)
    if enterprise_id is not None:
        stmt = stmt.where(StandardDeclaration.enterprise_id == enterprise_id)
    if category_id is not None:
        stmt = stmt.where(StandardDeclaration.category_id == category_id)
    if q:
        pat = like_pattern(q)
        stmt = stmt.where(or_(StandardDeclaration.products_text.like(pat, escape="\\"),
                              StandardDeclaration.standard_id.in_(select(Standard.id).where(
                                  Standard.search_text.like(pat, escape="\\"))),
                              StandardDeclaration.enterprise_id.in_(select(Organization.id).where(
                                  Organization.search_text.like(pat, escape="\\")))))
    return keyset_page(session, stmt, StandardDeclaration.id, limit=limit, cursor=cursor, descending=True)


def get_declaration(session: Session, actor: Actor, decl_id: int) -> StandardDeclaration:
    d = session.get(StandardDeclaration, decl_id)
    if d is None or (d.status != "published" and not actor.is_staff and not actor.owns(d.enterprise_id)):
        raise NotFound("declaration", decl_id)
    return d


# ====================================================================== comparative tests (比较试验)


def _items(test: ComparativeTest) -> list[rules.TestItem]:
    out = []
    for it in test.items or []:
        req = it.get("requirement")
        lim = rules.Limit(it["name"], it.get("unit", ""), req["kind"], req.get("lower"), req.get("upper"),
                          text=req.get("text", "")) if req else None
        out.append(rules.TestItem(it["key"], it["name"], it.get("unit", ""), float(it["weight"]),
                                  bool(it.get("higher_is_better", True)), lim))
    return out


def create_comparative_test(session: Session, actor: Actor, data: ComparativeIn) -> ComparativeTest:
    """登记比较试验 (draft) with its items, published weights and every sample's results."""
    can_manage_comparative(actor)
    keys = {i.key for i in data.items}
    for n, s in enumerate(data.samples):
        unknown = set(s.results) - keys
        if unknown:
            raise DomainError("comparative.unknown_item", f"样品 {n + 1} 的结果含未定义的项目：{', '.join(sorted(unknown))}",
                              f"sample {n + 1} has results for undefined items: {', '.join(sorted(unknown))}",
                              field=f"samples.{n}.results")
        if s.product_id is not None and session.get(Product, s.product_id) is None:
            raise NotFound("product", s.product_id, field=f"samples.{n}.product_id")
    if data.category_id is not None and session.get(Category, data.category_id) is None:
        raise NotFound("category", data.category_id, field="category_id")
    test = ComparativeTest(title=data.title, product_type=data.product_type, category_id=data.category_id,
                           organizer=data.organizer, lab_name=data.lab_name, tested_on=data.tested_on,
                           method=data.method, items=[i.model_dump() for i in data.items])
    rules.rank_comparative(_items(test), [(s.brand, s.results) for s in data.samples])  # validates weights
    session.add(test)
    flush(session, "comparative_test")
    for n, s in enumerate(data.samples):
        session.add(ComparativeSample(test_id=test.id, position=n, **s.model_dump()))
    flush(session, "comparative_sample")
    return test


def get_comparative_test(session: Session, actor: Actor, test_id: int) -> ComparativeTest:
    t = session.get(ComparativeTest, test_id)
    if t is None or (t.status != "published" and not actor.is_staff):
        raise NotFound("comparative_test", test_id)
    return t


def publish_comparative_test(session: Session, actor: Actor, test_id: int) -> ComparativeTest:
    can_manage_comparative(actor)
    t = get_comparative_test(session, actor, test_id)
    if t.status == "published":
        raise Conflict("comparative.already_published", "比较试验已发布", "already published")
    t.status = "published"
    t.published_on = today()
    flush(session, "comparative_test")
    return t


def list_comparative_tests(session: Session, actor: Actor) -> list[ComparativeTest]:
    stmt = select(ComparativeTest).order_by(ComparativeTest.id.desc())
    if not actor.is_staff:
        stmt = stmt.where(ComparativeTest.status == "published")
    return list(session.scalars(stmt))


def comparative_report(session: Session, actor: Actor, test_id: int) -> dict[str, Any]:
    """The results table, per-item ranks and scores, overall weighted score and rank (sorted best first)."""
    t = get_comparative_test(session, actor, test_id)
    samples = list(session.scalars(select(ComparativeSample).where(ComparativeSample.test_id == t.id)
                                   .order_by(ComparativeSample.position, ComparativeSample.id)))
    items = _items(t)
    names = [f"{s.brand} {s.model}".strip() for s in samples]
    ranked = rules.rank_comparative(items, [(n, dict(s.results or {})) for n, s in zip(names, samples, strict=True)])
    rows = []
    for s, r in zip(samples, ranked, strict=True):
        rows.append({"sample_id": s.id, "brand": s.brand, "model": s.model, "label": r.sample,
                     "enterprise_name": s.enterprise_name, "price": s.price, "values": r.values, "ranks": r.ranks,
                     "scores": r.scores, "overall": r.overall, "rank": r.rank, "failures": list(r.failures),
                     "conforming": r.conforming})
    rows.sort(key=lambda x: (x["rank"], x["label"]))
    failing = [x for x in rows if not x["conforming"]]  # listed apart, never ranked above a conforming sample
    rows = [x for x in rows if x["conforming"]]
    total_w = sum(i.weight for i in items)
    return {"id": t.id, "title": t.title, "product_type": t.product_type, "organizer": t.organizer,
            "lab_name": t.lab_name, "tested_on": t.tested_on, "method": t.method, "status": t.status,
            "published_on": t.published_on,
            "items": [{"key": i.key, "name": i.name, "unit": i.unit, "weight": i.weight,
                       "weight_pct": round(100 * i.weight / total_w, 1), "higher_is_better": i.higher_is_better,
                       "requirement": (i.limit.text or rules._describe(i.limit)) if i.limit else ""} for i in items],
            "rows": rows, "failing": failing}


def read_comparative_table(content: bytes | str, filename: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """比较试验结果表 rows: an uploaded .xlsx/.csv (read by platform.tabular) or text typed or pasted into the form."""
    from zhijian.platform import tabular

    if isinstance(content, str):
        return rules.parse_results_text(content)
    if not (filename or "").lower().endswith((".xlsx", ".xlsm", ".csv")):
        raise DomainError("import.bad_type", "结果表只支持 .xlsx 与 .csv 文件", "the results table must be .xlsx or .csv",
                          field="results_file")
    try:
        return [(n, dict(r)) for n, r in tabular.read_rows(content, filename)]
    except DomainError as err:
        err.field = "results_file"
        raise


def comparative_with_results(data: dict[str, Any], rows: list[tuple[int, dict[str, Any]]]) -> ComparativeIn:
    """A `ComparativeIn` from the test's fields and items (`data`, without samples) plus a results table.

    Used by `zhijian comparative import`; the console form does the same steps one by one to place its errors.
    """
    from pydantic import ValidationError

    from zhijian.consumer.schemas import ItemIn

    try:
        items = [ItemIn.model_validate(i) for i in data.get("items") or []]
        samples = rules.results_table(rows, [(i.key, i.name, i.unit) for i in items])
        return ComparativeIn.model_validate({**data, "samples": [s for _, s in samples]})
    except ValidationError as exc:
        e = exc.errors()[0]
        fld = ".".join(str(p) for p in e["loc"])
        raise DomainError("validation.invalid", f"「{fld}」无效：{e['msg']}", f"'{fld}' is invalid: {e['msg']}",
                          field=fld) from None


def import_comparative_test(session: Session, actor: Actor, data: dict[str, Any], content: bytes | str,
                            filename: str | None = None) -> ComparativeTest:
    """登记比较试验 from a results file: the same parser as the console form, then `create_comparative_test`."""
    can_manage_comparative(actor)
    return create_comparative_test(session, actor, comparative_with_results(data, read_comparative_table(content,
                                                                                                          filename)))


# ---------------------------------------------------------------- issue 15 workflows (complaints_flow.py)
from zhijian.consumer import procedure  # noqa: E402
from zhijian.consumer.complaints_flow import (  # noqa: E402
    after_submit,
    apply_match,
    case_clock,
    check_acceptance,
    compensation_guidance,
    consumer_respond,
    enterprise_respond,
    extend_case,
    hand_over_lead,
    link_respondent,
    match_respondent,
    my_complaints,
    on_closed,
    on_filed,
    on_forwarded,
    rate_satisfaction,
    record_consent,
    rejection,
    request_code,
    satisfaction_stats,
    send_termination_notice,
    split_report,
    verified_contact,
    verify_code,
)

__all__ = ["apply_match", "compensation_guidance", "consumer_respond", "enterprise_respond", "extend_case",
           "hand_over_lead", "link_respondent", "match_respondent", "my_complaints", "rate_satisfaction",
           "record_consent", "request_code", "satisfaction_stats", "send_termination_notice", "split_report",
           "verified_contact", "verify_code"]
from zhijian.consumer.credit_listings import add_listing, current_listings, listings, remove_listing  # noqa: E402

__all__ += ["add_listing", "current_listings", "draw_weights", "listings", "remove_listing"]


# ====================================================================== issue 15: credit page and satisfaction


def draw_frequency(session: Session, actor: Actor, enterprise_id: int) -> dict[str, Any]:
    """The 双随机 frequency the enterprise's class produces: its weight, how often relative to B, and its chance
    per draw among the enterprises of its province (the population a provincial plan draws from)."""
    can_read_credit(actor, enterprise_id)
    org = session.get(Organization, enterprise_id)
    if org is None or org.kind != "enterprise":
        raise NotFound("enterprise", enterprise_id, field="enterprise_id")
    province = (org.region_code or "")[:2]
    stmt = select(Organization.credit_class, func.count()).where(Organization.kind == "enterprise")
    if province:
        stmt = stmt.where(Organization.region_code.like(province + "%"))
    population = {str(k or "-"): int(n) for k, n in session.execute(stmt.group_by(Organization.credit_class))}
    weights = draw_weights(session)
    chances = rules.draw_chances(population, weights)
    own = org.credit_class if org.credit_class in rules.CREDIT_CLASSES else None
    mine = dict(chances[own or "B"])
    if own is None:  # unclassified: in the population as "-", weighing as B
        total = sum(n * weights.get(k, weights["B"]) for k, n in population.items())
        mine["per_draw"] = weights["B"] / total
        mine["per_100"] = round(100 * mine["per_draw"], 4)
    return {"enterprise_id": org.id, "credit_class": own, "province": province.ljust(6, "0") if province else "",
            "population": population, "enterprises": sum(population.values()), "classes": chances,
            "own": mine, "model_version": credit_model(session).version}


def satisfaction_monthly(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """满意度统计 per handling regulator and month of closing: rated cases, mean (1–5), the share of 4–5, and the
    count of each score — a regulator sees its division only (issue 13), the association none."""
    actor.require("regulator")
    stmt = (select(Complaint.handler_org_id, Organization.name, Complaint.closed_on, Complaint.received_on,
                   Complaint.satisfaction)
            .outerjoin(Organization, Organization.id == Complaint.handler_org_id)
            .where(Complaint.satisfaction.is_not(None)))
    if (clause := _region_filter(actor, Complaint.region_code)) is not None:
        stmt = stmt.where(clause)
    acc: dict[tuple[Any, str], dict[str, Any]] = {}
    for oid, name, closed, received, score in session.execute(stmt):
        month = (closed or received).strftime("%Y-%m")
        row = acc.setdefault((oid, month), {"regulator_id": oid, "regulator_name": name or "（未记录办理机关）",
                                            "month": month, "rated": 0, "sum": 0, "scores": dict.fromkeys(range(1, 6), 0)})
        row["rated"] += 1
        row["sum"] += int(score)
        row["scores"][int(score)] += 1
    out = []
    for (_oid, _m), r in sorted(acc.items(), key=lambda kv: (kv[1]["regulator_name"], kv[0][1])):
        n = r.pop("rated")
        total = r.pop("sum")
        out.append(r | {"rated": n, "mean": round(total / n, 2),
                        "satisfied_share": round((r["scores"][4] + r["scores"][5]) / n, 3)})
    return out


__all__ += ["draw_frequency", "satisfaction_monthly"]
