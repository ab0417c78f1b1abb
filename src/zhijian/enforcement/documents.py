"""执法文书: 文号 per organ, kind and year, and the PDFs in 公文 form — 立案审批表, 询问笔录, 告知书, 听证通知书,
决定书 (full and public version), 送达回证.

`allocate` takes the next number under a unique constraint (organ, kind, year, seq): two concurrent allocations never
share a number — the loser's flush fails and it retries on a fresh maximum. The PDFs take plain data; the CJK font is
the one `platform.fonts` finds (Noto Sans CJK), else ReportLab's built-in STSong-Light.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization
from zhijian.enforcement import penalties, rules
from zhijian.enforcement.models import Case, Document, Step
from zhijian.platform.errors import Conflict, DomainError
from zhijian.platform.escape import pdf_text, plain_text

_FONT: str | None = None


def allocate(session: Session, organ: Organization, kind: str, on: dt.date, case_id: int | None = None) -> Document:
    """The next 文号 of this organ, kind and year (a savepoint per attempt, so a lost race retries cleanly)."""
    if kind not in rules.DOC_KINDS:
        raise DomainError("enforcement.bad_doc_kind", f"未知文书种类：{kind}", f"unknown document kind: {kind}", field="kind")
    abbr, year = rules.organ_abbr(organ.name), on.year
    for _ in range(5):
        seq = int(session.scalar(select(func.coalesce(func.max(Document.seq), 0)).where(
            Document.organ_id == organ.id, Document.kind == kind, Document.year == year)) or 0) + 1
        number = rules.doc_number(abbr, rules.DOC_KINDS[kind][1], year, seq)
        doc = Document(organ_id=organ.id, kind=kind, year=year, seq=seq, number=number, case_id=case_id, issued_on=on)
        try:
            with session.begin_nested():
                session.add(doc)
                session.flush()
            return doc
        except IntegrityError:
            continue
    raise Conflict("enforcement_document.busy", "文号分配冲突，请重试", "document number contention, retry")


def case_documents(session: Session, case_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)))


def _yuan(v: Decimal) -> str:
    return f"{v:,.2f}元"


def decision_text(case: Case, organ: Organization, amount: Decimal) -> str:
    """The body of a 决定书 from the case: party, facts, article, the numbered penalties, payment and remedies."""
    from zhijian.enforcement.procedure import yuan

    cat = penalties.catalogue()
    v = cat.violations.get(case.violation_code)
    basis = f"{v['law']}{v['article']}" if v else "有关法律规定"
    lines = [f"当事人：{case.party_name}", f"案由：{case.title}", f"经查：{case.facts_text or '（见调查终结报告）'}",
             f"上述行为违反了{basis}的规定。"]
    if case.decision_kind == "no_penalty" or amount == 0:
        lines.append("依据《中华人民共和国行政处罚法》第三十三条第一款，决定不予行政处罚。")
        return "\n".join(lines)
    items = [m for m in (v["other"] if v else []) if not m.startswith(("情节严重", "有违法所得", "逾期未改正", "拒不改正",
                                                                        "可以由公安"))]
    if case.confiscation_fen:
        items.append(f"没收违法所得{_yuan(yuan(case.confiscation_fen))}")
    items.append(f"罚款{_yuan(amount)}")
    lines.append(f"依据{basis}，决定：" + "；".join(f"{i}．{m}" for i, m in enumerate(items, 1)) + "。")
    lines.append("当事人应当自收到本决定书之日起十五日内缴纳罚款（《中华人民共和国行政处罚法》第六十七条）；"
                 "到期不缴纳的，每日按罚款数额的百分之三加处罚款（第七十二条）。")
    lines.append("如不服本决定，可以在收到本决定书之日起六十日内申请行政复议，或者六个月内依法向人民法院提起行政诉讼。")
    return "\n".join(lines)


# ---------------------------------------------------------------- PDFs


def _font() -> str:
    """The CJK face of `platform.fonts` (embedded Noto CJK), else ReportLab's built-in STSong-Light."""
    global _FONT
    if _FONT:
        return _FONT
    try:
        from zhijian.platform.fonts import pdf_font

        _FONT = pdf_font()
    except Exception:  # noqa: BLE001 — no CJK font installed: the CID font needs no file
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        _FONT = "STSong-Light"
    return _FONT


def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    f = _font()
    return {"organ": ParagraphStyle("organ", fontName=f, fontSize=20, leading=28, alignment=TA_CENTER, textColor="#b3261e"),
            "title": ParagraphStyle("title", fontName=f, fontSize=16, leading=24, alignment=TA_CENTER),
            "no": ParagraphStyle("no", fontName=f, fontSize=11, leading=16, alignment=TA_RIGHT),
            "body": ParagraphStyle("body", fontName=f, fontSize=11.5, leading=20, firstLineIndent=23),
            "cell": ParagraphStyle("cell", fontName=f, fontSize=10, leading=14),
            "sign": ParagraphStyle("sign", fontName=f, fontSize=11.5, leading=20, alignment=TA_RIGHT)}


def render(kind: str, *, organ: str, number: str, issued_on: dt.date | None, paragraphs: list[str],
           table: list[tuple[str, str]] | None = None, seal: bool = True) -> bytes:
    """One 公文-form PDF: organ header in red, title, 文号, body or a two-column form, date and the 印章 slot."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    st = _styles()
    title = rules.DOC_KINDS[kind][0] if kind in rules.DOC_KINDS else kind
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(buf, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=22 * mm,
                            bottomMargin=22 * mm, title=plain_text(f"{title} {number}"), author=plain_text(organ))
    story: list[Any] = [Paragraph(pdf_text(organ), st["organ"]),
                        HRFlowable(width="100%", thickness=2, color=colors.HexColor("#b3261e")), Spacer(1, 3 * mm),
                        Paragraph(pdf_text(title), st["title"]), Paragraph(pdf_text(number), st["no"]), Spacer(1, 4 * mm)]
    if table:
        data = [[Paragraph(pdf_text(k), st["cell"]), Paragraph(pdf_text(v, max_length=1500), st["cell"])] for k, v in table]
        t = Table(data, colWidths=[38 * mm, 122 * mm])
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [t, Spacer(1, 4 * mm)]
    for p in paragraphs:
        story.append(Paragraph(pdf_text(p), st["body"]))
    story += [Spacer(1, 12 * mm), Paragraph(pdf_text(organ), st["sign"]),
              Paragraph(pdf_text(f"{issued_on.year}年{issued_on.month}月{issued_on.day}日" if issued_on else ""),
                        st["sign"])]
    if seal:
        story.append(Paragraph(pdf_text("（印章）"), st["sign"]))
    pdf.build(story)
    return buf.getvalue()


def _zh_date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _letter(kind: str, organ: str, number: str, issued_on: dt.date | None, body: list[str],
            recipients: tuple[str, ...] = ()) -> bytes:
    """告知书 / 听证通知书 / 决定书 in 公文 form through `platform.documents` (GB/T 9704-2012 信函格式: the organ's
    name, the 文号, the 成文日期 and the 印章 slot — the organ's seal image when configured, else a dashed circle)."""
    from zhijian.platform import documents as official

    return official.official_pdf(official.Official(
        organ=official.Organ(organ, code=rules.organ_abbr(organ)), title=rules.DOC_KINDS[kind][0], body=body,
        number=number, recipients=recipients, issued_on=issued_on, form="letter", draft=True))


def _officers(session: Session, step: Step | None) -> str:
    if step is None:
        return ""
    from zhijian.enforcement.service import officer_names

    names = officer_names(session, [step.officer1, step.officer2])
    return "、".join(f"{names.get(c, '')}（执法证号 {c}）" for c in (step.officer1, step.officer2) if c)


def _last(session: Session, case: Case, kind: str) -> Step | None:
    return session.scalars(select(Step).where(Step.case_id == case.id, Step.kind == kind)
                           .order_by(Step.id.desc()).limit(1)).first()


def case_pdf(session: Session, case: Case, kind: str, *, public: bool = False) -> bytes:
    """The document of one kind for a case, laid out from what the case records (public: personal data removed)."""
    organ = session.get(Organization, case.organ_id)
    name = organ.name if organ else ""
    from zhijian.enforcement.procedure import yuan

    doc = session.scalars(select(Document).where(Document.case_id == case.id, Document.kind == kind)
                          .order_by(Document.id.desc()).limit(1)).first()
    if kind == "filing":
        s = _last(session, case, "filing")
        return render(kind, organ=name, number=case.case_no, issued_on=case.filed_on, paragraphs=[], table=[
            ("案件名称", case.title), ("当事人", case.party_name), ("案件来源", f"线索 {case.lead_id}" if case.lead_id else "直接立案"),
            ("简要案情", case.facts_text), ("承办人员", _officers(session, s)), ("负责人审批", s.approver if s else ""),
            ("立案日期", case.filed_on.isoformat()), ("办案期限", f"{case.due_on}（{rules.CASE_BASIS}）")])
    if kind == "inquiry":  # the latest 询问笔录 (each one: `inquiry.inquiry_pdf`)
        from zhijian.enforcement import inquiry

        step = _last(session, case, "inquiry")
        if step is not None:
            return inquiry.inquiry_pdf(session, case, step, public=public)
    if doc is None:
        raise DomainError("enforcement.no_document", f"本案尚无{rules.DOC_KINDS.get(kind, (kind,))[0]}",
                          f"the case has no {kind} document", status=404)
    if kind == "notice":
        s = _last(session, case, "notice")
        rights = [f"你（单位）有权进行陈述和申辩，应当自本告知书送达之日起五个工作日内（至{_zh_date(case.response_due_on)}止）提出；"
                  "逾期视为放弃（《中华人民共和国行政处罚法》第四十四条、第四十五条）。"]
        if case.hearing_right:
            rights.append("拟作出的行政处罚属于听证范围，你（单位）有权要求举行听证，应当在上述期限内提出（《中华人民共和国行政处罚法》"
                          "第六十三条、第六十四条；《市场监督管理行政处罚听证办法》第五条）。")
        cat = penalties.catalogue().violations.get(case.violation_code, {})
        body = [f"经调查，{case.facts_text or case.title}。",
                f"上述行为违反了{cat.get('law', '')}{cat.get('article', '')}的规定，本机关拟对你（单位）作出如下行政处罚："
                f"罚款{_yuan(yuan(case.proposed_fen))}。", *rights, f"承办人员：{_officers(session, s)}"]
        return _letter(kind, name, doc.number, case.notified_on, body, (case.party_name,))
    if kind == "hearing_notice":
        s = _last(session, case, "hearing")
        body = [f"根据你（单位）的申请，本机关定于{case.hearing_on}就{case.title}举行听证（《中华人民共和国行政处罚法》"
                "第六十四条：听证七日前通知）。", f"听证人员：{_officers(session, s)}"]
        notice_on = dt.date.fromisoformat(s.data["notice_served_on"]) if s and s.data.get("notice_served_on") else None
        return _letter(kind, name, doc.number, notice_on, body, (case.party_name,))
    if kind in ("decision", "no_penalty"):
        text = case.public_text if public else case.decision_text
        head = "（公开版本，已依《市场监督管理行政处罚信息公示规定》隐去个人信息）" if public else ""
        return _letter(kind, name, doc.number, case.decided_on, [p for p in [head, *text.split("\n")] if p])
    if kind == "receipt":
        s = _last(session, case, "service")
        return render(kind, organ=name, number=doc.number, issued_on=case.served_on, paragraphs=[], table=[
            ("送达文书", f"{rules.DOC_KINDS['decision'][0]} {case.decision_no}"), ("受送达人", case.party_name),
            ("送达方式", rules.SERVICE_METHODS.get(case.service_method, case.service_method)),
            ("送达日期", str(case.served_on or "")), ("送达人", _officers(session, s)), ("受送达人签名", "")])
    raise DomainError("enforcement.bad_doc_kind", f"无法生成该文书：{kind}", f"cannot render {kind}", field="kind")
