"""Consumer-room commands: certificate import and verification, credit recompute, overdue complaints,
the working-day calculator and the comparative-test PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from zhijian.platform.calendar import parse_date
from zhijian.platform.cli_support import counted, emit, unit_of_work
from zhijian.platform.errors import DomainError, validated

certificates_app = typer.Typer(help="认证证书 / certificates", no_args_is_help=True)
credit_app = typer.Typer(help="质量信用 / enterprise quality credit", no_args_is_help=True)
complaints_app = typer.Typer(help="投诉举报 / complaints and reports", no_args_is_help=True)
comparative_app = typer.Typer(help="比较试验 / comparative tests", no_args_is_help=True)


def _date(value: str | None, field: str) -> dt.date | None:
    """An option's date (platform.calendar.parse_date): a bad one is `cli.bad_date`, one line and exit 2."""
    return parse_date(value, field, code="cli.bad_date")


@certificates_app.command("import")
def certificates_import(file: Path = typer.Argument(..., help=".csv (UTF-8) or .xlsx"),
                        json_out: bool = typer.Option(False, "--json")) -> None:
    """批量导入证书 — all rows or none; a bad row is named with its number."""
    from zhijian.consumer import service

    content = file.read_bytes()
    with unit_of_work() as s:
        rows = service.parse_certificate_file(file.name, content)
        result = service.import_certificates(s, s.info["actor"], rows)
    emit(result, json_out, lambda d: f"imported {d['rows']} certificates: {d['created']} new, {d['updated']} updated")


@certificates_app.command("verify")
def certificates_verify(number: str, holder: str | None = typer.Option(None, help="claimed holder"),
                        product: str | None = typer.Option(None, help="claimed product"),
                        json_out: bool = typer.Option(False, "--json")) -> None:
    """验证证书 (exit 1 when not valid)."""
    from zhijian.consumer import service

    with unit_of_work() as s:
        v, _cert = service.verify_certificate(s, number, holder=holder, product=product)
    data = {"number": v.number, "valid": v.valid, "status": v.status,
            "findings": [{"code": f.code, "zh": f.zh} for f in v.findings]}
    emit(data, json_out, lambda d: f"{d['number']}: {'有效 valid' if d['valid'] else '无效 NOT valid'}"
         + "".join(f"\n  - {f['code']}: {f['zh']}" for f in d["findings"]))
    if not v.valid:
        raise typer.Exit(1)


@credit_app.command("recompute")
def credit_recompute(enterprise: list[int] = typer.Option(None, "--enterprise", help="enterprise id (repeatable)"),
                     as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
                     json_out: bool = typer.Option(False, "--json")) -> None:
    """重新评价企业信用分类 (A–D) and write it to the organizations."""
    from zhijian.consumer import service

    on = _date(as_of, "as_of")
    with unit_of_work() as s:
        rows = service.recompute_credit(s, s.info["actor"], enterprise_ids=list(enterprise or []) or None, as_of=on)
        data = [{"enterprise_id": a.enterprise_id, "score": a.score, "credit_class": a.credit_class,
                 "previous_class": a.previous_class} for a in rows]
    counts: dict[str, int] = {}
    for a_class in (str(d["credit_class"]) for d in data):
        counts[a_class] = counts.get(a_class, 0) + 1
    changed = sum(1 for d in data if d["credit_class"] != d["previous_class"])
    emit(data, json_out, lambda _d: f"{len(data)} enterprises scored; classes "
         + ", ".join(f"{k}: {counts.get(k, 0)}" for k in "ABCD") + f"; {changed} changed")


@credit_app.command("show")
def credit_show(enterprise_id: int, json_out: bool = typer.Option(False, "--json")) -> None:
    """The latest assessment of an enterprise with its breakdown."""
    from zhijian.consumer import service

    with unit_of_work() as s:
        hist = service.credit_history(s, s.info["actor"], enterprise_id, limit=1)
        if not hist:
            raise DomainError("credit.none", f"企业 {enterprise_id} 尚无信用评价", f"no assessment for {enterprise_id}",
                              field="enterprise_id")
        data = service.credit_dict(hist[0]).model_dump()

    def human(d: dict[str, Any]) -> str:
        lines = [f"enterprise {d['enterprise_id']}: {d['credit_class']} ({d['score']}) as of {d['as_of']}"]
        lines += [f"  {i['points']:+7.2f}  {i['label_zh']}  {i['detail']}" for i in d["breakdown"]]
        lines += [f"  cap: {c}" for c in d["caps"]]
        return "\n".join(lines)

    emit(data, json_out, human)


@complaints_app.command("overdue")
def complaints_overdue(on: str | None = typer.Option(None, help="YYYY-MM-DD (default today)"),
                       json_out: bool = typer.Option(False, "--json")) -> None:
    """超期案件 — open cases whose deadline has passed."""
    from zhijian.consumer import service

    day = _date(on, "on")
    with unit_of_work() as s:
        rows = service.overdue(s, s.info["actor"], day)
        data = [{"id": c.id, "tracking_no": c.tracking_no, "kind": c.kind, "state": c.state, "due_kind": c.due_kind,
                 "due_on": c.due_on.isoformat() if c.due_on else None, "respondent": c.respondent_name} for c in rows]
    emit(data, json_out, lambda d: "\n".join(f"{r['tracking_no']}  {r['state']:<10} {r['due_kind']:<10} due {r['due_on']}"
                                             f"  {r['respondent']}" for r in d) or "no overdue cases")


@complaints_app.command("reclock")
def complaints_reclock() -> None:
    """Recompute the due dates of every open case (after a deadline or holiday-calendar change)."""
    from zhijian.consumer import service

    counted("{n} open cases re-clocked", service.refresh_clocks)


@complaints_app.command("deadline")
def complaints_deadline(start: str = typer.Argument(..., help="date of receipt / acceptance, YYYY-MM-DD"),
                        days: int = typer.Argument(..., help="working days"),
                        json_out: bool = typer.Option(False, "--json")) -> None:
    """工作日计算 — the n-th working day after a date on the PRC calendar."""
    from zhijian.consumer import rules

    day = _date(start, "start")
    assert day is not None
    due = rules.add_working_days(day, days)
    data = {"start": day.isoformat(), "working_days": days, "due_on": due.isoformat(),
            "provisional": not rules.calendar_known(due)}
    emit(data, json_out, lambda d: d["due_on"] + ("  (provisional: holiday calendar not yet published)"
                                                  if d["provisional"] else ""))


@comparative_app.command("pdf")
def comparative_pdf(test_id: int, out: Path = typer.Option(..., "--out", "-o")) -> None:
    """Write the Chinese PDF report of a comparative test."""
    from zhijian.consumer import report, service

    with unit_of_work() as s:
        rep = service.comparative_report(s, s.info["actor"], test_id)
    out.write_bytes(report.pdf_report(rep))
    typer.echo(f"wrote {out}")


@comparative_app.command("import")
def comparative_import(
    file: Path = typer.Argument(..., help="结果表 .xlsx/.csv: 品牌, 型号, then one column per item (named like it)"),
    title: str = typer.Option(..., "--title"),
    product_type: str = typer.Option(..., "--product-type"),
    item: list[str] = typer.Option(..., "--item", help='"名称:单位:权重:higher|lower", once per item, in order'),
    category_id: int | None = typer.Option(None, "--category-id"),
    organizer: str = typer.Option("", "--organizer"),
    lab: str = typer.Option("", "--lab"),
    tested_on: str | None = typer.Option(None, "--tested-on", help="YYYY-MM-DD"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """登记比较试验 (draft) from a results table — the parser of the console form; all or nothing."""
    from zhijian.consumer import service

    items = []
    for n, spec in enumerate(item, start=1):
        parts = [p.strip() for p in spec.split(":")]
        if len(parts) != 4 or parts[3] not in ("higher", "lower"):
            raise DomainError("cli.bad_item", f"项目「{spec}」应写作 名称:单位:权重:higher|lower",
                              f"item {spec!r} must be name:unit:weight:higher|lower", field="item")
        items.append({"key": f"i{n}", "name": parts[0], "unit": parts[1], "weight": parts[2],
                      "higher_is_better": parts[3] == "higher"})
    data: dict[str, Any] = {"title": title, "product_type": product_type, "category_id": category_id,
                            "organizer": organizer, "lab_name": lab, "tested_on": _date(tested_on, "tested_on"),
                            "items": items}
    content = file.read_bytes()
    with unit_of_work() as s:
        t = service.import_comparative_test(s, s.info["actor"], data, content, file.name)
        rep = service.comparative_report(s, s.info["actor"], t.id)
    out = {"id": rep["id"], "title": rep["title"], "status": rep["status"],
           "rows": [{"rank": r["rank"], "label": r["label"], "overall": r["overall"]} for r in rep["rows"]]}
    emit(out, json_out, lambda d: f"comparative test {d['id']} created (draft, {len(d['rows'])} samples): "
         + ", ".join(f"{r['rank']}. {r['label']} {r['overall']:.1f}" for r in d["rows"]))


# ---------------------------------------------------------------- issue 15: the enterprise path and the procedure
# One command per service function (the API's and the console's): the operator acts as the system (admin), the
# enterprise answer as the enterprise named by --enterprise. Bad input is one line and exit 2 (`guarded`).


def _case_line(c: Any) -> dict[str, Any]:
    return {"id": c.id, "tracking_no": c.tracking_no, "kind": c.kind, "state": c.state,
            "respondent_id": c.respondent_id, "respondent": c.respondent_name}


def _transition(complaint_id: int, data: dict[str, Any]) -> dict[str, Any]:
    from zhijian.consumer import service
    from zhijian.consumer.schemas import TransitionIn

    t = validated(TransitionIn, data)
    with unit_of_work() as s:
        c = service.transition(s, s.info["actor"], complaint_id, t)
        out = _case_line(c) | {"due_on": c.due_on.isoformat() if c.due_on else None,
                               "enterprise_due_on": c.enterprise_due_on.isoformat() if c.enterprise_due_on else None,
                               "notice_due_on": c.notice_due_on.isoformat() if c.notice_due_on else None,
                               "rejected_code": c.rejected_code, "termination_code": c.termination_code}
    return out


def _dated_transition(name: str, to: str, doc: str, line: Callable[[dict[str, Any]], str]) -> None:
    """Register `complaints <name>`: a command that only moves the case `to` a state on a date (受理, 转企业处理,
    开始调解) — one shape, so it is written once; `doc` is its help, `line` its one-line answer."""

    def command(complaint_id: int, on: str | None = typer.Option(None, "--on", help="YYYY-MM-DD"),
                json_out: bool = typer.Option(False, "--json")) -> None:
        emit(_transition(complaint_id, {"to": to, "on": _date(on, "on")}), json_out, line)

    command.__name__ = command.__qualname__ = f"complaints_{name}"
    command.__doc__ = doc
    complaints_app.command(name)(command)


@complaints_app.command("link")
def complaints_link(complaint_id: int, enterprise_id: int, note: str = typer.Option("", "--note"),
                    json_out: bool = typer.Option(False, "--json")) -> None:
    """关联被投诉企业 — link (or re-link) the respondent to a registered enterprise."""
    from zhijian.consumer import service
    from zhijian.consumer.schemas import LinkIn

    data = validated(LinkIn, {"enterprise_id": enterprise_id, "note": note})
    with unit_of_work() as s:
        out = _case_line(service.link_respondent(s, s.info["actor"], complaint_id, data))
    emit(out, json_out, lambda d: f"{d['tracking_no']}: respondent linked to enterprise {d['respondent_id']} "
         f"({d['respondent']})")


_dated_transition("accept", "accepted",
                  "受理 — accept a complaint or report (the three-year limit of Art. 15(4) is checked).",
                  lambda d: f"{d['tracking_no']}: accepted, due {d['due_on']}")
_dated_transition("forward", "forwarded", "转企业处理 — the complaint goes to the linked enterprise's inbox with its clock.",
                  lambda d: f"{d['tracking_no']}: forwarded to enterprise {d['respondent_id']}, "
                  f"answer due {d['enterprise_due_on']}")


@complaints_app.command("answer")
def complaints_answer(complaint_id: int,
                      enterprise: int = typer.Option(..., "--enterprise", help="the respondent enterprise's id"),
                      response: str = typer.Option(..., "--response", help="answer | settlement | decline"),
                      text: str = typer.Option(..., "--text"),
                      amount: float | None = typer.Option(None, "--amount", help="settlement amount (元)"),
                      json_out: bool = typer.Option(False, "--json")) -> None:
    """企业答复 — the enterprise answers a forwarded complaint, proposes a settlement or declines with reasons."""
    from zhijian.consumer import service
    from zhijian.consumer.schemas import EnterpriseResponseIn
    from zhijian.platform.auth import Actor

    data = validated(EnterpriseResponseIn, {"response": response, "text": text, "amount": amount})
    with unit_of_work(Actor(None, f"cli:enterprise:{enterprise}", "enterprise", enterprise)) as s:
        c = service.enterprise_respond(s, s.info["actor"], complaint_id, data)
        out = _case_line(c) | {"response": c.enterprise_response, "amount": c.settlement_amount}
    emit(out, json_out, lambda d: f"{d['tracking_no']}: {d['response']}"
         + (f" {d['amount']:.2f} 元" if d["amount"] is not None else ""))


@complaints_app.command("reject")
def complaints_reject(complaint_id: int,
                      code: str = typer.Option(..., "--code", help="Art. 15 ground: " + ", ".join(
                          ("outside_jurisdiction", "already_handled", "not_consumer_dispute", "time_limit",
                           "missing_material", "other_law"))),
                      reason: str = typer.Option(..., "--reason"),
                      on: str | None = typer.Option(None, "--on", help="YYYY-MM-DD"),
                      json_out: bool = typer.Option(False, "--json")) -> None:
    """不予受理 with the coded ground of 《暂行办法》第十五条 and its written notice."""
    from zhijian.consumer import procedure

    out = _transition(complaint_id, {"to": "rejected", "reason_code": code, "reason": reason, "on": _date(on, "on")})
    g = procedure.NON_ACCEPTANCE.get(out["rejected_code"] or "")
    emit(out, json_out, lambda d: f"{d['tracking_no']}: 不予受理 {g.article if g else ''} {g.zh if g else ''}")


@complaints_app.command("consent")
def complaints_consent(complaint_id: int, party: str = typer.Option(..., "--party", help="complainant | respondent"),
                       refuse: bool = typer.Option(False, "--refuse", help="record a refusal instead"),
                       note: str = typer.Option("", "--note"), json_out: bool = typer.Option(False, "--json")) -> None:
    """调解意愿 (《暂行办法》第十六条) — a party's consent to mediation."""
    from zhijian.consumer import service
    from zhijian.consumer.schemas import ConsentIn

    data = validated(ConsentIn, {"party": party, "consent": not refuse, "note": note})
    with unit_of_work() as s:
        c = service.record_consent(s, s.info["actor"], complaint_id, data)
        out = _case_line(c) | {"consent_complainant": c.consent_complainant, "consent_respondent": c.consent_respondent}
    emit(out, json_out, lambda d: f"{d['tracking_no']}: consent complainant={d['consent_complainant']} "
         f"respondent={d['consent_respondent']}")


_dated_transition("mediate", "mediating", "开始调解 — only with both parties' consent (《暂行办法》第十六条).",
                  lambda d: f"{d['tracking_no']}: mediating")


@complaints_app.command("terminate")
def complaints_terminate(complaint_id: int,
                         code: str = typer.Option(..., "--code", help="Art. 21 ground, e.g. no_agreement, time_out"),
                         note: str = typer.Option("", "--note"),
                         on: str | None = typer.Option(None, "--on", help="YYYY-MM-DD"),
                         send_notice: bool = typer.Option(False, "--send-notice", help="send the notice at once"),
                         json_out: bool = typer.Option(False, "--json")) -> None:
    """终止调解 with the coded ground of 《暂行办法》第二十一条; the notice is due within 7 working days."""
    from zhijian.consumer import service

    out = _transition(complaint_id, {"to": "closed", "outcome": "terminated", "termination_code": code, "note": note,
                                     "on": _date(on, "on")})
    if send_notice:
        with unit_of_work() as s:
            out["notice"] = service.send_termination_notice(s, s.info["actor"], complaint_id)
    emit(out, json_out, lambda d: f"{d['tracking_no']}: mediation terminated ({d['termination_code']}), notice due "
         f"{d['notice_due_on']}" + ("; notice sent" if d.get("notice") else ""))


@complaints_app.command("split")
def complaints_split(complaint_id: int, facts: str = typer.Option(..., "--facts", help="the report part"),
                     json_out: bool = typer.Option(False, "--json")) -> None:
    """拆分举报 (《暂行办法》第七条) — the report part as its own case; its check code is printed once."""
    from zhijian.consumer import service
    from zhijian.consumer.schemas import SplitIn

    data = validated(SplitIn, {"facts": facts})
    with unit_of_work() as s:
        r, code = service.split_report(s, s.info["actor"], complaint_id, data)
        out = _case_line(r) | {"check_code": code, "due_on": r.due_on.isoformat() if r.due_on else None}
    emit(out, json_out, lambda d: f"report {d['tracking_no']} (check code {d['check_code']}), check due {d['due_on']}")


@complaints_app.command("lead")
def complaints_lead(complaint_id: int, facts: str = typer.Option(..., "--facts"),
                    found_on: str | None = typer.Option(None, "--found-on", help="YYYY-MM-DD (default today)"),
                    json_out: bool = typer.Option(False, "--json")) -> None:
    """违法线索转举报 (《暂行办法》第二十三条) — checked within 15 working days of discovery."""
    from zhijian.consumer import service
    from zhijian.consumer.schemas import LeadIn

    data = validated(LeadIn, {"facts": facts, "found_on": _date(found_on, "found_on")})
    with unit_of_work() as s:
        r = service.hand_over_lead(s, s.info["actor"], complaint_id, data)
        out = _case_line(r) | {"received_on": r.received_on.isoformat(),
                               "due_on": r.due_on.isoformat() if r.due_on else None}
    emit(out, json_out, lambda d: f"report {d['tracking_no']} from the lead, found {d['received_on']}, "
         f"check due {d['due_on']}")


@complaints_app.command("extend")
def complaints_extend(complaint_id: int, days: int = typer.Option(..., "--days"),
                      approved_by: str = typer.Option(..., "--approved-by"), reason: str = typer.Option(..., "--reason"),
                      collective: bool = typer.Option(False, "--collective", help="集体讨论决定 (beyond the first)"),
                      json_out: bool = typer.Option(False, "--json")) -> None:
    """延长办案期限 — a filed report case's 90-day period, the approval recorded."""
    from zhijian.consumer import service
    from zhijian.consumer.schemas import CaseExtensionIn

    data = validated(CaseExtensionIn, {"days": days, "approved_by": approved_by, "reason": reason,
                                    "collective": collective})
    with unit_of_work() as s:
        c = service.extend_case(s, s.info["actor"], complaint_id, data)
        out = _case_line(c) | {"filed_on": c.filed_on.isoformat() if c.filed_on else None,
                               "case_due_on": c.case_due_on.isoformat() if c.case_due_on else None,
                               "extensions": list(c.case_extensions or [])}
    emit(out, json_out, lambda d: f"{d['tracking_no']}: filed {d['filed_on']}, case due {d['case_due_on']} "
         f"({len(d['extensions'])} extension(s))")


def _bases_text(bases: list[dict[str, Any]]) -> str:
    lines = []
    for b in bases:
        if b["applies"]:
            lines.append(f"{b['article']}: 适用 增加赔偿 {b['punitive']:.2f} 元，合计 {b['total']:.2f} 元  [{b['formula']}]")
        else:
            lines.append(f"{b['article']}: 不适用（{'；'.join(b['unmet'])}）")
    return "\n".join(lines)


@complaints_app.command("compensation")
def complaints_compensation(price: float = typer.Option(..., "--price", help="价款 (元)"),
                            loss: float = typer.Option(0.0, "--loss", help="损失 (元)"),
                            fraud: bool = typer.Option(False, "--fraud", help="经营者欺诈 (消法 Art. 55)"),
                            food: bool = typer.Option(False, "--food", help="the product is food"),
                            unsafe_food: bool = typer.Option(False, "--unsafe-food", help="不符合食品安全标准"),
                            seller_unaware: bool = typer.Option(False, "--seller-unaware",
                                                                help="a seller who did not know (Art. 148 needs knowing)"),
                            label_flaw_only: bool = typer.Option(False, "--label-flaw-only"),
                            complaint: int | None = typer.Option(None, "--complaint", help="record it on this case"),
                            json_out: bool = typer.Option(False, "--json")) -> None:
    """赔偿测算 — 消法第五十五条 and 食安法第一百四十八条, as guidance for the mediator; --complaint records it."""
    from zhijian.consumer import compensation, service
    from zhijian.consumer.schemas import GuidanceIn

    data = validated(GuidanceIn, {"price": price, "loss": loss, "fraud": fraud, "food": food, "unsafe_food": unsafe_food,
                               "producer_or_knowing_seller": not seller_unaware, "label_flaw_only": label_flaw_only,
                               "record": complaint is not None})
    if complaint is None:
        bases = [b.as_dict() for b in compensation.guidance(
            data.price, data.loss, fraud=data.fraud, food=data.food, unsafe_food=data.unsafe_food,
            producer_or_knowing_seller=data.producer_or_knowing_seller, label_flaw_only=data.label_flaw_only)]
    else:
        with unit_of_work() as s:
            bases = service.compensation_guidance(s, s.info["actor"], complaint, data)
    emit(bases, json_out, _bases_text)


def register(root: typer.Typer) -> None:
    root.add_typer(certificates_app, name="certificates")
    root.add_typer(credit_app, name="credit")
    root.add_typer(complaints_app, name="complaints")
    root.add_typer(comparative_app, name="comparative")
