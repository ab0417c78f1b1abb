"""`zhijian association member …` — the register: import, dues of a year, lapses, the directory."""

from __future__ import annotations

from pathlib import Path

import typer

from zhijian.association.common.cli import counted, imported, listed, written
from zhijian.association.members import rules, service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli_support import unit_of_work

app = typer.Typer(help="会员 / members", no_args_is_help=True)


@app.command("import")
def import_cmd(path: Path) -> None:
    """现有会员名册导入 (单位名称, 统一社会信用代码, 会员类别, 入会日期), all or nothing."""
    imported(path, service.IMPORT_COLUMNS, lambda s, rows: service.import_register(s, SYSTEM, rows),
             "已导入 {n} 家会员单位")


@app.command("dues")
def dues_cmd(year: int) -> None:
    """开具一年的会费通知 for every active member."""
    counted("已开具 {n} 份会费通知", lambda s: service.issue_dues(s, SYSTEM, year))


@app.command("lapse")
def lapse_cmd() -> None:
    """视为自动退会: two consecutive years unpaid."""
    counted("失效 {n} 家", lambda s: service.lapse_memberships(s, SYSTEM))


@app.command("list")
def list_cmd(status: str | None = None) -> None:
    listed(lambda s: service.list_members(s, SYSTEM, status=status),
           lambda m: f"{m.member_no or '—'}\t{rules.CLASSES[m.member_class]}\t{rules.STATUSES[m.status]}\t{m.name}")


@app.command("bill")
def bill_cmd(dues_id: int, out: Path) -> None:
    """会费缴费通知书 / 收款收据 (PDF) of one dues record."""
    with unit_of_work() as s:
        data = service.dues_bill(s, SYSTEM, dues_id)
    written(out, data)
