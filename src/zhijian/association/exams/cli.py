"""`zhijian association exam …` — the secretariat's exam commands (bank import, exams, papers, marking)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from zhijian.association.common.cli import counted, imported, written
from zhijian.association.common.forms import build
from zhijian.association.exams import rules, service
from zhijian.association.exams.schemas import CandidateIn, ExamIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.cli_support import unit_of_work
from zhijian.platform.errors import DomainError
from zhijian.platform.tabular import read_rows

app = typer.Typer(help="培训与考试 / training and examinations", no_args_is_help=True)


@app.command("import-questions")
def import_questions_cmd(path: Path) -> None:
    """题库导入 (CSV / Excel: 题库, 题号, 题型, 知识点, 难度, 题干, 选项A–F, 答案, 分值), all or nothing."""
    imported(path, rules.IMPORT_COLUMNS, lambda s, rows: service.import_questions(s, SYSTEM, rows), "已导入 {n} 道试题")


@app.command("create")
def create_cmd(code: str, title: str = typer.Option(...), bank: str = typer.Option(...),
               blueprint: str = typer.Option(..., help='JSON: [{"topic": "计量", "difficulty": 1, "count": 5}, …]'),
               minutes: int = 90, pass_percent: float = 60.0, seed: int | None = None) -> None:
    """新建考试 with its blueprint (checked against the bank)."""
    try:
        cells = json.loads(blueprint)
    except json.JSONDecodeError:
        raise DomainError("validation.invalid", "「--blueprint」应为 JSON", "--blueprint must be JSON",
                          field="blueprint") from None
    with unit_of_work() as s:
        e = service.create_exam(s, SYSTEM, build(ExamIn, code=code, title=title, bank=bank, blueprint=cells,
                                                  time_limit_minutes=minutes, pass_percent=pass_percent, seed=seed))
        typer.echo(f"{e.code}\t{e.title}\tseed={e.seed}")


@app.command("register")
def register_cmd(code: str, path: Path) -> None:
    """考生名单导入 (CSV / Excel: 姓名, 证件号码)."""
    people = [build(CandidateIn, name=str(r.get("姓名") or "").strip() or f"考生{n}",
                    id_number=str(r.get("证件号码") or ""))
              for n, r in read_rows(path, path.name, required=("姓名",))]
    counted("已报名 {n} 名考生", lambda s: service.register_many(s, SYSTEM, code, people))


def _counting(name: str, doc: str, message: str, work: Callable[[Session, Actor, str], int]) -> None:
    """`exam <name> CODE`: one service step over the whole exam, its count printed in `message`."""

    def command(code: str) -> None:
        counted(message, lambda s: work(s, SYSTEM, code))

    command.__name__, command.__doc__ = f"{name}_cmd", doc
    app.command(name)(command)


for _step in (("papers", "为全部考生组卷 (seeded, reproducible).", "已组卷 {n} 份", service.generate_papers),
              ("mark", "客观题阅卷 of every submitted paper.", "已阅卷 {n} 份", service.mark_exam),
              ("close", "考试结束: unsubmitted papers are submitted as they are.", "考试结束，自动交卷 {n} 份",
               service.close_exam),
              ("certificates", "颁发证书 to every passed candidate.", "已颁发证书 {n} 张", service.issue_certificates)):
    _counting(*_step)


@app.command("items")
def items_cmd(code: str) -> None:
    """试题分析: difficulty p, discrimination D (27 %), point-biserial."""
    with unit_of_work() as s:
        for x in service.item_statistics(s, SYSTEM, code):
            d = "—" if x["d"] is None else f"{x['d']:.2f}"
            r = "—" if x["r_pb"] is None else f"{x['r_pb']:.2f}"
            typer.echo(f"{x['code']}\t{rules.KINDS[x['kind']]}\t{x['topic']}\tn={x['n']}\tp={x['p']:.2f}\tD={d}\tr_pb={r}")


@app.command("certificate")
def certificate_cmd(number: str, out: Path, base_url: str = "https://zhijian.example") -> None:
    """证书 PDF with its verification QR."""
    with unit_of_work() as s:
        data = service.certificate_pdf(s, number, f"{base_url.rstrip('/')}/association/certificates/{number}")
    written(out, data)
