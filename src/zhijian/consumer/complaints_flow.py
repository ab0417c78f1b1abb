"""Complaint workflows of issue 15, re-exported by `zhijian.consumer.service`:

- the respondent matched against registered enterprises (USCC exact, normalized name) and linked by staff;
- 转企业处理: the enterprise's console inbox with its clock, its answer / settlement / refusal, the consumer's
  acceptance or request for mediation (by tracking number and check code);
- 《市场监督管理投诉举报处理暂行办法》: Art. 7 split, Art. 15 coded non-acceptance with notice, Art. 16 consent,
  Art. 21 termination notice within 7 working days, Art. 23 leads to the report procedure; the 90-day clock of a
  filed case with recorded extensions (《市场监督管理行政处罚程序规定》);
- compensation guidance recorded on the case (the complainant's contact verification, "my complaints" and the
  satisfaction rating are in `zhijian.consumer.service.contact`).

The service module is imported lazily (`_s()`), so either module may be imported first.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.consumer import compensation, notifications, procedure, rules, schemas
from zhijian.consumer.models import Complaint
from zhijian.platform import deadlines as platform_deadlines
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied

COMPLAINANT = Actor(None, "complainant", "public")


def _s() -> Any:
    from zhijian.consumer import service

    return service


def _steps() -> Any:
    """The case steps this module shares with `service.complaints` (events, transitions, re-clocking), lazily."""
    from zhijian.consumer.service import complaints

    return complaints


def _link(c: Complaint) -> str:
    return f"/console/complaints/{c.id}"


def _wd(session: Session, start: dt.date, n: int) -> dt.date:
    return platform_deadlines.working_days(session, start, n).due


# ====================================================================== respondent matching and linking


def _register(session: Session) -> list[tuple[int, str, str | None]]:
    return [(int(i), n, u) for i, n, u in session.execute(
        select(Organization.id, Organization.name, Organization.uscc).where(Organization.kind == "enterprise")
        .order_by(Organization.id))]


def match_respondent(session: Session, name: str, uscc: str | None) -> tuple[procedure.Candidate | None,
                                                                              list[procedure.Candidate]]:
    """(enterprise linked at once, candidates for staff): USCC exact, else a unique normalized name."""
    code = (uscc or "").strip().upper()
    if code:
        row = session.execute(select(Organization.id, Organization.name, Organization.uscc).where(
            Organization.uscc == code, Organization.kind == "enterprise")).first()
        if row is not None:
            return procedure.Candidate(int(row[0]), row[1], row[2], 1.0, "uscc"), []
    exact = session.execute(select(Organization.id, Organization.name, Organization.uscc).where(
        Organization.name == (name or "").strip(), Organization.kind == "enterprise")).all()
    if len(exact) == 1:
        return procedure.Candidate(int(exact[0][0]), exact[0][1], exact[0][2], 1.0, "name"), []
    return procedure.match_respondent(name, None, _register(session))


def apply_match(session: Session, c: Complaint) -> None:
    """At submission: link a complaint whose respondent is a registered enterprise; keep candidates otherwise."""
    if c.respondent_id is not None:
        c.respondent_link = c.respondent_link or "id"
        return
    linked, candidates = match_respondent(session, c.respondent_name, c.respondent_uscc)
    if linked is not None:
        c.respondent_id = linked.id
        c.respondent_link = linked.basis
        c.respondent_candidates = []
    else:
        c.respondent_candidates = [{"id": k.id, "name": k.name, "uscc": k.uscc, "score": k.score} for k in candidates]


def after_submit(session: Session, actor: Actor, c: Complaint, data: Any, code: str) -> Complaint | None:
    """What `submit_complaint` adds for issue 15: the respondent's code and matching, the three-year date, the verified
    contact, and (Art. 7) the report part of the same submission as its own case with the same check code."""
    from zhijian.catalog import rules as catalog_rules

    if data.respondent_uscc:
        catalog_rules.validate_uscc(data.respondent_uscc.strip().upper(), field="respondent_uscc")
        c.respondent_uscc = data.respondent_uscc.strip().upper()
    if data.knew_on is not None and data.knew_on > c.received_on:
        raise DomainError("complaint.bad_date", "知道权益受损的日期不能晚于登记日期", "knew_on is after the date of receipt",
                          field="knew_on")
    c.knew_on = data.knew_on
    if data.contact_email:
        from zhijian.consumer.service.contact import normalize_contact, verified_contact

        email = normalize_contact("email", data.contact_email)
        c.contact_email = email
        c.contact_verified = verified_contact(session, data.contact_token) == email
    apply_match(session, c)
    if c.respondent_id is not None and c.respondent_link in ("uscc", "name"):
        ent = session.get(Organization, c.respondent_id)
        if ent is not None:
            c.respondent_name = ent.name
            c.respondent_address = c.respondent_address or ent.address or ""
    flush(session, "complaint")
    if not data.also_report.strip() or c.kind != "complaint":
        return None
    r, _ = _new_report(session, actor, c, data.also_report.strip(), c.received_on, "split", named=True)
    r.check_hash = _steps()._check_hash(r.tracking_no, code)
    _steps()._event(session, c, actor, "note", c.received_on, note=f"举报内容已拆分为 {r.tracking_no} 另行处理（《暂行办法》第七条）",
             data={"split_id": r.id})
    flush(session, "complaint")
    return r


def link_respondent(session: Session, actor: Actor, complaint_id: int, data: schemas.LinkIn) -> Complaint:
    """Staff link or re-link the respondent (confirming a candidate or choosing another enterprise)."""
    s = _s()
    s.can_handle_cases(actor)
    c: Complaint = s.get_complaint(session, actor, complaint_id)
    if c.state in ("closed", "rejected"):
        raise Conflict("complaint.closed", "案件已办结，不能更改被投诉人", "the case is closed")
    if c.enterprise_response is not None:
        raise Conflict("complaint.already_answered", "企业已答复，不能再更改被投诉人",
                       "the enterprise has answered; the respondent can no longer change")
    ent = session.get(Organization, data.enterprise_id)
    if ent is None or ent.kind != "enterprise":
        raise NotFound("enterprise", data.enterprise_id, field="enterprise_id")
    before = c.respondent_id
    c.respondent_id = ent.id
    c.respondent_link = "staff"
    c.respondent_candidates = []
    s.place(session, c)  # issue 13: the case follows the respondent to its division (移送 when it changes)
    _steps()._event(session, c, actor, "note", s.today(), public=False,
             note=f"被投诉人关联至登记企业「{ent.name}」" + (f"（原关联 #{before}）" if before else "")
             + (f"：{data.note}" if data.note else ""), data={"respondent_id": ent.id, "previous": before})
    if c.state == "forwarded" and before != ent.id:
        c.forwarded_on = s.today()
        c.enterprise_due_on = _wd(session, c.forwarded_on, s.deadlines(session).enterprise)
        _notify_forwarded(session, c)
    flush(session, "complaint")
    return c


# ====================================================================== 转企业处理 and the enterprise's answer


def _notify_forwarded(session: Session, c: Complaint) -> None:
    assert c.respondent_id is not None
    notifications.notify(
        session, organization_id=c.respondent_id, kind="complaint.forwarded",
        subject=f"【投诉转办】{c.tracking_no} 请于 {c.enterprise_due_on} 前答复",
        body=f"消费者对贵单位的投诉（{c.product_text or '商品'}）已由市场监督管理部门转交处理，"
             f"请在 {c.enterprise_due_on} 前登录控制台答复、提出和解方案或说明不同意的理由。\n事实：{c.facts[:500]}",
        link=_link(c))


def on_forwarded(session: Session, c: Complaint, on: dt.date) -> None:
    """Called by `transition` on 转企业处理: the enterprise's clock and its inbox message."""
    c.enterprise_due_on = _wd(session, on, _s().deadlines(session).enterprise)
    c.enterprise_response = None
    c.consumer_response = None
    _notify_forwarded(session, c)


def handling_org(session: Session, c: Complaint) -> int | None:
    """The regulator organization a case's messages go to: its handler, else the most local regulator whose
    division covers the case (issue 13: never every regulator of the country); None (no bureau covers it) → the
    message goes to the administrators."""
    from zhijian.platform.jurisdiction import prefix_for

    if c.handler_org_id is not None:
        return c.handler_org_id
    best: tuple[int, int] | None = None
    for oid, region, level in session.execute(select(Organization.id, Organization.region_code, Organization.level)
                                              .where(Organization.kind == "regulator").order_by(Organization.id)):
        prefix = prefix_for(region, level)
        if prefix == "-" or not (c.region_code or "").startswith(prefix):
            continue
        if best is None or len(prefix) > best[0]:
            best = (len(prefix), int(oid))
    return best[1] if best else None


RESPONSE_ZH = {"answer": "企业答复", "settlement": "企业提出和解方案", "decline": "企业不同意并说明理由"}


def enterprise_respond(session: Session, actor: Actor, complaint_id: int,
                       data: schemas.EnterpriseResponseIn) -> Complaint:
    """The respondent answers a forwarded complaint, proposes a settlement, or declines with its reasons."""
    s = _s()
    c: Complaint = s.get_complaint(session, actor, complaint_id)
    if not (actor.role == "enterprise" and actor.owns(c.respondent_id)):
        raise PermissionDenied("只有被投诉企业可以答复", "only the respondent enterprise may answer")
    if c.state != "forwarded":
        raise DomainError("complaint.not_forwarded", "投诉未转交企业处理或已结束", "the complaint is not with the enterprise",
                          status=409, field="state")
    if c.enterprise_response is not None and c.consumer_response is None:
        raise Conflict("complaint.already_answered", "企业已答复，等待消费者回应", "already answered; awaiting the consumer")
    if data.response == "settlement" and data.amount is None:
        raise DomainError("complaint.amount_required", "和解方案须写明金额（元）", "a settlement needs an amount",
                          field="amount")
    c.enterprise_response = data.response
    c.enterprise_text = data.text.strip()
    c.settlement_amount = data.amount if data.response == "settlement" else None
    c.consumer_response = None
    note = f"{RESPONSE_ZH[data.response]}：{c.enterprise_text}"
    if c.settlement_amount is not None:
        note += f"（和解金额 {c.settlement_amount:.2f} 元）"
    _steps()._event(session, c, actor, "reply", s.today(), note=note,
             data={"response": data.response, "amount": c.settlement_amount})
    bureau = handling_org(session, c)
    notifications.notify(session, role="regulator" if bureau else "admin", kind="complaint.answered", email=False,
                         subject=f"【企业已答复】{c.tracking_no} {RESPONSE_ZH[data.response]}", body=note,
                         link=_link(c), organization_id=bureau)
    if c.contact_email and c.contact_verified:
        notifications.queue_mail(session, [c.contact_email], f"您的投诉 {c.tracking_no} 有了企业答复",
                                 note + "\n请凭登记编号和查询码查看，并选择接受或申请调解。")
    flush(session, "complaint")
    return c


def consumer_respond(session: Session, data: schemas.ConsumerResponseIn) -> Complaint:
    """The complainant accepts the enterprise's answer (the case closes as settled by the enterprise) or asks the
    regulator to mediate (recorded as the complainant's consent to mediation, Art. 16)."""
    s = _s()
    c: Complaint = s.track(session, data.tracking_no, data.check_code)
    if c.kind != "complaint" or c.state != "forwarded" or c.enterprise_response is None:
        raise DomainError("complaint.no_answer", "企业尚未答复，暂不能回应", "the enterprise has not answered yet",
                          status=409, field="response")
    if c.consumer_response is not None:
        raise Conflict("complaint.already_responded", "您已作出回应", "you have already responded")
    today = s.today()
    c.consumer_response = data.response
    if data.response == "accept":
        _steps()._event(session, c, COMPLAINANT, "note", today, note="投诉人接受企业答复" + (f"：{data.note}" if data.note else ""),
                 data={"consumer_response": "accept"})
        _steps()._transition(session, COMPLAINANT, c, "closed", today, "投诉人接受企业处理结果，案件办结",
                      {"outcome": "resolved_by_enterprise"})
        c.outcome = "resolved_by_enterprise"
        c.justified = True
        c.closed_on = today
        if c.settlement_amount is not None:
            c.compensation_agreed = c.settlement_amount
            c.agreement = f"企业和解方案：{c.enterprise_text}（{c.settlement_amount:.2f} 元），投诉人接受"
    else:
        c.consent_complainant = True
        _steps()._event(session, c, COMPLAINANT, "note", today, note="投诉人不接受企业答复，申请调解（同意调解）"
                 + (f"：{data.note}" if data.note else ""), data={"consumer_response": "mediation", "consent": True})
        bureau = handling_org(session, c)
        notifications.notify(session, role="regulator" if bureau else "admin", organization_id=bureau, email=False,
                             kind="complaint.mediation_requested", subject=f"【申请调解】{c.tracking_no}",
                             body="投诉人不接受企业答复，申请市场监督管理部门调解。", link=_link(c))
    _steps()._reclock(session, c)
    flush(session, "complaint")
    return c


# ====================================================================== Art. 16 consent, Art. 21 termination notice


def record_consent(session: Session, actor: Actor, complaint_id: int, data: schemas.ConsentIn) -> Complaint:
    """Art. 16: record a party's consent to mediation (staff for either party; the respondent for itself)."""
    s = _s()
    c: Complaint = s.get_complaint(session, actor, complaint_id)
    own = actor.role == "enterprise" and actor.owns(c.respondent_id) and data.party == "respondent"
    if not own:
        s.can_handle_cases(actor)
    if c.kind != "complaint" or c.state not in ("accepted", "forwarded"):
        raise DomainError("complaint.cannot_consent", "只有已受理、尚未调解的投诉可以记录调解意愿",
                          "consent is recorded on an accepted complaint before mediation", status=409, field="state")
    setattr(c, f"consent_{data.party}", data.consent)
    who = "投诉人" if data.party == "complainant" else "被投诉人"
    _steps()._event(session, c, actor, "note", s.today(), note=f"{who}{'同意' if data.consent else '不同意'}调解"
             + (f"：{data.note}" if data.note else ""), data={"consent": data.party, "value": data.consent})
    flush(session, "complaint")
    return c


def on_closed(session: Session, c: Complaint, outcome: str | None, termination_code: str | None, on: dt.date) -> None:
    """Called by `transition` before closing a complaint: a mediation that ends without agreement needs its Art. 21
    ground; the notice is then due within 7 working days."""
    if c.kind != "complaint" or c.state != "mediating":
        return
    if outcome in ("no_agreement", "terminated", "withdrawn"):
        code = termination_code or ("withdrawn_or_settled" if outcome == "withdrawn" else None)
        procedure.ground(procedure.TERMINATION, code, "termination_code")
        c.termination_code = code
        c.notice_due_on = _wd(session, on, procedure.TERMINATION_NOTICE_DAYS)
        c.notice_sent_on = None


def send_termination_notice(session: Session, actor: Actor, complaint_id: int, on: dt.date | None = None) -> str:
    """终止调解告知 — the notice to both parties (Art. 21): text on the public timeline, the enterprise's inbox and
    the complainant's verified e-mail. Returns the notice text."""
    s = _s()
    s.can_handle_cases(actor)
    c: Complaint = s.get_complaint(session, actor, complaint_id)
    if c.termination_code is None or c.state != "closed":
        raise DomainError("complaint.no_termination", "该投诉没有终止调解决定", "mediation of this case was not terminated",
                          status=409)
    if c.notice_sent_on is not None:
        raise Conflict("complaint.notice_sent", "终止调解告知已发送", "the notice was already sent")
    on = on or s.today()
    text = procedure.termination_notice(tracking_no=c.tracking_no, complainant=c.complainant_name,
                                        respondent=c.respondent_name, ended_on=c.closed_on or on,
                                        code=c.termination_code)
    c.notice_sent_on = on
    _steps()._event(session, c, actor, "notice", on, note=text, data={"termination_code": c.termination_code,
                                                              "late": on > (c.notice_due_on or on)})
    if c.respondent_id is not None:
        notifications.notify(session, organization_id=c.respondent_id, kind="complaint.terminated",
                             subject=f"【终止调解告知】{c.tracking_no}", body=text, link=_link(c))
    if c.contact_email and c.contact_verified:
        notifications.queue_mail(session, [c.contact_email], f"终止调解告知 {c.tracking_no}", text)
    _steps()._reclock(session, c)
    flush(session, "complaint")
    return text


def rejection(c: Complaint, code: str | None, reason: str, on: dt.date) -> str:
    """Called by `transition` on 不予受理 of a complaint: the Art. 15 ground and the written notice."""
    g = procedure.ground(procedure.NON_ACCEPTANCE, code, "reason_code")
    c.rejected_code = g.code
    c.notice_sent_on = on
    return procedure.non_acceptance_notice(tracking_no=c.tracking_no, complainant=c.complainant_name,
                                           respondent=c.respondent_name, received_on=c.received_on, decided_on=on,
                                           code=g.code, detail=reason)


def check_acceptance(c: Complaint) -> None:
    """Art. 15(4): a complaint filed more than three years after the consumer knew is not accepted."""
    if c.kind == "complaint" and procedure.beyond_three_years(c.knew_on, c.received_on):
        raise DomainError("complaint.time_limit",
                          f"投诉人知道权益受侵害之日（{c.knew_on}）起已超过三年，应不予受理（{procedure.ORDER_20}第十五条第四项）",
                          "more than three years since the complainant knew of the infringement (Art. 15(4))",
                          field="to")


# ====================================================================== Art. 23 leads, Art. 7 split, the case clock


def _new_report(session: Session, actor: Actor, src: Complaint, facts: str, received: dt.date, origin: str,
                named: bool) -> tuple[Complaint, str]:
    code = "".join(secrets.choice(_steps()._CODE_ALPHABET) for _ in range(6))
    no = _steps()._new_tracking_no(session, "report", received)
    r = Complaint(kind="report", tracking_no=no, check_hash=_steps()._check_hash(no, code), state="received",
                  channel=src.channel, received_on=received,
                  complainant_name=src.complainant_name if named else "",
                  complainant_phone=src.complainant_phone if named else "",
                  complainant_address=src.complainant_address if named else "",
                  complainant_region=src.complainant_region, anonymous=not named,
                  respondent_id=src.respondent_id, respondent_name=src.respondent_name,
                  respondent_address=src.respondent_address, respondent_uscc=src.respondent_uscc,
                  respondent_link=src.respondent_link, product_id=src.product_id, product_text=src.product_text,
                  category_id=src.category_id, purchase_date=src.purchase_date, purchase_place=src.purchase_place,
                  facts=facts, requests=[], hazard=src.hazard, origin_id=src.id, origin_kind=origin,
                  contact_email=src.contact_email if named else None,
                  contact_verified=src.contact_verified if named else False,
                  region_code=src.region_code)
    session.add(r)
    flush(session, "complaint")
    _steps()._event(session, r, actor, "transition", received, to_state="received",
             note=("由投诉拆分的举报（《暂行办法》第七条）" if origin == "split" else
                   "调解中发现的违法线索，转举报程序核查（《暂行办法》第二十三条）") + f"，来源 {src.tracking_no}")
    _steps()._reclock(session, r)
    return r, code


def hand_over_lead(session: Session, actor: Actor, complaint_id: int, data: schemas.LeadIn) -> Complaint:
    """Art. 23: a violation lead found during mediation becomes a report checked within 15 working days of discovery
    (+15), handled by the authority itself (no named reporter)."""
    s = _s()
    s.can_handle_cases(actor)
    c: Complaint = s.get_complaint(session, actor, complaint_id)
    if c.kind != "complaint" or c.state not in ("accepted", "forwarded", "mediating"):
        raise DomainError("complaint.cannot_hand_over", "只有办理中的投诉可以移交违法线索",
                          "only an open complaint can hand over a lead", status=409, field="state")
    found = data.found_on or s.today()
    if found > s.today() or found < c.received_on:
        raise DomainError("complaint.bad_date", "发现日期应在登记之后、今天之前", "discovery date out of range",
                          field="found_on")
    r, _code = _new_report(session, actor, c, data.facts, found, "lead", named=False)
    _steps()._event(session, c, actor, "note", found, public=False, note=f"发现违法线索，已转举报程序 {r.tracking_no}",
             data={"lead_id": r.id})
    flush(session, "complaint")
    return r


def split_report(session: Session, actor: Actor, complaint_id: int, data: schemas.SplitIn) -> tuple[Complaint, str]:
    """Art. 7: the report part of a complaint handled separately — a report with its own number, the complainant
    as the named reporter, received the same day. Returns the report and its check code (shown once)."""
    s = _s()
    s.can_handle_cases(actor)
    c: Complaint = s.get_complaint(session, actor, complaint_id)
    if c.kind != "complaint":
        raise DomainError("complaint.not_complaint", "只能从投诉中拆分举报", "only a complaint can be split", field="kind")
    r, code = _new_report(session, actor, c, data.facts, c.received_on, "split", named=True)
    _steps()._event(session, c, actor, "note", s.today(), note=f"举报内容已拆分为 {r.tracking_no} 另行处理（《暂行办法》第七条）",
             data={"split_id": r.id})
    flush(session, "complaint")
    return r, code


def on_filed(session: Session, c: Complaint, on: dt.date) -> None:
    """立案: the 90-day period of 《市场监督管理行政处罚程序规定》 starts (calendar days; a last day on a rest day
    moves to the next working day, 《民法典》第二百零三条)."""
    c.filed_on = on
    c.case_extensions = []
    c.case_due_on = platform_deadlines.calendar_days(session, on, procedure.CASE_DAYS).due


def extend_case(session: Session, actor: Actor, complaint_id: int, data: schemas.CaseExtensionIn) -> Complaint:
    """延长办案期限 — recorded with who approved it; the first up to 30 days, further ones only collectively."""
    s = _s()
    s.can_handle_cases(actor)
    c: Complaint = s.get_complaint(session, actor, complaint_id)
    if c.kind != "report" or c.filed_on is None or c.state == "closed":
        raise DomainError("complaint.not_filed", "只有已立案、未办结的案件可以延长办案期限",
                          "only a filed, open case can be extended", status=409, field="state")
    prev = [procedure.Extension(int(e["days"]), e["approved_by"], e["reason"], dt.date.fromisoformat(e["on"]),
                                bool(e.get("collective"))) for e in c.case_extensions or []]
    procedure.check_extension(prev, data.days, data.approved_by, data.reason, data.collective)
    on = s.today()
    ext = {"days": data.days, "approved_by": data.approved_by.strip(), "reason": data.reason.strip(),
           "on": on.isoformat(), "collective": data.collective}
    c.case_extensions = list(c.case_extensions or []) + [ext]
    total = procedure.CASE_DAYS + sum(int(e["days"]) for e in c.case_extensions)
    c.case_due_on = platform_deadlines.calendar_days(session, c.filed_on, total).due
    _steps()._event(session, c, actor, "note", on, public=False, data={"case_extension": ext},
             note=f"办案期限延长 {data.days} 日（{'集体讨论决定' if data.collective else '负责人批准'}：{data.approved_by}），"
                  f"至 {c.case_due_on}")
    flush(session, "complaint")
    return c


def case_clock(session: Session, c: Complaint, on: dt.date) -> dict[str, Any] | None:
    if c.case_due_on is None:
        return None
    return {"kind": "case", "label_zh": "办案期限（立案后九十日）", "filed_on": c.filed_on, "due_on": c.case_due_on,
            "days_left": (c.case_due_on - on).days, "overdue": c.state != "closed" and on > c.case_due_on,
            "extensions": list(c.case_extensions or [])}


# ====================================================================== compensation guidance


def compensation_guidance(session: Session, actor: Actor, complaint_id: int,
                          data: schemas.GuidanceIn) -> list[dict[str, Any]]:
    """赔偿测算 for a mediator (消法 Art. 55, 食安法 Art. 148); with `record`, kept on the case and shown in the
    mediation agreement."""
    s = _s()
    s.can_handle_cases(actor)
    c: Complaint = s.get_complaint(session, actor, complaint_id)
    bases = [b.as_dict() for b in compensation.guidance(
        data.price, data.loss, fraud=data.fraud, food=data.food, unsafe_food=data.unsafe_food,
        producer_or_knowing_seller=data.producer_or_knowing_seller, label_flaw_only=data.label_flaw_only)]
    if data.record:
        if c.kind != "complaint" or not rules.is_open(c.state):
            raise DomainError("complaint.closed", "案件已办结", "the case is closed", status=409)
        c.compensation_basis = bases
        _steps()._event(session, c, actor, "note", s.today(), public=False,
                 note="赔偿测算（调解参考）：" + "；".join(
                     f"{b['article']} {'适用' if b['applies'] else '不适用'}"
                     + (f" 增加赔偿 {b['punitive']:.2f} 元" if b["punitive"] is not None else "") for b in bases),
                 data={"compensation_basis": bases})
        flush(session, "complaint")
    return bases


__all__ = ["after_submit", "apply_match", "case_clock", "check_acceptance", "compensation_guidance", "consumer_respond",
           "enterprise_respond", "extend_case", "hand_over_lead", "link_respondent", "match_respondent", "on_closed",
           "on_filed", "on_forwarded", "record_consent", "rejection", "send_termination_notice", "split_report"]
