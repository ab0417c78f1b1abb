"""稳定合格产品 use cases: rule sets, evaluations, applications → review → committee, announcements, listings.

The API, the CLI, the pages, the demo and the event handler all call these functions; the permission
checks are the policy functions at the top. Other rooms are read only through their services (spot-check
history, complaints, certificates) and an absent room is "no data" (→ criteria unknown), never "met".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog import service as catalog
from zhijian.catalog.models import Organization
from zhijian.platform import jurisdiction
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from zhijian.platform.events import subscriber
from zhijian.platform.logs import log
from zhijian.platform.models import User
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.rooms import room_module
from zhijian.stable import documents, rules
from zhijian.stable.models import (
    Announcement,
    ApplicationComment,
    CommitteeMember,
    Listing,
    StableApplication,
    StableEvaluation,
    StableRuleSet,
)

CHINA = ZoneInfo("Asia/Shanghai")
OPEN_STATUSES = ("submitted", "reviewed")
STATUS_ZH = {"submitted": "待审核", "reviewed": "待委员会决定", "approved": "已批准", "rejected": "未批准",
             "withdrawn": "已撤回"}
DEFAULT_VALID_YEARS = 3


def today() -> dt.date:
    """Dates of the programme are Beijing dates (公告日期)."""
    return dt.datetime.now(CHINA).date()


# ---------------------------------------------------------------- policy (one place for this room)


def require_staff(actor: Actor) -> None:
    """The association runs the programme (Product Quality Law art. 25: not the regulator's to recommend)."""
    actor.require("association")


def can_read_all(actor: Actor) -> bool:
    """Reads beyond one's own enterprise: admin and the association everything; a regulator the enterprises of its
    division (issue 13: `in_division` on each record, `_division_clause` on lists)."""
    return actor.role in ("admin", "association", "regulator")


def _enterprise_region(col: Any) -> Any:
    return select(Organization.region_code).where(Organization.id == col).scalar_subquery()


def _division_clause(actor: Actor, enterprise_col: Any) -> Any:
    """WHERE clause of a regional regulator over records of enterprises (None: no restriction)."""
    return jurisdiction.region_clause(actor, _enterprise_region(enterprise_col))


def in_division(session: Session, actor: Actor, enterprise_id: int | None) -> bool:
    """Is the enterprise registered in the actor's division (always true for non-regulators)."""
    if jurisdiction.regional_prefix(actor) is None:
        return True
    region = session.scalar(select(Organization.region_code).where(Organization.id == enterprise_id))
    return jurisdiction.covers(actor, region)


def is_committee_member(session: Session, actor: Actor) -> bool:
    if actor.user_id is None:
        return False
    row = session.scalar(select(CommitteeMember).where(CommitteeMember.user_id == actor.user_id,
                                                       CommitteeMember.active.is_(True)))
    return row is not None and actor.role in ("association", "admin")


def require_committee(session: Session, actor: Actor) -> None:
    """委员会决定 — only appointed committee members decide (the reviewer alone never can)."""
    if actor.is_public:
        actor.require("association")
    if not is_committee_member(session, actor):
        raise PermissionDenied("只有评审委员会委员可以作出决定", "only committee members may decide",
                               code="stable.not_committee")


def can_read_application(actor: Actor, app: StableApplication, session: Session | None = None) -> bool:
    if actor.role == "regulator":
        return session is not None and in_division(session, actor, app.enterprise_id)
    return can_read_all(actor) or (actor.role == "enterprise" and actor.owns(app.enterprise_id))


def can_evaluate(actor: Actor, enterprise_id: int, session: Session | None = None) -> None:
    if actor.role == "regulator" and session is not None and not in_division(session, actor, enterprise_id):
        raise DomainError("jurisdiction.outside", "企业不存在或不在本辖区", "enterprise not found in your jurisdiction",
                          status=404)
    if can_read_all(actor):
        return
    if actor.role == "enterprise" and actor.owns(enterprise_id):
        return
    actor.require("association", "regulator", "enterprise")
    raise PermissionDenied("企业只能评定本企业的产品", "an enterprise may only evaluate its own products")


# ---------------------------------------------------------------- rule sets


def ensure_default_ruleset(session: Session) -> StableRuleSet:
    """Version 1 (the defaults) exists in every database that evaluates anything."""
    row = session.scalar(select(StableRuleSet).order_by(StableRuleSet.version).limit(1))
    if row is not None:
        return row
    rs = rules.parse_ruleset(rules.default_ruleset_data())
    row = StableRuleSet(version=rs.version, name=rs.name, effective_from=rs.effective_from,
                        data=rules.ruleset_to_data(rs), created_by="system")
    session.add(row)
    flush(session, "stable_ruleset")
    return row


def create_ruleset(session: Session, actor: Actor, data: dict[str, Any]) -> StableRuleSet:
    """新版本规则 — a new version; stored rule sets are never changed, so old evaluations stay explainable."""
    require_staff(actor)
    ensure_default_ruleset(session)
    latest = session.scalar(select(func.max(StableRuleSet.version))) or 0
    data = dict(data)
    data.setdefault("version", latest + 1)
    rs = rules.parse_ruleset(data)
    if rs.version <= latest:
        raise Conflict("stable.ruleset_version", f"版本号须大于现有最高版本 {latest}",
                       f"version must be greater than the latest version {latest}", field="version")
    row = StableRuleSet(version=rs.version, name=rs.name, effective_from=rs.effective_from,
                        data=rules.ruleset_to_data(rs), created_by=actor.label)
    session.add(row)
    flush(session, "stable_ruleset")
    return row


def list_rulesets(session: Session, actor: Actor) -> list[StableRuleSet]:
    ensure_default_ruleset(session)
    return list(session.scalars(select(StableRuleSet).order_by(StableRuleSet.version)))


def get_ruleset(session: Session, version: int) -> StableRuleSet:
    row = session.scalar(select(StableRuleSet).where(StableRuleSet.version == version))
    if row is None:
        raise NotFound("ruleset", version, field="ruleset_version")
    return row


def ruleset_for(session: Session, on: dt.date) -> rules.RuleSet:
    """The version in force on a date (latest effective date ≤ that day)."""
    ensure_default_ruleset(session)
    all_sets = [rules.parse_ruleset(r.data) for r in session.scalars(select(StableRuleSet))]
    rs = rules.ruleset_in_force(all_sets, on)
    if rs is None:
        raise DomainError("stable.no_ruleset", f"{on} 没有生效的评定规则", f"no rule set in force on {on}",
                          field="as_of")
    return rs


# ---------------------------------------------------------------- evidence from other rooms


@dataclass(frozen=True)
class ProductInfo:
    """What this room needs to know about a catalog product."""

    id: int
    name: str
    brand: str
    model: str
    enterprise_id: int
    enterprise_name: str
    region_code: str
    credit_class: str | None
    category_id: int
    category_name: str
    requires_ccc: bool


def product_info(session: Session, product_id: int) -> ProductInfo:
    p = catalog.get_product(session, SYSTEM, product_id)
    org = catalog.get_organization(session, SYSTEM, p.enterprise_id)
    cat = catalog.get_category(session, SYSTEM, p.category_id)
    return ProductInfo(p.id, p.name, p.brand, p.model, org.id, org.name, org.region_code, org.credit_class, cat.id,
                       cat.name, bool(cat.requires_ccc))


def _aliases(session: Session, product_id: int) -> tuple[tuple[str, str], ...]:
    """Former (brand, model) names declared in this product's applications (产品更名)."""
    out: list[tuple[str, str]] = []
    for names in session.scalars(select(StableApplication.former_names).where(
            StableApplication.product_id == product_id)):
        for pair in names or []:
            if isinstance(pair, list | tuple) and len(pair) == 2 and (str(pair[0]), str(pair[1])) not in out:
                out.append((str(pair[0]), str(pair[1])))
    return tuple(out)


def _room_call(room: str, name: str, session: Session, **kwargs: Any) -> Any:
    """Another room's contract function; an absent room or function, or a failing call, is None ("no data",
    so the criteria that need it come out unknown). The call runs in a savepoint so a failure leaves our
    transaction usable."""
    svc = room_module(room, "service")
    fn = getattr(svc, name, None) if svc is not None else None
    if fn is None:
        return None
    try:
        with session.begin_nested():
            return fn(session, **kwargs)
    except DomainError:
        return None
    except Exception:
        log.exception("stable: contract call failed", extra={"zj_room": room, "zj_function": name})
        return None


def _inspections(session: Session, enterprise_id: int) -> tuple[rules.Inspection, ...] | None:
    recs = _room_call("spotcheck", "inspection_history", session, enterprise_id=enterprise_id)
    return None if recs is None else tuple(rules.Inspection.from_record(r) for r in recs)


def _complaints(session: Session, product_id: int, since: dt.date) -> int | None:
    n = _room_call("consumer", "justified_complaints", session, product_id=product_id, since=since)
    return None if n is None else int(n)


def _certificates(session: Session, product_id: int) -> tuple[rules.Certificate, ...] | None:
    certs = _room_call("consumer", "certificates_for", session, product_id=product_id)
    if certs is None:
        return None
    return tuple(rules.Certificate(str(c.number), str(c.kind), str(c.status), c.valid_until) for c in certs)


def gather_evidence(session: Session, info: ProductInfo, rs: rules.RuleSet, as_of: dt.date,
                    inspections: tuple[rules.Inspection, ...] | None | bool = True) -> rules.Evidence:
    """Collect the evidence of one product; `inspections=True` reads the spotcheck room (bulk runs pass them)."""
    windows = [c.params.get("window_years", 3) for c in rs.criteria if c.kind == "complaints"] or [3]
    ref = rules.ProductRef(info.id, info.enterprise_id, info.brand, info.model, info.requires_ccc,
                           _aliases(session, info.id))
    recs = _inspections(session, info.enterprise_id) if inspections is True else inspections
    return rules.Evidence(product=ref, as_of=as_of, inspections=recs,  # type: ignore[arg-type]
                          justified_complaints=_complaints(session, info.id, rules.window_start(as_of, windows[0])),
                          credit_class=info.credit_class, certificates=_certificates(session, info.id))


# ---------------------------------------------------------------- evaluations


def _store_evaluation(session: Session, actor: Actor, ev: rules.Evaluation) -> StableEvaluation:
    row = StableEvaluation(product_id=ev.product_id, ruleset_version=ev.ruleset_version, as_of=ev.as_of,
                           outcome=ev.outcome, result=ev.as_dict(), evaluated_by=actor.label)
    session.add(row)
    flush(session, "stable_evaluation")
    return row


def evaluate_product(session: Session, actor: Actor, product_id: int, as_of: dt.date | None = None, *,
                     evidence: rules.Evidence | None = None) -> StableEvaluation:
    """评定 — apply the rule set in force on `as_of` and store the explained result with its version.

    `evidence` lets callers in Python (tests, what-if tools) supply the evidence instead of the other rooms.
    """
    as_of = as_of or today()
    info = product_info(session, product_id)
    can_evaluate(actor, info.enterprise_id, session)
    rs = ruleset_for(session, as_of)
    ev = evidence if evidence is not None else gather_evidence(session, info, rs, as_of)
    return _store_evaluation(session, actor, rules.evaluate(rs, ev))


def get_evaluation(session: Session, actor: Actor, evaluation_id: int) -> StableEvaluation:
    row = session.get(StableEvaluation, evaluation_id)
    if row is None:
        raise NotFound("evaluation", evaluation_id)
    info = product_info(session, row.product_id)
    if not (can_read_all(actor) or actor.owns(info.enterprise_id)) or not in_division(session, actor,
                                                                                      info.enterprise_id):
        raise NotFound("evaluation", evaluation_id)
    return row


def latest_evaluation(session: Session, product_id: int) -> StableEvaluation | None:
    return session.scalar(select(StableEvaluation).where(StableEvaluation.product_id == product_id)
                          .order_by(StableEvaluation.id.desc()).limit(1))


def propose_candidates(session: Session, actor: Actor, *, category_id: int | None = None, region: str | None = None,
                       as_of: dt.date | None = None, limit: int = 500) -> list[StableEvaluation]:
    """批量评定 — evaluate every product of a category (with sub-categories) or region; store and return the
    eligible ones that are neither listed nor already applied for (the staff's candidate list)."""
    actor.require("association", "regulator")
    if category_id is None and not region:
        raise DomainError("stable.scope_required", "请指定产品类别或地区", "give a category or a region",
                          field="category_id")
    as_of = as_of or today()
    rs = ruleset_for(session, as_of)
    ids = catalog.category_subtree_ids(session, category_id) if category_id is not None else None
    stmt = catalog.product_query(actor, category_ids=ids, region=region)
    if (clause := _division_clause(actor, catalog.Product.enterprise_id)) is not None:
        stmt = stmt.where(clause)  # a regional regulator proposes only its division's products
    busy = set(session.scalars(select(StableApplication.product_id).where(
        StableApplication.status.in_(OPEN_STATUSES))))
    busy |= set(session.scalars(select(Listing.product_id).where(Listing.status.in_(("pending", "listed")))))
    history: dict[int, tuple[rules.Inspection, ...] | None] = {}
    out: list[StableEvaluation] = []
    for product in session.scalars(stmt.order_by(catalog.Product.id).limit(20_000)):
        if product.id in busy:
            continue
        info = product_info(session, product.id)
        if info.enterprise_id not in history:
            history[info.enterprise_id] = _inspections(session, info.enterprise_id)
        ev = rules.evaluate(rs, gather_evidence(session, info, rs, as_of, history[info.enterprise_id]))
        if ev.outcome == rules.ELIGIBLE:
            out.append(_store_evaluation(session, actor, ev))
            if len(out) >= limit:
                break
    return out


# ---------------------------------------------------------------- committee


def appoint_committee_member(session: Session, actor: Actor, user_id: int, active: bool = True) -> CommitteeMember:
    """聘任委员 — admin only, so an association user cannot make himself a judge."""
    actor.require("admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id, field="user_id")
    if user.role != "association":
        raise DomainError("stable.committee_role", "委员须为协会用户", "committee members must be association users",
                          field="user_id")
    row = session.scalar(select(CommitteeMember).where(CommitteeMember.user_id == user_id))
    if row is None:
        row = CommitteeMember(user_id=user_id, active=active)
        session.add(row)
    else:
        row.active = active
    flush(session, "committee_member")
    return row


def list_committee(session: Session, actor: Actor) -> list[tuple[CommitteeMember, User]]:
    actor.require("association")
    return list(session.execute(select(CommitteeMember, User).join(User, User.id == CommitteeMember.user_id)
                                .order_by(CommitteeMember.id)).all())


# ---------------------------------------------------------------- applications


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
    session.add(row)
    flush(session, "comment")
    return row


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
        raise DomainError("stable.not_eligible", f"评定结论为「{outcome}」，批准须勾选「委员会特批」并说明理由",
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


# ---------------------------------------------------------------- announcements and listings


def _draft(session: Session, kind: str) -> Announcement:
    ann = session.scalar(select(Announcement).where(Announcement.kind == kind, Announcement.status == "draft")
                         .order_by(Announcement.id).limit(1))
    if ann is None:
        title = "全国质量检验稳定合格产品名单" if kind == "listing" else "撤销全国质量检验稳定合格产品资格"
        ann = Announcement(kind=kind, status="draft", title=title)
        session.add(ann)
        flush(session, "announcement")
    return ann


OUTCOME_ZH = {rules.ELIGIBLE: "符合条件", rules.INELIGIBLE: "不符合条件", rules.UNDETERMINED: "无法判定"}


def _basis(ev: StableEvaluation | None) -> str:
    """列入依据 — a one-line summary of the evaluation behind a listing."""
    if ev is None:
        return "委员会特批（无评定记录）"
    matched = ev.result.get("matched_inspections", [])
    ok = [r for r in matched if r.get("verdict") == rules.CONFORMING]
    years = sorted({r["year"] for r in ok})
    span = f"{years[0]}—{years[-1]}年" if years else ""
    text = (f"评定规则第{ev.ruleset_version}版；{span}监督抽查 {len(matched)} 批次，合格 {len(ok)} 批次；"
            f"评定结论：{OUTCOME_ZH.get(ev.outcome, ev.outcome)}")
    return text if ev.outcome == rules.ELIGIBLE else text + "；委员会特批"


def _list_product(session: Session, app: StableApplication, ev: StableEvaluation | None) -> Listing:
    info = product_info(session, app.product_id)
    ann = _draft(session, "listing")
    row = Listing(product_id=info.id, enterprise_id=info.enterprise_id, application_id=app.id,
                  announcement_id=ann.id, status="pending", certificate_no=f"PENDING-{app.id}",
                  enterprise_name=info.enterprise_name, product_name=info.name, brand=info.brand, model=info.model,
                  category_name=info.category_name, region_code=info.region_code, basis=_basis(ev),
                  ruleset_version=ev.ruleset_version if ev else None)
    session.add(row)
    flush(session, "listing")
    return row


def list_announcements(session: Session, actor: Actor, *, kind: str | None = None, include_drafts: bool = False,
                       ) -> list[Announcement]:
    """Published announcements, newest first; drafts only for the association."""
    stmt = select(Announcement)
    if not (include_drafts and actor.role in ("association", "admin")):
        stmt = stmt.where(Announcement.status == "published")
    if kind:
        stmt = stmt.where(Announcement.kind == kind)
    return list(session.scalars(stmt.order_by(Announcement.year.desc(), Announcement.number.desc(),
                                              Announcement.id.desc())))


def get_announcement(session: Session, actor: Actor, ann_id: int) -> Announcement:
    ann = session.get(Announcement, ann_id)
    if ann is None or (ann.status != "published" and actor.role not in ("association", "admin")):
        raise NotFound("announcement", ann_id)
    return ann


def get_published(session: Session, year: int, number: int) -> Announcement:
    ann = session.scalar(select(Announcement).where(Announcement.year == year, Announcement.number == number,
                                                    Announcement.status == "published"))
    if ann is None:
        raise NotFound("announcement", rules.announcement_label(year, number))
    return ann


def announcement_items(session: Session, ann: Announcement) -> list[Listing]:
    col = Listing.announcement_id if ann.kind == "listing" else Listing.revocation_announcement_id
    return list(session.scalars(select(Listing).where(col == ann.id).order_by(Listing.region_code, Listing.id)))


def publish_announcement(session: Session, actor: Actor, ann_id: int, *, title: str | None = None,
                         body: str | None = None, valid_years: int = DEFAULT_VALID_YEARS,
                         on: dt.date | None = None) -> Announcement:
    """发布公告 — give the next number of the year, start the listings' validity, make it public."""
    require_staff(actor)
    ann = get_announcement(session, actor, ann_id)
    if ann.status != "draft":
        raise InvalidTransition("announcement", ann.status, "published")
    if not 1 <= valid_years <= 10:
        raise DomainError("stable.bad_validity", "有效期应为 1 到 10 年", "validity must be 1 to 10 years",
                          field="valid_years")
    items = announcement_items(session, ann)
    if not items:
        raise DomainError("stable.empty_announcement", "公告中没有产品", "the announcement lists no product",
                          status=409)
    on = on or today()
    number = rules.next_number(session.scalars(select(Announcement.number).where(Announcement.year == on.year)))
    ann.year, ann.number, ann.status = on.year, number, "published"
    now = dt.datetime.now(dt.UTC)
    ann.published_at = now if on == today() else dt.datetime.combine(on, dt.time(10, 0), CHINA).astimezone(dt.UTC)
    ann.published_by = actor.label
    if title:
        ann.title = title.strip()
    if body is not None:
        ann.body = body.strip()
    if ann.kind == "listing":
        ann.valid_from, ann.valid_until = on, rules.add_years(on, valid_years) - dt.timedelta(days=1)
        for item in items:  # 证书编号 follows the year of the announcement: WDHG-2026-000123
            item.status, item.valid_from, item.valid_until = "listed", ann.valid_from, ann.valid_until
            item.certificate_no = f"WDHG-{on.year}-{item.id:06d}"
    flush(session, "announcement")
    return ann


def announcement_label(ann: Announcement) -> str:
    if ann.year is None or ann.number is None:
        return "草稿"
    return rules.announcement_label(ann.year, ann.number)


def listing_state(row: Listing, on: dt.date | None = None) -> str:
    return rules.listing_state(row.status, row.valid_until, on or today(), row.flagged)


def list_listings(session: Session, actor: Actor, *, state: str | None = None, product_id: int | None = None,
                  limit: int = 200, cursor: str | None = None) -> Page[Listing]:
    stmt: Select[Any] = select(Listing)
    if not can_read_all(actor):
        if actor.role == "enterprise" and actor.organization_id is not None:
            stmt = stmt.where(or_(Listing.enterprise_id == actor.organization_id, Listing.status != "pending"))
        else:
            stmt = stmt.where(Listing.status != "pending")
    elif (clause := jurisdiction.region_clause(actor, Listing.region_code)) is not None:
        stmt = stmt.where(or_(Listing.status != "pending", clause))  # pending: the division's only
    if product_id is not None:
        stmt = stmt.where(Listing.product_id == product_id)
    d = today()
    if state == "flagged":
        stmt = stmt.where(Listing.flagged.is_(True), Listing.status == "listed")
    elif state == "valid":
        stmt = stmt.where(Listing.status == "listed", Listing.flagged.is_(False), Listing.valid_until >= d)
    elif state == "expired":
        stmt = stmt.where(Listing.status == "listed", Listing.valid_until < d)
    elif state in ("revoked", "pending"):
        stmt = stmt.where(Listing.status == state)
    elif state:
        raise DomainError("stable.bad_state", f"未知状态：{state}", f"unknown state: {state}", field="state")
    return keyset_page(session, stmt, Listing.id, limit=limit, cursor=cursor, descending=True)


def get_listing(session: Session, actor: Actor, listing_id: int) -> Listing:
    row = session.get(Listing, listing_id)
    if row is None or (row.status == "pending" and not (
            (can_read_all(actor) and jurisdiction.covers(actor, row.region_code)) or actor.owns(row.enterprise_id))):
        raise NotFound("listing", listing_id)
    return row


def _announcement_no(session: Session, ann_id: int | None) -> str | None:
    ann = session.get(Announcement, ann_id) if ann_id else None
    return announcement_label(ann) if ann is not None and ann.status == "published" else None


def current_listing(session: Session, product_id: int) -> dict[str, Any] | None:
    """Contract: the product's current listing — announcement number, validity and state ("valid", or
    "under_review" while a failed check is being reviewed). Expired and revoked listings are not current: None."""
    row = session.scalar(select(Listing).where(Listing.product_id == product_id, Listing.status == "listed")
                         .order_by(Listing.id.desc()).limit(1))
    if row is None or listing_state(row) not in ("valid", "under_review"):
        return None
    return {"announcement_no": _announcement_no(session, row.announcement_id), "valid_until": row.valid_until,
            "status": listing_state(row), "certificate_no": row.certificate_no,
            "verify_url": f"/stable/verify/{row.certificate_no}"}


def listed_product_ids(session: Session) -> set[int]:
    """Contract: products whose listing is valid today (published, not expired, not flagged, not revoked)."""
    return set(session.scalars(select(Listing.product_id).where(
        Listing.status == "listed", Listing.flagged.is_(False), Listing.valid_until >= today())))


@subscriber("spotcheck.verdict_final")
def on_verdict_final(session: Session, payload: dict[str, Any]) -> None:
    """A final 不合格 of a listed (or about-to-be-listed) product flags its listing for review at once."""
    if payload.get("verdict") != rules.NONCONFORMING:
        return
    details = {"batch_id": payload.get("batch_id"), "report_no": payload.get("report_no"),
               "failing_items": payload.get("failing_items") or []}
    if payload.get("product_id") is not None:
        flag_listings(session, int(payload["product_id"]), **details)
        return
    # a batch not linked to a catalog product: match the enterprise's listings by brand and model
    if payload.get("enterprise_id") is None:
        return
    recs = [r for r in _inspections(session, int(payload["enterprise_id"])) or ()
            if r.batch_id == payload.get("batch_id")]
    if not recs:
        return
    rs = ruleset_for(session, today())
    for row in session.scalars(select(Listing).where(Listing.enterprise_id == int(payload["enterprise_id"]),
                                                     Listing.status.in_(("pending", "listed")))):
        ref = rules.ProductRef(row.product_id, row.enterprise_id, row.brand, row.model,
                               aliases=_aliases(session, row.product_id))
        if rules.match_inspection(ref, recs[0], rs.model_similarity, rs.digits_must_match):
            flag_listings(session, row.product_id, **details)


def flag_listings(session: Session, product_id: int, *, batch_id: Any = None, report_no: str | None = None,
                  failing_items: Sequence[str] = ()) -> list[Listing]:
    items = "、".join(str(i) for i in failing_items) or "—"
    where = "，".join(x for x in (f"批次 {batch_id}" if batch_id is not None else "",
                                  f"报告 {report_no}" if report_no else "") if x)
    reason = f"监督抽查最终判定不合格（{where + '，' if where else ''}不合格项目：{items}）"
    rows = list(session.scalars(select(Listing).where(Listing.product_id == product_id,
                                                      Listing.status.in_(("pending", "listed")))))
    for row in rows:
        if not row.flagged:
            row.flagged, row.flagged_at, row.flag_reason = True, dt.datetime.now(dt.UTC), reason
            row.flag_batch_id = int(batch_id) if isinstance(batch_id, int) else None
    for app in session.scalars(select(StableApplication).where(StableApplication.product_id == product_id,
                                                               StableApplication.status.in_(OPEN_STATUSES))):
        session.add(ApplicationComment(application_id=app.id, author="system", author_role="system", body=reason))
    flush(session, "listing")
    return rows


def reconcile_flags(session: Session, actor: Actor) -> list[int]:
    """对账 — flag listed products whose spot-check history shows a final 不合格 sampled since listing, in case
    an event was missed (e.g. verdicts finalised while this room was not installed). Returns flagged listing ids."""
    actor.require("association")
    flagged: list[int] = []
    rows = list(session.scalars(select(Listing).where(Listing.status == "listed", Listing.flagged.is_(False))))
    by_enterprise: dict[int, tuple[rules.Inspection, ...] | None] = {}
    rs = ruleset_for(session, today())
    for row in rows:
        if row.enterprise_id not in by_enterprise:
            by_enterprise[row.enterprise_id] = _inspections(session, row.enterprise_id)
        ref = rules.ProductRef(row.product_id, row.enterprise_id, row.brand, row.model,
                               aliases=_aliases(session, row.product_id))
        bad = rules.failures_since(rs, ref, by_enterprise[row.enterprise_id] or (), row.valid_from or dt.date.min)
        if bad:
            last = bad[-1]
            flag_listings(session, row.product_id, batch_id=last.batch_id, report_no=last.report_no,
                          failing_items=list(last.failing_items))
            flagged.append(row.id)
    return flagged


def revoke_listing(session: Session, actor: Actor, listing_id: int, reason: str) -> Listing:
    """撤销 — a committee decision; the listing joins the draft revocation announcement to be published."""
    require_committee(session, actor)
    row = get_listing(session, actor, listing_id)
    if row.status == "revoked":
        raise InvalidTransition("listing", "revoked", "revoked")
    if not reason.strip():
        raise DomainError("stable.reason_required", "撤销须说明理由", "a revocation needs reasons", field="reason")
    ann = _draft(session, "revocation")
    row.status, row.revoked_at, row.revocation_reason = "revoked", dt.datetime.now(dt.UTC), reason.strip()
    row.revocation_announcement_id = ann.id
    flush(session, "listing")
    return row


def clear_flag(session: Session, actor: Actor, listing_id: int, reason: str) -> Listing:
    """复核后维持 — the committee keeps the listing (e.g. the batch was not this product)."""
    require_committee(session, actor)
    row = get_listing(session, actor, listing_id)
    if not row.flagged or row.status == "revoked":
        raise InvalidTransition("listing", listing_state(row), "valid")
    if not reason.strip():
        raise DomainError("stable.reason_required", "维持须说明理由", "keeping the listing needs reasons", field="reason")
    row.flagged = False
    row.flag_reason = f"{row.flag_reason}；复核维持：{reason.strip()}"
    flush(session, "listing")
    return row


def listing_by_certificate(session: Session, certificate_no: str) -> Listing:
    row = session.scalar(select(Listing).where(Listing.certificate_no == certificate_no.strip().upper()))
    if row is None or row.status == "pending":
        raise NotFound("certificate", certificate_no)
    return row


def verify_certificate(session: Session, certificate_no: str, on: dt.date | None = None) -> dict[str, Any]:
    """证书验证 — valid / under review / expired / revoked, and why (the public page and API)."""
    row = listing_by_certificate(session, certificate_no)
    state = listing_state(row, on)
    why = {"valid": f"列入{_announcement_no(session, row.announcement_id)}公告，有效期至 {row.valid_until}",
           "under_review": f"资格复核中：{row.flag_reason}",
           "expired": f"有效期已于 {row.valid_until} 届满",
           "revoked": f"资格已撤销：{row.revocation_reason}"}.get(state, "")
    return {"certificate_no": row.certificate_no, "state": state, "state_zh": rules.STATE_ZH[state], "reason": why,
            "enterprise": row.enterprise_name, "product": row.product_name, "brand": row.brand, "model": row.model,
            "category": row.category_name, "valid_from": row.valid_from, "valid_until": row.valid_until,
            "announcement_no": _announcement_no(session, row.announcement_id),
            "revocation_announcement_no": _announcement_no(session, row.revocation_announcement_id),
            "revoked_at": row.revoked_at, "flagged_at": row.flagged_at if row.flagged else None}


def dashboard(session: Session, actor: Actor) -> dict[str, int]:
    """Counts for the console home of this room."""
    counts: dict[str, int] = {}
    apps = select(StableApplication.status, func.count()).group_by(StableApplication.status)
    if not can_read_all(actor):
        apps = apps.where(StableApplication.enterprise_id == (actor.organization_id or -1))
    elif (clause := _division_clause(actor, StableApplication.enterprise_id)) is not None:
        apps = apps.where(clause)
    for status, n in session.execute(apps):
        counts[f"app_{status}"] = n
    counts["listed"] = len(listed_product_ids(session))
    counts["flagged"] = session.scalar(select(func.count()).select_from(Listing).where(
        Listing.flagged.is_(True), Listing.status == "listed")) or 0
    return counts


# ---------------------------------------------------------------- published documents


def announcement_url(base_url: str, ann: Announcement) -> str:
    return f"{base_url.rstrip('/')}/stable/announcements/{ann.year}/{ann.number}"


def announcement_doc(session: Session, ann: Announcement, base_url: str = "") -> documents.AnnouncementDoc:
    rows = tuple(documents.Row(r.certificate_no, r.enterprise_name, r.product_name, r.brand, r.model, r.category_name,
                               r.basis, r.revocation_reason if ann.kind == "revocation" else "")
                 for r in announcement_items(session, ann))
    published = ann.published_at.astimezone(CHINA).date() if ann.published_at else None
    return documents.AnnouncementDoc(announcement_label(ann), ann.kind, ann.title, ann.body, published,
                                     ann.valid_from, ann.valid_until, rows,
                                     announcement_url(base_url, ann) if base_url and ann.year else "")


def announcement_file(session: Session, actor: Actor, ann_id: int, fmt: str, base_url: str = "") -> bytes:
    """公告的 PDF 或 Excel 文件 (drafts only for the association, as a preview)."""
    ann = get_announcement(session, actor, ann_id)
    doc = announcement_doc(session, ann, base_url)
    if fmt == "pdf":
        return documents.announcement_pdf(doc)
    if fmt == "xlsx":
        return documents.announcement_xlsx(doc)
    raise DomainError("stable.bad_format", f"不支持的格式：{fmt}（pdf 或 xlsx）", f"unsupported format: {fmt} (pdf or xlsx)",
                      field="format")


def atom_feed(session: Session, base_url: str) -> bytes:
    entries = []
    for ann in list_announcements(session, SYSTEM)[:50]:
        url = announcement_url(base_url, ann)
        n = len(announcement_items(session, ann))
        what = "列入" if ann.kind == "listing" else "撤销"
        entries.append(documents.FeedEntry(url, f"{ann.title}（{announcement_label(ann)}）",
                                           f"{what}产品 {n} 个。", ann.published_at or dt.datetime.now(dt.UTC),
                                           url + ".pdf"))
    return documents.atom_feed(base_url.rstrip("/"), entries)


def verify_url(base_url: str, certificate_no: str) -> str:
    return f"{base_url.rstrip('/')}/stable/verify/{certificate_no}"


def certificate_file(session: Session, certificate_no: str, base_url: str) -> bytes:
    """证书 PDF of a published listing (public: the certificate is shown to buyers anyway)."""
    row = listing_by_certificate(session, certificate_no)
    doc = documents.CertificateDoc(row.certificate_no, row.enterprise_name, row.product_name, row.brand, row.model,
                                   row.category_name, _announcement_no(session, row.announcement_id) or "—",
                                   row.valid_from, row.valid_until, verify_url(base_url, row.certificate_no))
    return documents.certificate_pdf(doc)


# ---------------------------------------------------------------- portal hooks (web.sources)


def _ann_item(session: Session, ann: Announcement) -> dict[str, Any]:
    n = len(announcement_items(session, ann))
    return {"title": f"{ann.title}（{announcement_label(ann)}）", "href": f"/stable/announcements/{ann.year}/{ann.number}",
            "note": f"{'列入' if ann.kind == 'listing' else '撤销'} {n} 个产品", "published_at": ann.published_at,
            "tone": "bad" if ann.kind == "revocation" else "ok"}


def latest_announcements(session: Session, limit: int = 6) -> list[dict[str, Any]]:
    """The newest published announcements for the portal home."""
    return [_ann_item(session, a) for a in list_announcements(session, SYSTEM)[:limit]]


def search_announcements(session: Session, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Published listings whose enterprise, product, brand, model or certificate number contains `q`."""
    from zhijian.platform.crud import like_pattern

    pat = like_pattern(q)
    stmt = (select(Listing).join(Announcement, Announcement.id == Listing.announcement_id)
            .where(Announcement.status == "published")
            .where(or_(*(func.lower(c).like(pat, escape="\\") for c in (
                Listing.enterprise_name, Listing.product_name, Listing.brand, Listing.model, Listing.certificate_no))))
            .order_by(Listing.id.desc()).limit(limit))
    out = []
    for row in session.scalars(stmt):
        state = listing_state(row)
        out.append({"title": f"{row.product_name} {row.brand} {row.model}", "href": f"/stable/verify/{row.certificate_no}",
                    "note": f"{row.enterprise_name} · {rules.STATE_ZH[state]}", "published_at": row.valid_from,
                    "tone": "ok" if state == "valid" else "bad" if state == "revoked" else "warn"})
    return out
