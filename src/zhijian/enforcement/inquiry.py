"""询问笔录 — the record of one interview in a case, numbered (文号 代字「询」), kept as an evidence item of the chain
and laid out as a PDF whose every page carries the interviewee's confirmation line and signature slots.

《市场监督管理行政处罚程序规定》第三十一条 (see `rules.INQUIRY_BASIS`): the interview is individual, the record is
shown (or read) to the interviewee, who confirms it page by page; the officers sign it. The interviewee's ID number is
kept whole on the record (it is an internal evidence document) and masked in every list, API answer and public form.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.enforcement import documents, rules
from zhijian.enforcement.models import Case, Step
from zhijian.enforcement.schemas import InquiryIn, InquiryOut
from zhijian.enforcement.service import check_officers, get_case, holding_organ, officer_names
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import DomainError, NotFound
from zhijian.platform.escape import pdf_text, plain_text

OPEN_STATES = ("investigating", "review", "notified", "hearing")


def record_inquiry(session: Session, actor: Actor, case_id: int, data: InquiryIn) -> Step:
    """询问笔录 of a case under investigation: two officers of the organ, the recorder, the interviewee (ID checked),
    time and place, at least one question; numbered, and chained into the evidence list (证据种类「询问笔录」)."""
    from zhijian.enforcement import procedure

    case = get_case(session, actor, case_id, write=True)
    if case.state not in OPEN_STATES:
        raise DomainError("enforcement.closed_investigation", "调查终结后不能再制作询问笔录", "the investigation is over",
                          status=409)
    pair = check_officers(session, case.organ_id, data.officers)
    name = data.interviewee_name.strip()
    if not name:
        raise DomainError("enforcement.no_interviewee", "须填写被询问人姓名", "the interviewee's name is required",
                          field="interviewee_name")
    id_no = rules.parse_id_no(data.interviewee_id_no)
    if data.interviewee_role not in rules.INQUIRY_ROLES:
        raise DomainError("enforcement.bad_role", f"未知被询问人身份：{data.interviewee_role}",
                          f"unknown interviewee role: {data.interviewee_role}", field="interviewee_role")
    if not data.place.strip():
        raise DomainError("enforcement.no_place", "须填写询问地点", "the place is required", field="place")
    start, end = data.started_at.replace(tzinfo=None), data.ended_at.replace(tzinfo=None)
    if end <= start:
        raise DomainError("enforcement.bad_interval", "询问结束时间应晚于开始时间", "the interview ends before it starts",
                          field="ended_at")
    if start.date() < case.filed_on:
        raise DomainError("enforcement.bad_date", "询问时间不能早于立案日", "the interview predates the filing",
                          field="started_at")
    qa = [{"q": x.q.strip(), "a": x.a.strip()} for x in data.qa if x.q.strip()]
    if not qa:
        raise DomainError("enforcement.no_questions", "询问笔录须至少记录一问一答", "record at least one question", field="qa")
    recorder = (data.recorder or pair[1]).strip()
    organ = holding_organ(session, case)
    doc = documents.allocate(session, organ, "inquiry", start.date(), case.id)
    record: dict[str, Any] = {
        "number": doc.number, "document_id": doc.id, "interviewee_name": name, "interviewee_id_no": id_no,
        "interviewee_role": data.interviewee_role, "interviewee_phone": data.interviewee_phone.strip(),
        "interviewee_address": data.interviewee_address.strip(), "started_at": start.isoformat(timespec="minutes"),
        "ended_at": end.isoformat(timespec="minutes"), "place": data.place.strip(), "recorder": recorder, "qa": qa,
        "signed": data.signed, "basis": rules.INQUIRY_BASIS}
    content = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
    ev = procedure.add_evidence(session, actor, case.id, kind="inquiry_record", officers=list(pair),
                                description=f"询问笔录 {doc.number}（被询问人 {name}，{rules.INQUIRY_ROLES[data.interviewee_role]}）",
                                content=content, filename=f"inquiry-{doc.seq}.json", collected_at=end)
    record["evidence_seq"] = ev.seq
    step = procedure._step(session, actor, case, "inquiry", start.date(), pair, note=f"询问 {name}", **record)
    flush(session, "enforcement_step")
    return step


def inquiries(session: Session, actor: Actor, case_id: int) -> list[Step]:
    case = get_case(session, actor, case_id)
    return list(session.scalars(select(Step).where(Step.case_id == case.id, Step.kind == "inquiry").order_by(Step.id)))


def get_inquiry(session: Session, actor: Actor, case_id: int, inquiry_id: int) -> tuple[Case, Step]:
    case = get_case(session, actor, case_id)
    step = session.get(Step, inquiry_id)
    if step is None or step.case_id != case.id or step.kind != "inquiry":
        raise NotFound("enforcement_inquiry", inquiry_id)
    return case, step


def inquiry_out(step: Step) -> InquiryOut:
    d = step.data
    return InquiryOut(id=step.id, case_id=step.case_id, number=d["number"], interviewee_name=d["interviewee_name"],
                      interviewee_id_no=rules.mask_id(d["interviewee_id_no"]), interviewee_role=d["interviewee_role"],
                      started_at=d["started_at"], ended_at=d["ended_at"], place=d["place"],
                      officers=[step.officer1, step.officer2], recorder=d["recorder"], questions=len(d["qa"]),
                      evidence_seq=int(d.get("evidence_seq", 0)))


def _when(iso: str) -> str:
    t = dt.datetime.fromisoformat(iso)
    return f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute:02d}分"


def inquiry_pdf(session: Session, case: Case, step: Step, *, public: bool = False) -> bytes:
    """The 询问笔录 PDF: header (time, place, 询问人 with 执法证号, 记录人, 被询问人), the rights told, the questions and
    answers, and on EVERY page the line「以上笔录我已看过，与我所说的相符」with the interviewee's signature slot and
    「第 n 页 共 m 页」(two passes: the page count is known after the first). public: the ID number masked."""
    d = step.data
    organ = session.get(Organization, case.organ_id)
    organ_name = organ.name if organ else ""
    head = _inquiry_head(session, case, step, public=public)
    told = (f"我们是{organ_name}的执法人员，已向你出示执法证件。现依法就{case.title}向你进行询问，你应当如实回答，"
            "并协助调查，不得阻挠；对与案件无关的问题你有权拒绝回答；你认为执法人员与本案有直接利害关系的，有权申请回避"
            "（《中华人民共和国行政处罚法》第四十二条、第四十三条、第五十五条）。你听清楚了吗？")
    line = (f"{rules.INQUIRY_SIGN_LINE}。被询问人签名：________　日期：________"
            if d.get("signed", True) else "被询问人拒绝签名（执法人员注明）")
    _, n = _render_inquiry(lambda: _inquiry_story(organ_name, d, head, told), line, d["number"], organ_name, None)
    data, _ = _render_inquiry(lambda: _inquiry_story(organ_name, d, head, told), line, d["number"], organ_name, n)
    return data


def _inquiry_head(session: Session, case: Case, step: Step, *, public: bool) -> list[tuple[str, str]]:
    """The header table of the 笔录: time, place, 询问人 and 记录人 with their 执法证号, the interviewee, the case."""
    d = step.data
    names = officer_names(session, [step.officer1, step.officer2])
    id_no = rules.mask_id(d["interviewee_id_no"]) if public else d["interviewee_id_no"]
    recorder = d["recorder"]
    recorder_label = f"{names[recorder]}（执法证号 {recorder}）" if recorder in names else recorder
    people = "；".join(f"{names.get(c, '')}（执法证号 {c}）" for c in (step.officer1, step.officer2))
    return [("询问时间", f"{_when(d['started_at'])} 至 {_when(d['ended_at'])}"), ("询问地点", d["place"]),
            ("询问人", people), ("记录人", recorder_label),
            ("被询问人", f"{d['interviewee_name']}（{rules.INQUIRY_ROLES.get(d['interviewee_role'], '')}）"),
            ("身份证件号码", id_no), ("联系电话", d.get("interviewee_phone", "")), ("住址", d.get("interviewee_address", "")),
            ("案由", case.title)]


def _inquiry_story(organ_name: str, d: dict[str, Any], head: list[tuple[str, str]], told: str) -> list[Any]:
    """The flowables of the 笔录 (built anew for each pass: reportlab consumes them)."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, Spacer, Table, TableStyle

    st = documents._styles()
    t = Table([[Paragraph(pdf_text(k), st["cell"]), Paragraph(pdf_text(v, max_length=400), st["cell"])] for k, v in head],
              colWidths=[32 * mm, 128 * mm])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    out: list[Any] = [Paragraph(pdf_text(organ_name), st["organ"]),
                      HRFlowable(width="100%", thickness=2, color=colors.HexColor("#b3261e")), Spacer(1, 2 * mm),
                      Paragraph(pdf_text("询问笔录"), st["title"]), Paragraph(pdf_text(d["number"]), st["no"]),
                      Spacer(1, 3 * mm), t, Spacer(1, 3 * mm), Paragraph(pdf_text(f"问：{told}"), st["body"]),
                      Paragraph(pdf_text("答：听清楚了。"), st["body"])]
    for x in d["qa"]:
        out.append(Paragraph(pdf_text(f"问：{x['q']}"), st["body"]))
        out.append(Paragraph(pdf_text(f"答：{x['a'] or '（未作回答）'}"), st["body"]))
    out.append(Spacer(1, 4 * mm))
    if d.get("signed", True):
        out.append(Paragraph(pdf_text(f"被询问人核对意见：{rules.INQUIRY_SIGN_LINE}。"), st["body"]))
    else:
        out.append(Paragraph(pdf_text("被询问人拒绝签名，执法人员在笔录上注明。"), st["body"]))
    out.append(Paragraph(pdf_text(f"询问人签名：{'　' * 8}{'　' * 8}记录人签名：{'　' * 8}"), st["body"]))
    return out


def _render_inquiry(story: Callable[[], list[Any]], line: str, number: str, organ_name: str,
                    total: int | None) -> tuple[bytes, int]:
    """One pass: the PDF with the signature line and「第 n 页 共 total 页」on every page, and the pages it took."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    font = documents._font()
    pages = [0]

    def footer(canvas: Any, doc: Any) -> None:
        pages[0] = doc.page
        canvas.saveState()
        canvas.setFont(font, 10)
        canvas.drawString(25 * mm, 16 * mm, line)
        canvas.drawRightString(A4[0] - 25 * mm, 10 * mm, f"第 {doc.page} 页  共 {total or '?'} 页")
        canvas.restoreState()

    buf = io.BytesIO()
    pdf = SimpleDocTemplate(buf, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=22 * mm,
                            bottomMargin=28 * mm, title=plain_text(f"询问笔录 {number}"), author=plain_text(organ_name))
    pdf.build(story(), onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue(), pages[0]
