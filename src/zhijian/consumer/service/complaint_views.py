"""Reading cases: the regulator's queues, the case view with 个人信息 masked for whoever may not see it, who
handles a case (分派), satisfaction statistics, and the complaint contracts other rooms read (risk, enforcement)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, func, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.consumer import rules
from zhijian.consumer.complaints_flow import case_clock
from zhijian.consumer.models import Complaint, ComplaintEvent, ComplaintEvidence
from zhijian.consumer.service.common import _region_filter, can_handle_cases, can_see_contact, can_see_reporter, today
from zhijian.consumer.service.complaints import _event, clock, get_complaint
from zhijian.platform import audit, jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush, like_pattern, where_equal
from zhijian.platform.db import lock_for_update
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.pagination import Page, keyset_page


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


def complaint_records(session: Session, *, since: dt.date | None = None) -> list[tuple[Any, ...]]:
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
    stmt = where_equal(stmt, (Complaint.product_id, product_id), (Complaint.respondent_id, enterprise_id))
    if since is not None:
        stmt = stmt.where(Complaint.received_on >= since)
    return int(session.scalar(stmt) or 0)


@dataclass(frozen=True)
class RegulatorSatisfaction:
    """满意率 of one handling regulator: rated cases, mean score (1–5), the share of 4–5."""

    regulator_id: int | None
    regulator_name: str
    rated: int
    mean: float
    satisfied_share: float | None


def satisfaction_stats(session: Session, actor: Actor) -> list[RegulatorSatisfaction]:
    """Per handling regulator: rated cases, mean score (1–5), and the share of 4–5 (满意率)."""
    actor.require("regulator")  # issue 13: the association reads no complaint data
    stmt = (select(Complaint.handler_org_id, Organization.name, func.count(), func.avg(Complaint.satisfaction),
                   func.sum(func.coalesce((Complaint.satisfaction >= 4).cast(Integer), 0)))
            .outerjoin(Organization, Organization.id == Complaint.handler_org_id)
            .where(Complaint.satisfaction.is_not(None)))
    if (clause := _region_filter(actor, Complaint.region_code)) is not None:
        stmt = stmt.where(clause)
    rows = session.execute(stmt.group_by(Complaint.handler_org_id, Organization.name)
                           .order_by(Complaint.handler_org_id))
    return [RegulatorSatisfaction(oid, name or "（未记录办理机关）", int(n), round(float(mean), 2),
                                  round(int(good or 0) / int(n), 3) if n else None)
            for oid, name, n, mean, good in rows]


@dataclass(frozen=True)
class MonthlySatisfaction:
    """满意度 of one handling regulator in one month of closing: rated cases, each score's count, mean, 4–5 share."""

    regulator_id: int | None
    regulator_name: str
    month: str
    scores: dict[int, int]
    rated: int
    mean: float
    satisfied_share: float


def satisfaction_monthly(session: Session, actor: Actor) -> list[MonthlySatisfaction]:
    """满意度统计 per handling regulator and month of closing: rated cases, mean (1–5), the share of 4–5, and the
    count of each score — a regulator sees its division only (issue 13), the association none."""
    actor.require("regulator")
    stmt = (select(Complaint.handler_org_id, Organization.name, Complaint.closed_on, Complaint.received_on,
                   Complaint.satisfaction)
            .outerjoin(Organization, Organization.id == Complaint.handler_org_id)
            .where(Complaint.satisfaction.is_not(None)))
    if (clause := _region_filter(actor, Complaint.region_code)) is not None:
        stmt = stmt.where(clause)
    names: dict[tuple[int | None, str], str] = {}
    scores: dict[tuple[int | None, str], dict[int, int]] = {}
    for oid, name, closed, received, score in session.execute(stmt):
        key = (oid, (closed or received).strftime("%Y-%m"))
        names.setdefault(key, name or "（未记录办理机关）")
        scores.setdefault(key, dict.fromkeys(range(1, 6), 0))[int(score or 0)] += 1
    out = []
    for key in sorted(scores, key=lambda k: (names[k], k[1])):
        count = scores[key]
        n = sum(count.values())
        out.append(MonthlySatisfaction(key[0], names[key], key[1], count, n,
                                       round(sum(s * c for s, c in count.items()) / n, 2),
                                       round((count[4] + count[5]) / n, 3)))
    return out
