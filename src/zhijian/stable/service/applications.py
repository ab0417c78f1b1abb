"""Applications (申报) → review (审核) → committee decision (委员会决定), with comments and withdrawal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from zhijian.platform.pagination import Page, keyset_page
from zhijian.stable import rules
from zhijian.stable.models import (
    ApplicationComment,
    Listing,
    StableApplication,
    StableEvaluation,
)
from zhijian.stable.service.announcements import OUTCOME_ZH, _list_product
from zhijian.stable.service.eligibility import evaluate_product, product_info
from zhijian.stable.service.policy import (
    OPEN_STATUSES,
    STATUS_ZH,
    _division_clause,
    can_read_all,
    can_read_application,
    require_committee,
    require_staff,
    today,
)


def _former(names: Sequence[Sequence[str]] | None) -> list[list[str]]:
    out: list[list[str]] = []
    for i, pair in enumerate(names or []):
        if len(pair) != 2 or not str(pair[1]).strip():
            raise DomainError("stable.bad_former_name", f"第 {i + 1} 个曾用名应为 [品牌, 型号]",
                              f"former name {i + 1} must be [brand, model]", field=f"former_names.{i}")
        out.append([str(pair[0]).strip(), str(pair[1]).strip()])
    return out


def apply(session: Session, actor: Actor, product_id: int, *, statement: str = "",
          former_names: Sequence[Sequence[str]] | None = None, evidence: rules.Evidence | None = None,
          ) -> StableApplication:
    """申报 — an enterprise applies for its own product; association staff may enter a proposed candidate."""
    info = product_info(session, product_id)
    if actor.role == "enterprise":
        if not actor.owns(info.enterprise_id):
            raise PermissionDenied("企业只能为本企业的产品申报", "an enterprise may only apply for its own products")
        source = "enterprise"
    else:
        actor.require("association", "enterprise")
        source = "proposed"
    open_app = session.scalar(select(StableApplication.id).where(StableApplication.product_id == product_id,
                                                                 StableApplication.status.in_(OPEN_STATUSES)))
    if open_app is not None:
        raise Conflict("stable.application_open", f"该产品已有在审申报（编号 {open_app}）",
                       f"this product already has an open application ({open_app})", field="product_id")
    current = select(Listing.id).where(Listing.product_id == product_id, or_(
        Listing.status == "pending", (Listing.status == "listed") & (Listing.valid_until >= today())))
    if session.scalar(current.limit(1)) is not None:  # listed (even under review) or awaiting announcement
        raise Conflict("stable.already_listed", "该产品已列入名单或待公告", "this product is already listed or awaiting "
                       "announcement", field="product_id")
    app = StableApplication(product_id=product_id, enterprise_id=info.enterprise_id, source=source,
                            status="submitted", statement=statement.strip(), former_names=_former(former_names),
                            submitted_by=actor.user_id)
    session.add(app)
    flush(session, "stable_application")
    app.evaluation_id = evaluate_product(session, SYSTEM, product_id, evidence=evidence).id
    flush(session, "stable_application")
    return app


def get_application(session: Session, actor: Actor, app_id: int) -> StableApplication:
    app = session.get(StableApplication, app_id)
    if app is None or not can_read_application(actor, app, session):
        raise NotFound("application", app_id)  # others' applications do not exist for you
    return app


def list_applications(session: Session, actor: Actor, *, status: str | None = None, limit: int = 50,
                      cursor: str | None = None) -> Page[StableApplication]:
    """Enterprises see only their own applications; association and regulators see all."""
    stmt: Select[Any] = select(StableApplication)
    if not can_read_all(actor):
        if actor.role != "enterprise" or actor.organization_id is None:
            actor.require("association", "regulator", "enterprise")
            raise PermissionDenied()
        stmt = stmt.where(StableApplication.enterprise_id == actor.organization_id)
    elif (clause := _division_clause(actor, StableApplication.enterprise_id)) is not None:
        stmt = stmt.where(clause)
    if status:
        if status not in STATUS_ZH:
            raise DomainError("stable.bad_status", f"未知状态：{status}", f"unknown status: {status}", field="status")
        stmt = stmt.where(StableApplication.status == status)
    return keyset_page(session, stmt, StableApplication.id, limit=limit, cursor=cursor, descending=True)


def add_comment(session: Session, actor: Actor, app_id: int, body: str) -> ApplicationComment:
    """审核意见 — staff comment; the applicant may answer on its own application."""
    app = get_application(session, actor, app_id)
    if not (actor.role in ("association", "admin") or actor.owns(app.enterprise_id)):
        raise PermissionDenied("无权对该申报发表意见", "you may not comment on this application")
    if not body.strip():
        raise DomainError("stable.empty_comment", "意见不能为空", "the comment is empty", field="body")
    row = ApplicationComment(application_id=app.id, author=actor.label, author_role=actor.role, body=body.strip())
    return added(session, row, "comment")


def comments(session: Session, actor: Actor, app_id: int) -> list[ApplicationComment]:
    app = get_application(session, actor, app_id)
    return list(session.scalars(select(ApplicationComment).where(ApplicationComment.application_id == app.id)
                                .order_by(ApplicationComment.id)))


def review(session: Session, actor: Actor, app_id: int, *, recommendation: str, comment: str,
           evidence: rules.Evidence | None = None) -> StableApplication:
    """审核 — association staff re-evaluate, comment and recommend; the committee decides next."""
    require_staff(actor)
    app = get_application(session, actor, app_id)
    if app.status != "submitted":
        raise InvalidTransition("application", app.status, "reviewed")
    if recommendation not in ("approve", "reject"):
        raise DomainError("stable.bad_recommendation", "审核建议应为 approve 或 reject",
                          "recommendation must be approve or reject", field="recommendation")
    if not comment.strip():
        raise DomainError("stable.comment_required", "审核须填写意见", "a review needs a comment", field="comment")
    app.evaluation_id = evaluate_product(session, SYSTEM, app.product_id, evidence=evidence).id
    app.status, app.recommendation, app.review_comment = "reviewed", recommendation, comment.strip()
    app.reviewer_id, app.reviewed_at = actor.user_id, dt.datetime.now(dt.UTC)
    session.add(ApplicationComment(application_id=app.id, author=actor.label, author_role=actor.role,
                                   body=f"[审核建议：{'批准' if recommendation == 'approve' else '不批准'}] {comment.strip()}"))
    flush(session, "stable_application")
    return app


def decide(session: Session, actor: Actor, app_id: int, *, decision: str, reason: str,
           override: bool = False) -> StableApplication:
    """委员会决定 — a committee member other than the reviewer approves or rejects, always with reasons.

    Approval needs an eligible evaluation; approving anything else needs `override` and is recorded as such.
    Approval puts the product into the current draft announcement (公告批次).
    """
    require_committee(session, actor)
    app = get_application(session, actor, app_id)
    if decision not in ("approved", "rejected"):
        raise DomainError("stable.bad_decision", "决定应为 approved 或 rejected", "decision must be approved or rejected",
                          field="decision")
    if app.status != "reviewed":
        raise InvalidTransition("application", app.status, decision)
    if app.reviewer_id is not None and app.reviewer_id == actor.user_id:
        raise PermissionDenied("审核人不能对同一申报作出委员会决定", "the reviewer may not also decide",
                               code="stable.reviewer_decides")
    if not reason.strip():
        raise DomainError("stable.reason_required", "委员会决定须说明理由", "a decision needs reasons", field="reason")
    ev = session.get(StableEvaluation, app.evaluation_id) if app.evaluation_id else None
    if decision == "approved" and (ev is None or ev.outcome != rules.ELIGIBLE) and not override:
        outcome = ev.outcome if ev else "none"
        raise DomainError("stable.not_eligible", f"评定结论为「{OUTCOME_ZH.get(outcome, '未评定')}」，批准须勾选「委员会特批」并说明理由",
                          f"the evaluation is '{outcome}'; approving needs an explicit committee override",
                          field="override", status=409)
    app.status = app.decision = decision
    app.decision_reason = reason.strip() + (" [委员会特批]" if decision == "approved" and override and (
        ev is None or ev.outcome != rules.ELIGIBLE) else "")
    app.decided_by, app.decided_at = actor.user_id, dt.datetime.now(dt.UTC)
    flush(session, "stable_application")
    if decision == "approved":
        _list_product(session, app, ev)
    return app


def withdraw(session: Session, actor: Actor, app_id: int) -> StableApplication:
    app = get_application(session, actor, app_id)
    if not (actor.owns(app.enterprise_id) or actor.role in ("association", "admin")):
        raise PermissionDenied("只能撤回本企业的申报", "you may only withdraw your own application")
    if app.status not in OPEN_STATUSES:
        raise InvalidTransition("application", app.status, "withdrawn")
    app.status = "withdrawn"
    flush(session, "stable_application")
    return app
