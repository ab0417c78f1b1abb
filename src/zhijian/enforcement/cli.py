"""`zhijian enforcement …` — the penalty catalogue, officers, leads and the scan, a case step by step, documents,
joint operations, 协查 and the oversight statistics. Acts as the system (admin) for the organ named with ``--organ``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from zhijian.enforcement import cooperation, documents, oversight, penalties, procedure, rules, service
from zhijian.enforcement.schemas import (
    AssistAnswerIn,
    AssistIn,
    DecideIn,
    FactsIn,
    FileIn,
    LeadIn,
    LegalReviewIn,
    NotifyIn,
    OfficerIn,
    OperationIn,
    PayIn,
    ResponseIn,
    ReviewIn,
    ServeIn,
    StepIn,
)
from zhijian.platform.auth import SYSTEM
from zhijian.platform.calendar import parse_date
from zhijian.platform.cli_support import unit_of_work
from zhijian.platform.errors import DomainError
from zhijian.platform.files import write_bytes

app = typer.Typer(help="综合执法 / enforcement", no_args_is_help=True)


_date = parse_date  # platform.calendar: the one date parser


def _money(value: str, field: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise DomainError("validation.invalid", f"「{field}」应为金额（元）", f"'{field}' must be an amount", field=field) from None


def _officers(value: str) -> list[str]:
    return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]


@app.command("penalties")
def penalties_cmd() -> None:
    """罚则目录: each violation with its fine, its source and whether the text was checked."""
    cat = penalties.catalogue()
    typer.echo(f"罚则目录 {cat.version}（裁量基准：{cat.discretion['name']}）")
    for r in penalties.catalogue_rows():
        mark = "已核对" if r["verified"] else f"待核对：{r['note']}"
        typer.echo(f"{r['code']}\t{r['law']}{r['article']}\t{r['fine']}\t{r['source']}\t{mark}")


@app.command("compute")
def compute_cmd(violation: str, goods_value: str = "0", illegal_income: str = "0", sales: str = "0",
                circumstance: list[str] = typer.Option([], "--circumstance", "-c"), natural_person: bool = False,
                first_offence: bool = False, minor: bool = False, corrected: bool = False) -> None:
    """The lawful range and the 裁量 range for the facts, with the article."""
    r = penalties.compute(violation, penalties.facts(
        goods_value=_money(goods_value, "goods_value"), illegal_income=_money(illegal_income, "illegal_income"),
        sales_amount=_money(sales, "sales"), circumstances=circumstance, natural_person=natural_person,
        first_offence=first_offence, minor_harm=minor, corrected=corrected))
    typer.echo(f"{r.article}\t法定 {r.lawful_min}–{r.lawful_max} 元\t建议 {r.suggested_min}–{r.suggested_max} 元")
    for line in r.explanation:
        typer.echo(line)


@app.command("officer-add")
def officer_add(organ: int = typer.Option(...), name: str = typer.Option(...), cert: str = typer.Option(...)) -> None:
    """执法人员登记 with the 执法证 number."""
    with unit_of_work() as s:
        o = service.register_officer(s, SYSTEM, OfficerIn(organ_id=organ, name=name, cert_no=cert))
        typer.echo(f"{o.cert_no}\t{o.name}")


@app.command("scan")
def scan_cmd() -> None:
    """Create leads from other rooms' findings (spot checks, reports, risk signals, revocations, equipment)."""
    with unit_of_work() as s:
        counts = service.collect_leads(s, SYSTEM)
    typer.echo("\t".join(f"{rules.LEAD_SOURCES.get(k, k)} {v}" for k, v in counts.items()) or "没有新线索")


@app.command("lead-add")
def lead_add(title: str, region: str = typer.Option(...), party: str = "", uscc: str = "", received: str | None = None,
             source: str = "manual") -> None:
    """线索 by hand (核查 15 working days, 程序规定 第十八条)."""
    with unit_of_work() as s:
        lead = service.create_lead(s, SYSTEM, LeadIn(title=title, region_code=region, party_name=party, party_uscc=uscc,
                                                     received_on=_date(received, "received"), source=source))
        typer.echo(f"{lead.id}\t{lead.party_name or '—'}\t核查期限 {lead.verify_due_on}")


@app.command("leads")
def leads_cmd(state: str | None = None, limit: int = 100) -> None:
    with unit_of_work() as s:
        for x in service.list_leads(s, SYSTEM, state=state, limit=limit).items:
            typer.echo(f"{x.id}\t{rules.LEAD_SOURCES.get(x.source, x.source)}\t{rules.LEAD_STATES[x.state]}\t"
                       f"{x.received_on}\t核查期限 {x.verify_due_on}\t{x.title}")


@app.command("file")
def file_cmd(organ: int = typer.Option(...), approver: str = typer.Option(...), officers: str = typer.Option(...),
             lead: int | None = None, party: int | None = None, title: str = "", violation: str = "",
             on: str | None = None) -> None:
    """立案 (from a lead or directly); prints the case number and the 90-day due date."""
    with unit_of_work() as s:
        c = procedure.file_case(s, SYSTEM, FileIn(organ_id=organ, approver=approver, officers=_officers(officers),
                                                  lead_id=lead, party_id=party, title=title, violation_code=violation,
                                                  on=_date(on, "on")))
        typer.echo(f"{c.id}\t{c.case_no}\t办案期限 {c.due_on}")


@app.command("review")
def review_cmd(case: int, violation: str = typer.Option(...), fine: str = typer.Option(...),
               officers: str = typer.Option(...), goods_value: str = "0", illegal_income: str = "0",
               on: str | None = None) -> None:
    """调查终结 → 审核 with the proposed fine (checked against the article)."""
    with unit_of_work() as s:
        c = procedure.submit_review(s, SYSTEM, case, ReviewIn(
            officers=_officers(officers), violation_code=violation, proposed_fine=_money(fine, "fine"),
            facts=FactsIn(goods_value=_money(goods_value, "goods_value"),
                          illegal_income=_money(illegal_income, "illegal_income")), on=_date(on, "on")))
        typer.echo(f"{c.case_no}\t{rules.STATES[c.state]}\t听证权利 {'有' if c.hearing_right else '无'}\t"
                   f"法制审核 {'需要' if c.legal_review else '不需要'}")


@app.command("legal-review")
def legal_review_cmd(case: int, reviewer: str = typer.Option(...), opinion: str = typer.Option(...),
                     on: str | None = None) -> None:
    """法制审核 opinion (《行政处罚法》第五十八条)."""
    with unit_of_work() as s:
        c = procedure.legal_review(s, SYSTEM, case, LegalReviewIn(reviewer=reviewer, opinion=opinion, on=_date(on, "on")))
        typer.echo(f"{c.case_no}\t法制审核已记录")


@app.command("notify")
def notify_cmd(case: int, served: str = typer.Option(...), officers: str = typer.Option(...)) -> None:
    """行政处罚告知书 served; prints the end of the response period."""
    with unit_of_work() as s:
        c = procedure.notify(s, SYSTEM, case, NotifyIn(officers=_officers(officers), served_on=_date(served, "served")))
        typer.echo(f"{c.case_no}\t陈述申辩期限 {c.response_due_on}")


@app.command("respond")
def respond_cmd(case: int, statement: str = "", waive: bool = False, hearing: bool = False, on: str | None = None) -> None:
    with unit_of_work() as s:
        c = procedure.respond(s, SYSTEM, case, ResponseIn(statement=statement, waive=waive, request_hearing=hearing,
                                                          on=_date(on, "on")))
        typer.echo(f"{c.case_no}\t{'已要求听证' if c.hearing_requested else '已记录'}")


@app.command("decide")
def decide_cmd(case: int, fine: str = typer.Option(...), approver: str = typer.Option(...),
               officers: str = typer.Option(...), on: str | None = None, no_penalty: bool = False) -> None:
    """行政处罚决定 (refused before the notice and the response period)."""
    with unit_of_work() as s:
        c = procedure.decide(s, SYSTEM, case, DecideIn(officers=_officers(officers), fine=_money(fine, "fine"),
                                                       approver=approver, on=_date(on, "on"),
                                                       kind="no_penalty" if no_penalty else "penalty"))
        typer.echo(f"{c.decision_no}\t罚款 {procedure.yuan(c.fine_fen)} 元\t公示期限 {c.publication_due_on or '—'}")


@app.command("serve")
def serve_cmd(case: int, served: str = typer.Option(...), officers: str = typer.Option(...), method: str = "direct") -> None:
    with unit_of_work() as s:
        c = procedure.serve(s, SYSTEM, case, ServeIn(officers=_officers(officers), method=method,
                                                     served_on=_date(served, "served")))
        typer.echo(f"{c.case_no}\t缴款期限 {c.payment_due_on or '—'}")


@app.command("pay")
def pay_cmd(case: int, paid: str = typer.Option(...), amount: str = typer.Option(...)) -> None:
    with unit_of_work() as s:
        c = procedure.record_payment(s, SYSTEM, case, PayIn(paid_on=_date(paid, "paid"), amount=_money(amount, "amount")))
        typer.echo(f"{c.case_no}\t已缴 {procedure.yuan(c.paid_fen)} 元（加处罚款 {procedure.yuan(c.surcharge_fen)} 元）")


@app.command("close")
def close_cmd(case: int, officers: str = typer.Option(...), on: str | None = None) -> None:
    with unit_of_work() as s:
        c = procedure.close_case(s, SYSTEM, case, StepIn(officers=_officers(officers), on=_date(on, "on")))
        typer.echo(f"{c.case_no}\t{rules.STATES[c.state]}")


@app.command("publish")
def publish_cmd(case: int, on: str | None = None) -> None:
    with unit_of_work() as s:
        c = procedure.publish(s, SYSTEM, case, _date(on, "on"))
        late = c.publication_due_on and c.published_on and c.published_on > c.publication_due_on
        typer.echo(f"{c.decision_no}\t公示 {c.published_on}\t{'逾期' if late else '按期'}")


@app.command("repair")
def repair_cmd(case: int, reason: str = typer.Option(...), on: str | None = None) -> None:
    """信用修复: stop publishing the decision (after its minimum period, once executed)."""
    with unit_of_work() as s:
        c = procedure.end_publication(s, SYSTEM, case, reason=reason, on=_date(on, "on"))
        typer.echo(f"{c.decision_no}\t停止公示 {c.publication_ended_on}")


@app.command("show")
def show_cmd(case: int) -> None:
    """A case with its clocks and its steps (who, when)."""
    with unit_of_work() as s:
        c = service.get_case(s, SYSTEM, case)
        typer.echo(f"{c.case_no}\t{c.party_name}\t{rules.STATES[c.state]}\t立案 {c.filed_on}\t办案期限 {c.due_on}")
        for st in procedure.steps(s, SYSTEM, case):
            typer.echo(f"{st.on}\t{st.kind}\t{st.officer1} {st.officer2}\t{st.approver}\t{st.note[:60]}")
        for item in oversight.checklist(s, SYSTEM, case):
            mark = {True: "✓", False: "✗", None: "—"}[item["ok"]]
            typer.echo(f"{mark} {item['item']}\t{item['detail']}")


@app.command("pdf")
def pdf_cmd(case: int, kind: str, out: Path, public: bool = False) -> None:
    """文书 PDF (filing / notice / hearing_notice / decision / no_penalty / receipt), written atomically."""
    with unit_of_work() as s:
        data = documents.case_pdf(s, service.get_case(s, SYSTEM, case), kind, public=public)
    write_bytes(out, data)
    typer.echo(f"{out}\t{len(data)} 字节")


@app.command("inquiry")
def inquiry_cmd(case: int, record: Path = typer.Argument(..., help="JSON: InquiryIn fields (qa: [{q, a}], …)"),
                out: Path | None = None) -> None:
    """询问笔录 from a JSON file (程序规定 第三十一条); --out writes its PDF."""
    import json

    from pydantic import ValidationError

    from zhijian.enforcement import inquiry
    from zhijian.enforcement.schemas import InquiryIn

    try:
        data = InquiryIn.model_validate(json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise DomainError("validation.invalid", f"询问笔录文件无效：{str(exc).splitlines()[0]}",
                          f"invalid inquiry file: {str(exc).splitlines()[0]}", field="record") from None
    with unit_of_work() as s:
        step = inquiry.record_inquiry(s, SYSTEM, case, data)
        o = inquiry.inquiry_out(step)
        pdf = inquiry.inquiry_pdf(s, service.get_case(s, SYSTEM, case), step) if out else b""
    if out:
        write_bytes(out, pdf)
    typer.echo(f"{o.number}\t{o.interviewee_name}\t{o.interviewee_id_no}\t{o.questions} 问\t证据 {o.evidence_seq}"
               + (f"\t{out}" if out else ""))


@app.command("serious-list")
def serious_list_cmd(case: int, notified: str = typer.Option(...), approver: str = typer.Option(...),
                     on: str | None = None) -> None:
    """列入严重违法失信名单 on the case's proposal (SAMR Order No. 44), through the consumer room."""
    from zhijian.enforcement import listing

    with unit_of_work() as s:
        r = listing.list_serious(s, SYSTEM, case, notified_on=_date(notified, "notified") or dt.date.today(),
                                 on=_date(on, "on"), approver=approver)
        typer.echo(f"{r.state}\t{'、'.join(r.articles)}\t{r.note}")


@app.command("operation-create")
def op_create(name: str, organ: int = typer.Option(...), gtin: list[str] = typer.Option([], "--gtin"),
              member: list[int] = typer.Option([], "--member")) -> None:
    """专项行动 led by ``--organ`` with ``--member`` organs around ``--gtin`` products."""
    with unit_of_work() as s:
        op = cooperation.create_operation(s, SYSTEM, OperationIn(organ_id=organ, name=name, gtins=gtin,
                                                                 member_organ_ids=member))
        typer.echo(f"{op.id}\t{op.name}")


@app.command("operation-join")
def op_join(operation: int, case: int) -> None:
    with unit_of_work() as s:
        c = cooperation.join_case(s, SYSTEM, operation, case)
        typer.echo(f"{c.case_no}\t→ 专项行动 {operation}")


@app.command("operation-show")
def op_show(operation: int) -> None:
    """Statistics per member organ and the shared timeline."""
    with unit_of_work() as s:
        for r in cooperation.operation_stats(s, SYSTEM, operation):
            typer.echo(f"{r['organ']}\t{r['region_code']}\t案件 {r['cases']}\t决定 {r['decided']}\t罚款 {r['fines']} 元\t"
                       f"查封扣押 {r['seizures']}")
        for t in cooperation.timeline(s, SYSTEM, operation):
            typer.echo(f"{t['on']}\t{t['organ']}\t{t['text']}")


@app.command("assist")
def assist_cmd(organ: int = typer.Option(...), to: int = typer.Option(...), subject: str = typer.Option(...),
               question: str = typer.Option(...), kind: str = "seller", case: int | None = None,
               share: list[str] = typer.Option([], "--share")) -> None:
    """协查 request to another division, sharing only the ``--share`` fields of the case."""
    with unit_of_work() as s:
        a = cooperation.request_assist(s, SYSTEM, AssistIn(organ_id=organ, to_organ_id=to, subject_kind=kind,
                                                            subject_name=subject, question=question, case_id=case,
                                                            share_fields=share))
        typer.echo(f"{a.id}\t{a.document_no}\t答复期限 {a.due_on}")


@app.command("assist-answer")
def assist_answer(assist: int, answer: str) -> None:
    with unit_of_work() as s:
        a = cooperation.answer_assist(s, SYSTEM, assist, AssistAnswerIn(answer=answer))
        typer.echo(f"{a.id}\t{a.state}\t{a.answered_on}")


@app.command("stats")
def stats_cmd(out: Path | None = None) -> None:
    """执法监督统计 per organ (and with --out, the Excel workbook)."""
    with unit_of_work() as s:
        rows = oversight.dashboard(s, SYSTEM)
    typer.echo("\t".join(oversight.HEADERS))
    for r in oversight.export_rows(rows):
        typer.echo("\t".join(str(v) for v in r))
    if out is not None:
        import io

        from zhijian.web.export import write_xlsx

        buf = io.BytesIO()
        write_xlsx(buf, oversight.HEADERS, oversight.export_rows(rows), "执法监督统计")
        write_bytes(out, buf.getvalue())
        typer.echo(f"{out}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="enforcement")
