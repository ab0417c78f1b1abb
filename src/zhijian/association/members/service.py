"""会员 use cases — the only writer of the member tables (API, CLI, pages, demo).

Policy: a unit's user (enterprise or lab) applies for his own organization, any logged-in user as an individual;
the secretariat (association; admin passes) decides, sets classes, issues dues and records payments, imports an
existing register, lapses memberships and keeps the member-only documents. The directory shows active members
that allow it, with only the fields they allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from zhijian.association.common.receipts import Bill, bill_pdf
from zhijian.association.common.service import fetched, is_secretariat, locked, require_secretariat, today
from zhijian.association.members import rules
from zhijian.association.members.models import Member, MemberDocument, MemberDues
from zhijian.association.members.schemas import ApplicationIn, DecisionIn, DocumentIn, PaymentIn
from zhijian.catalog.models import Organization
from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from zhijian.platform.tabular import cell_error

IMPORT_COLUMNS = ("单位名称", "会员类别")



def _get(session: Session, mid: int, *, lock: bool = False) -> Member:
    return fetched(session, Member, mid, "member", lock=lock)


def apply(session: Session, actor: Actor, data: ApplicationIn, on: dt.date | None = None) -> Member:
    """入会申请: a unit's user for his organization, any user as an individual; one membership per unit."""
    staff = is_secretariat(actor)
    if data.kind not in ("unit", "individual"):
        raise DomainError("association.member.bad_kind", "会员类型应为 unit 或 individual", "kind must be unit or individual",
                          field="kind")
    if data.kind == "unit":
        org_id = data.organization_id if staff else actor.organization_id
        if not staff and actor.role not in ("enterprise", "inspector"):
            raise PermissionDenied("只有企业或检验检测机构的用户可以申请单位会员", "only a unit's user applies for it",
                                   code="association.member.not_a_unit")
        org = session.get(Organization, org_id) if org_id else None
        if org is None or org.kind not in ("enterprise", "lab"):
            raise DomainError("association.member.bad_unit", "单位会员应为已登记的企业或检验检测机构",
                              "a unit member must be a registered enterprise or lab", field="organization_id")
        if session.scalar(select(Member.id).where(Member.organization_id == org.id, Member.status != "rejected")):
            raise Conflict("association.member.exists", "该单位已是会员或已提交申请", "the unit is a member or has applied",
                           field="organization_id")
        name, user_id = org.name, None
    else:
        if actor.user_id is None and not staff:
            actor.require("association")
        name = data.name.strip() or actor.username
        org_id, user_id = None, (None if staff else actor.user_id)
    m = Member(kind=data.kind, organization_id=org_id, user_id=user_id, name=name,
               member_class=rules.parse_class(data.member_class, data.kind), status="applied",
               applied_on=on or today(), statement=data.statement.strip(), directory_visible=data.directory_visible,
               directory_fields=rules.directory_fields(data.directory_fields))
    return added(session, m, "assoc_member")


def _next_member_no(session: Session, kind: str) -> str:
    prefix = rules.member_no(0, kind)[:-5]
    n = session.scalar(select(func.count()).select_from(Member).where(Member.member_no.like(prefix + "%"))) or 0
    return rules.member_no(n + 1, kind)


def decide(session: Session, actor: Actor, mid: int, data: DecisionIn, on: dt.date | None = None) -> Member:
    """审批: approved → 有效, a member number and this year's dues; or 未批准 with the reason."""
    require_secretariat(actor)
    m = _get(session, mid, lock=True)
    if m.status != "applied":
        raise Conflict("association.member.not_applied", "该申请已处理", "the application is already decided")
    day = on or today()
    if not data.approve:
        if not data.reason.strip():
            raise DomainError("association.member.reason_required", "不批准须说明理由", "give the reason", field="reason")
        m.status, m.decision_reason = "rejected", data.reason.strip()
        flush(session, "assoc_member")
        return m
    if data.member_class:
        m.member_class = rules.parse_class(data.member_class, m.kind)
    m.status, m.joined_on, m.decision_reason = "active", day, data.reason.strip()
    m.member_no = _next_member_no(session, m.kind)
    flush(session, "assoc_member")
    _issue(session, [m], day.year, day)
    return m


def change_class(session: Session, actor: Actor, mid: int, member_class: str) -> Member:
    """类别变更 (e.g. elected 理事单位 by the 会员代表大会); next year's dues follow the new class."""
    require_secretariat(actor)
    m = _get(session, mid, lock=True)
    m.member_class = rules.parse_class(member_class, m.kind)
    flush(session, "assoc_member")
    return m


# ---------------------------------------------------------------- dues


def _issue(session: Session, members: list[Member], year: int, on: dt.date) -> int:
    have = set(session.scalars(select(MemberDues.member_id).where(MemberDues.year == year)))
    n = session.scalar(select(func.count()).select_from(MemberDues).where(MemberDues.year == year)) or 0
    rows = []
    for m in members:
        if m.id in have:
            continue
        n += 1
        rows.append({"member_id": m.id, "year": year, "member_class": m.member_class,
                     "amount": rules.DEFAULT_DUES[m.member_class], "invoice_no": rules.invoice_no(year, n),
                     "status": "issued", "issued_on": on, "due_on": max(rules.due_date(year), on), "payment_ref": ""})
    if rows:
        session.execute(insert(MemberDues), rows)
        audit.record(session, "member.dues_issued", "assoc_member_dues", year, None, {"count": len(rows)})
    return len(rows)


def issue_dues(session: Session, actor: Actor, year: int, on: dt.date | None = None) -> int:
    """开具会费通知 for every active member without dues for the year (set-based, invoice numbers in sequence)."""
    require_secretariat(actor)
    members = list(session.scalars(select(Member).where(Member.status == "active").order_by(Member.id)))
    return _issue(session, members, year, on or today())


def record_payment(session: Session, actor: Actor, dues_id: int, data: PaymentIn) -> MemberDues:
    """缴费登记; a lapsed member paying its arrears is reinstated when nothing is left overdue."""
    require_secretariat(actor)
    d = locked(session, MemberDues, dues_id, "member_dues")
    if d.status == "paid":
        raise Conflict("association.member.already_paid", f"{d.invoice_no} 已缴", f"{d.invoice_no} is already paid")
    d.status, d.paid_on, d.payment_ref = "paid", data.paid_on or today(), data.payment_ref.strip()
    flush(session, "assoc_member_dues")
    m = _get(session, d.member_id, lock=True)
    if m.status == "lapsed" and not rules.should_lapse(_unpaid_years(session, m.id), today()):
        m.status = "active"
        flush(session, "assoc_member")
    return d


def _unpaid_years(session: Session, mid: int) -> list[int]:
    return list(session.scalars(select(MemberDues.year).where(MemberDues.member_id == mid,
                                                              MemberDues.status == "issued")))


def lapse_memberships(session: Session, actor: Actor, on: dt.date | None = None) -> int:
    """视为自动退会: active members with two consecutive years of dues unpaid after their due dates."""
    require_secretariat(actor)
    day = on or today()
    unpaid: dict[int, list[int]] = {}
    for mid, year in session.execute(select(MemberDues.member_id, MemberDues.year).join(
            Member, Member.id == MemberDues.member_id).where(Member.status == "active", MemberDues.status == "issued")):
        unpaid.setdefault(mid, []).append(year)
    ids = [mid for mid, years in unpaid.items() if rules.should_lapse(years, day)]
    if ids:
        session.execute(update(Member).where(Member.id.in_(ids)).values(status="lapsed"))
        audit.record(session, "member.lapsed", "assoc_member", "bulk", None, {"count": len(ids), "ids": ids[:1000]})
    return len(ids)


def dues_of(session: Session, actor: Actor, mid: int | None = None) -> list[MemberDues]:
    """The secretariat sees any member's dues; a member its own."""
    if not is_secretariat(actor):
        mine = my_membership(session, actor)
        if mine is None:
            return []
        mid = mine.id
    stmt = select(MemberDues).order_by(MemberDues.year.desc(), MemberDues.id)
    if mid is not None:
        stmt = stmt.where(MemberDues.member_id == mid)
    return list(session.scalars(stmt))


def dues_bill(session: Session, actor: Actor, dues_id: int) -> bytes:
    """会费缴费通知书 (unpaid) or 收款收据 (paid) as PDF — for the secretariat or the member itself (404 to others,
    so nobody learns which bills exist)."""
    d = fetched(session, MemberDues, dues_id, "member_dues")
    m = fetched(session, Member, d.member_id, "member")
    mine = my_membership(session, actor)
    if not (is_secretariat(actor) or (mine is not None and mine.id == m.id)):
        raise NotFound("member_dues", dues_id)
    return bill_pdf(Bill(number=d.invoice_no, payer=m.name, item=f"{d.year} 年度会费（{rules.CLASSES[d.member_class]}）",
                         amount=float(d.amount), issued_on=d.issued_on, due_on=d.due_on,
                         paid_on=d.paid_on if d.status == "paid" else None, payment_ref=d.payment_ref))


# ---------------------------------------------------------------- register, directory, documents


def import_register(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]],
                    on: dt.date | None = None) -> int:
    """现有会员名册导入 (单位名称, 统一社会信用代码, 会员类别, 入会日期): units matched by USCC or name, all or nothing."""
    require_secretariat(actor)
    day = on or today()
    n = 0
    for row_no, row in rows:
        name = str(row.get("单位名称") or "").strip()
        uscc = str(row.get("统一社会信用代码") or "").strip().upper()
        org = session.scalar(select(Organization).where(Organization.uscc == uscc)) if uscc else None
        org = org or session.scalar(select(Organization).where(Organization.name == name,
                                                               Organization.kind.in_(("enterprise", "lab"))))
        if org is None:
            raise cell_error(row_no, "单位名称", f"找不到已登记的单位：{name}", f"no registered organization: {name}")
        try:
            cls = rules.parse_class(str(row.get("会员类别") or ""), "unit")
        except DomainError as exc:
            raise cell_error(row_no, "会员类别", exc.message_zh, exc.message_en) from None
        joined = row.get("入会日期")
        if isinstance(joined, dt.datetime):
            joined = joined.date()
        elif joined and not isinstance(joined, dt.date):
            try:
                joined = dt.date.fromisoformat(str(joined).strip())
            except ValueError:
                raise cell_error(row_no, "入会日期", "应为日期 YYYY-MM-DD", "must be a date") from None
        if session.scalar(select(Member.id).where(Member.organization_id == org.id)):
            raise cell_error(row_no, "单位名称", f"{org.name} 已是会员", f"{org.name} is already a member")
        session.add(Member(kind="unit", organization_id=org.id, name=org.name, member_class=cls, status="active",
                           applied_on=joined or day, joined_on=joined or day, member_no=_next_member_no(session, "unit"),
                           directory_visible=False, directory_fields={}))
        flush(session, "assoc_member")
        n += 1
    return n


def my_membership(session: Session, actor: Actor) -> Member | None:
    if actor.organization_id is not None:
        m = session.scalar(select(Member).where(Member.organization_id == actor.organization_id))
        if m is not None:
            return m
    if actor.user_id is not None:
        return session.scalar(select(Member).where(Member.user_id == actor.user_id, Member.kind == "individual"))
    return None


def is_member(session: Session, organization_id: int) -> bool:
    """Contract: the organization is an active member."""
    return bool(session.scalar(select(Member.id).where(Member.organization_id == organization_id,
                                                       Member.status == "active")))


def list_members(session: Session, actor: Actor, *, status: str | None = None) -> list[Member]:
    require_secretariat(actor)
    stmt = select(Member).order_by(Member.id.desc())
    if status:
        stmt = stmt.where(Member.status == status)
    return list(session.scalars(stmt))


def directory(session: Session) -> list[dict[str, Any]]:
    """会员名录 on the portal: active members that allow it, with only the fields they allow."""
    out = []
    for m in session.scalars(select(Member).where(Member.status == "active", Member.directory_visible.is_(True))
                             .order_by(Member.member_class.desc(), Member.member_no)):
        out.append({"member_no": m.member_no, "name": m.name, "class": rules.CLASSES[m.member_class],
                    **m.directory_fields})
    order = list(rules.CLASSES.values())[::-1]
    return sorted(out, key=lambda r: (order.index(r["class"]), r["member_no"] or ""))


def update_directory(session: Session, actor: Actor, visible: bool, fields: dict[str, Any]) -> Member:
    """A member decides what the directory shows about it."""
    m = my_membership(session, actor)
    if m is None:
        raise PermissionDenied("您还不是会员", "you are not a member", code="association.member.not_member")
    m = _get(session, m.id, lock=True)
    m.directory_visible, m.directory_fields = visible, rules.directory_fields(fields)
    flush(session, "assoc_member")
    return m


def add_document(session: Session, actor: Actor, data: DocumentIn, on: dt.date | None = None) -> MemberDocument:
    require_secretariat(actor)
    d = MemberDocument(title=data.title.strip(), body=data.body, members_only=data.members_only,
                       published_on=on or today())
    return added(session, d, "assoc_member_document")


def documents(session: Session, actor: Actor) -> list[MemberDocument]:
    """会员专区: members-only documents for active members and the secretariat; public ones for everyone."""
    stmt = select(MemberDocument).order_by(MemberDocument.published_on.desc(), MemberDocument.id.desc())
    m = None if is_secretariat(actor) else my_membership(session, actor)
    if not is_secretariat(actor) and (m is None or m.status != "active"):
        stmt = stmt.where(MemberDocument.members_only.is_(False))
    return list(session.scalars(stmt))
