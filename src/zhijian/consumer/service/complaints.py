"""投诉举报的办理: filing, the state machine (受理 → 调解/核查 → 办结), pauses for testing (检测、鉴定), evidence, and the
statutory clocks (the deadlines table of 《市场监督管理投诉举报处理暂行办法》, re-clocked when it changes)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Organization, Product
from zhijian.consumer import procedure, rules
from zhijian.consumer.complaints_flow import (
    after_submit,
    check_acceptance,
    on_closed,
    on_filed,
    on_forwarded,
    rejection,
)
from zhijian.consumer.models import Complaint, ComplaintEvent, ComplaintEvidence, ComplaintPause
from zhijian.consumer.schemas import ComplaintIn, MediationIn, TransitionIn
from zhijian.consumer.service.common import _DEADLINES, _put_setting, _setting, can_handle_cases, can_read_case, today
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush, get_or_404
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied


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


def _subject(session: Session, actor: Actor, data: ComplaintIn) -> tuple[Product | None, Organization | None]:
    """The product (public, or any for staff) and the registered respondent a filing names; the category exists."""
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
    return product, respondent


def _check_complaint_fields(data: ComplaintIn) -> None:
    """办法 第九条: 投诉应当提供投诉人姓名、电话、地址，被投诉人，具体的投诉请求以及消费者权益争议事实 (not anonymous)."""
    for fld, zh in (("complainant_name", "姓名"), ("complainant_phone", "联系电话"), ("complainant_address", "地址")):
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


def submit_complaint(session: Session, actor: Actor, data: ComplaintIn) -> tuple[Complaint, str]:
    """登记投诉/举报 — anyone may file; returns the case and its check code (shown once)."""
    from zhijian.catalog import rules as catalog_rules

    received = data.received_on or today()
    if data.received_on is not None and not actor.is_staff:
        raise PermissionDenied("只有工作人员可以补录登记日期", "only staff may set the date of receipt")
    if received > today():
        raise DomainError("complaint.future_date", "登记日期不能晚于今天", "date of receipt is in the future",
                          field="received_on")
    product, respondent = _subject(session, actor, data)
    if data.kind == "complaint":
        _check_complaint_fields(data)
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
    c = get_or_404(session, Complaint, complaint_id, "complaint")
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


def _reject(session: Session, actor: Actor, c: Complaint, t: TransitionIn, on: dt.date) -> None:
    if not t.reason.strip():
        raise DomainError("complaint.reason_required", "不予受理须说明理由", "a rejection needs a reason",
                          field="reason")
    c.rejected_reason = t.reason.strip()
    c.closed_on = on
    if c.kind == "complaint":  # 《暂行办法》第十五条: coded ground and the written notice
        notice = rejection(c, t.reason_code, t.reason.strip(), on)
        _event(session, c, actor, "notice", on, note=notice, data={"reason_code": c.rejected_code})


def _accept(session: Session, actor: Actor, c: Complaint, t: TransitionIn, on: dt.date) -> None:
    check_acceptance(c)
    c.accepted_on = on
    c.handler_org_id = c.handler_org_id or actor.organization_id
    c.region_code = c.region_code or place(session, c)


def _forward(session: Session, actor: Actor, c: Complaint, t: TransitionIn, on: dt.date) -> None:
    if c.respondent_id is None:
        raise DomainError("complaint.no_respondent", "被投诉人未登记为企业，不能转企业处理（请先关联登记企业）",
                          "the respondent is not a registered enterprise (link it first)", field="to")
    c.forwarded_on = on
    on_forwarded(session, c, on)


def _mediate(session: Session, actor: Actor, c: Complaint, t: TransitionIn, on: dt.date) -> None:
    procedure.check_consent(c.consent_complainant, c.consent_respondent)  # 《暂行办法》第十六条


def _decide(session: Session, actor: Actor, c: Complaint, t: TransitionIn, on: dt.date) -> None:
    if t.decision is None:
        raise DomainError("complaint.decision_required", "须选择处理决定（立案 / 不予立案）",
                          "a decision (filed / not_filed) is required", field="decision")
    c.decision = t.decision
    c.decided_on = on
    if t.decision == "filed":
        on_filed(session, c, on)
    if t.justified is not None:
        c.justified = t.justified


def _close_complaint(session: Session, c: Complaint, t: TransitionIn, on: dt.date) -> None:
    """办结 of a complaint: its outcome (a mediation outcome only after mediation), the agreement, 属实."""
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


def _close(session: Session, actor: Actor, c: Complaint, t: TransitionIn, on: dt.date) -> None:
    if c.kind == "complaint":
        _close_complaint(session, c, t, on)
    c.closed_on = on
    if any(p.end_on is None for p in session.scalars(select(ComplaintPause).where(
            ComplaintPause.complaint_id == c.id))):
        raise DomainError("complaint.paused", "检测尚未结束，不能办结", "a test is still running", field="to")


# what each target state needs before the state changes (the state machine itself is `rules.check_transition`)
_STEPS: dict[str, Callable[[Session, Actor, Complaint, TransitionIn, dt.date], None]] = {
    "rejected": _reject, "accepted": _accept, "forwarded": _forward, "mediating": _mediate, "decided": _decide,
    "closed": _close,
}


def transition(session: Session, actor: Actor, complaint_id: int, t: TransitionIn) -> Complaint:
    """受理 / 不予受理 / 转企业 / 调解 / 处理决定 / 办结 — one state change with what it needs."""
    can_handle_cases(actor)
    lock_for_update(session, Complaint, complaint_id)  # concurrent transitions of one case: one at a time
    c = get_complaint(session, actor, complaint_id)
    on = t.on or today()
    if on > today():
        raise DomainError("complaint.future_date", "日期不能晚于今天", "date is in the future", field="on")
    rules.check_transition(c.kind, c.state, t.to)
    step = _STEPS.get(t.to)
    if step is not None:
        step(session, actor, c, t, on)
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
