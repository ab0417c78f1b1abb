"""严重违法失信名单 — when a published penalty decision meets the criteria of 《市场监督管理严重违法失信名单管理办法》
(SAMR Order No. 44, 2021; `rules.serious_listing`), the case records a 拟列入 proposal; the organ's listing decision then
writes the entry through the consumer room's public service (`add_listing(session, actor, kind="serious", …)`, which
forces credit class D).

The consumer room offers no "propose" function (its `add_listing` lists at once), so the proposal lives here as a step
of the case (kind ``listing_proposal``) and only the organ's decision (`list_serious`, kind ``listing``) calls the
contract. Order 44 asks the organ to tell the party of the intended listing and its rights before deciding (列入前告知,
陈述申辩/听证; 条文序号待核对) — the decision records that notice date and refuses to come before it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.enforcement import penalties, rules
from zhijian.enforcement.models import Case, Step
from zhijian.enforcement.schemas import ListingOut
from zhijian.enforcement.service import get_case, today
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import DomainError
from zhijian.platform.rooms import offer


def assess(case: Case) -> rules.SeriousListing:
    """Order 44 Art. 2 over the case as decided: its violation, the 裁量 tier of its facts, its measures."""
    facts = penalties.facts(**(case.facts or {}))
    try:
        tier = penalties.compute(case.violation_code, facts).tier if case.violation_code else ""
    except DomainError:
        tier = ""
    return rules.serious_listing(violation_code=case.violation_code, tier=tier, measures=case.measures or [],
                                 serious=bool((case.facts or {}).get("serious")))


def _last(session: Session, case_id: int, kind: str) -> Step | None:
    return session.scalars(select(Step).where(Step.case_id == case_id, Step.kind == kind)
                           .order_by(Step.id.desc()).limit(1)).first()


def propose_on_publication(session: Session, actor: Actor, case: Case) -> Step | None:
    """Called when the decision is published: a 拟列入 proposal when the criteria are met (else nothing)."""
    from zhijian.enforcement import procedure

    verdict = assess(case)
    if not verdict.meets or _last(session, case.id, "listing_proposal") is not None:
        return None
    return procedure._step(session, actor, case, "listing_proposal", case.published_on or today(),
                           note=verdict.reason, articles=list(verdict.articles), basis=rules.SERIOUS_BASIS)


def status(session: Session, actor: Actor, case_id: int) -> ListingOut:
    case = get_case(session, actor, case_id)
    prop, done = _last(session, case.id, "listing_proposal"), _last(session, case.id, "listing")
    if done is not None:
        return ListingOut(case_id=case.id, state="listed", articles=done.data.get("articles", []), reason=done.note,
                          proposed_on=prop.on if prop else None, listed_on=done.on,
                          listing_id=done.data.get("listing_id"), note=done.data.get("credit", ""))
    if prop is not None:
        return ListingOut(case_id=case.id, state="proposed", articles=prop.data.get("articles", []), reason=prop.note,
                          proposed_on=prop.on)
    verdict = assess(case)
    return ListingOut(case_id=case.id, state="not_met" if not verdict.meets else "eligible",
                      articles=list(verdict.articles), reason=verdict.reason)


def list_serious(session: Session, actor: Actor, case_id: int, *, notified_on: dt.date, on: dt.date | None = None,
                 approver: str = "") -> ListingOut:
    """列入决定 — only on a proposal, after the party was told (notified_on ≤ on), by the organ holding the case;
    written through consumer `add_listing` (kind serious, the decision number and the organ)."""
    from zhijian.enforcement import procedure

    case = get_case(session, actor, case_id, write=True)
    prop = _last(session, case.id, "listing_proposal")
    if prop is None:
        raise DomainError("enforcement.no_listing_proposal", "本案没有列入严重违法失信名单的提议（未达到管理办法第二条的条件）",
                          "no listing proposal: the Order 44 Art. 2 criteria are not met", status=409)
    if _last(session, case.id, "listing") is not None:
        raise DomainError("enforcement.already_listed", "已作出列入决定", "already listed", status=409)
    on = on or today()
    if notified_on > on or notified_on < prop.on:
        raise DomainError("enforcement.listing_notice", "列入决定应在拟列入告知之后作出（告知日不早于提议日、不晚于决定日）",
                          "the listing decision follows the notice of intended listing", field="notified_on")
    if not approver.strip():
        raise DomainError("enforcement.no_approver", "列入决定须经负责人批准", "the head's approval is required",
                          field="approver")
    add_listing = offer("consumer", "add_listing")
    listing_id: int | None = None
    if add_listing is None or case.party_id is None:
        credit = "未写入信用名单（信用模块不可用或当事人未登记）"
    else:
        organ = session.get(Organization, case.organ_id)
        row = add_listing(session, actor, enterprise_id=case.party_id, kind="serious", listed_on=on,
                          reason=f"{prop.note}（{'、'.join(prop.data.get('articles', []))}）"[:500],
                          decision_no=case.decision_no, authority=organ.name if organ else "")
        listing_id, credit = row.id, f"已列入严重违法失信名单（名单记录 {row.id}）"
    procedure._step(session, actor, case, "listing", on, note=prop.note, approver=approver.strip(),
                    articles=prop.data.get("articles", []), notified_on=notified_on.isoformat(), listing_id=listing_id,
                    credit=credit, basis=rules.SERIOUS_BASIS)
    flush(session, "enforcement_step")
    return status(session, actor, case.id)
