"""企业标准自我声明公开: an enterprise or group standard declared and checked against the mandatory national
standards of its category (严于/低于国家标准), and the 领跑者 list that marks leaders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Organization, Product, Standard
from zhijian.consumer import rules
from zhijian.consumer.models import StandardDeclaration
from zhijian.consumer.schemas import DeclarationIn, DeclarationOut
from zhijian.consumer.service.common import can_declare, today
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush, get_or_404, like_pattern
from zhijian.platform.errors import DomainError, NotFound, PermissionDenied
from zhijian.platform.pagination import Page, keyset_page

# ====================================================================== enterprise standard declarations


def _ancestors(session: Session, category_id: int) -> list[int]:
    cat = get_or_404(session, Category, category_id, "category", field="category_id")
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
        std = get_or_404(session, Standard, data.standard_id, "standard", field="standard_id")
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
    return added(session, decl, "standard_declaration")


def _own_declaration(session: Session, actor: Actor, decl_id: int) -> StandardDeclaration:
    """A declaration the actor may change (staff, or the declaring enterprise)."""
    decl = get_or_404(session, StandardDeclaration, decl_id, "declaration")
    can_declare(actor, decl.enterprise_id)
    return decl


def recheck_declaration(session: Session, actor: Actor, decl_id: int) -> StandardDeclaration:
    """Re-run the check (after a national standard changed)."""
    decl = _own_declaration(session, actor, decl_id)
    std = session.get(Standard, decl.standard_id)
    assert std is not None
    national, codes = national_limits(session, decl.category_id, None)
    result = _with_leader(session, std, rules.check_standard(national, _limits_of(std)))
    decl.overall, decl.check, decl.national_codes = result.overall, result.as_dict(), codes
    flush(session, "standard_declaration")
    return decl


def withdraw_declaration(session: Session, actor: Actor, decl_id: int) -> StandardDeclaration:
    decl = _own_declaration(session, actor, decl_id)
    decl.status = "withdrawn"
    flush(session, "standard_declaration")
    return decl


def declaration_dict(session: Session, d: StandardDeclaration) -> DeclarationOut:
    """The declaration as the API shows it (`DeclarationOut`, with the names; the pages read the same object)."""
    ent = session.get(Organization, d.enterprise_id)
    std = session.get(Standard, d.standard_id)
    cat = session.get(Category, d.category_id)
    return DeclarationOut(id=d.id, enterprise_id=d.enterprise_id, enterprise_name=ent.name if ent else "",
                          standard_id=d.standard_id, standard_code=std.code if std else "",
                          standard_title=std.title if std else "", category_id=d.category_id,
                          category_name=cat.name if cat else "", products_text=d.products_text,
                          declared_on=d.declared_on, status=d.status, national_codes=list(d.national_codes or []),
                          overall=d.overall, overall_zh=rules.OVERALL_ZH.get(d.overall, d.overall),
                          check=dict(d.check or {}))


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
