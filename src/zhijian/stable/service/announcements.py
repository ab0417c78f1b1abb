"""Announcements (公告): the draft batch an approval or a revocation joins, its publication with a number and the
listings' validity."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import DomainError, InvalidTransition, NotFound
from zhijian.stable import rules
from zhijian.stable.models import (
    Announcement,
    Listing,
    StableApplication,
    StableEvaluation,
)
from zhijian.stable.service.eligibility import product_info
from zhijian.stable.service.policy import CHINA, DEFAULT_VALID_YEARS, require_staff, today


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
    return added(session, row, "listing")


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
