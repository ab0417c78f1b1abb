"""`zhijian equipment …` — register, import, record inspections, explain due dates, list overdue units."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import typer

from zhijian.equipment import rules, schemas, service
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.calendar import parse_date
from zhijian.platform.cli_support import unit_of_work
from zhijian.platform.errors import DomainError
from zhijian.platform.tabular import read_rows

app = typer.Typer(help="特种设备 / special equipment", no_args_is_help=True)


_date = parse_date  # platform.calendar: the one date parser


def _import(path: Path, load: Callable[..., int], actor: Actor, columns: Sequence[str], counted: str) -> None:
    """An import command: the file's rows (`columns` required) to the service's all-or-nothing `load` as `actor`,
    then 「已导入 n <counted>」."""
    with unit_of_work() as s:
        n = load(s, actor, read_rows(path, path.name, required=columns))
    typer.echo(f"已导入 {n} {counted}")


@app.command("intervals")
def intervals_cmd() -> None:
    """The periodic-inspection interval table with its sources."""
    t = rules.CURRENT_TABLE
    typer.echo(f"检验周期表 {t.version}（自 {t.effective_from}）")
    for r in t.rows.values():
        months = "—" if r.months is None else f"{r.months} 个月"
        typer.echo(f"{r.key}\t{months}\t{r.source}\t{r.note}")


@app.command("register")
def register_cmd(code: str, variety: str = typer.Option(...), owner: int = typer.Option(..., help="使用单位 id"),
                 region: str = typer.Option(...), address: str = "", registration_no: str = "",
                 last_inspection: str | None = None, commissioned: str | None = None,
                 params: str = typer.Option("{}", help="技术参数 JSON")) -> None:
    """使用登记 — register one unit."""
    try:
        p = json.loads(params)
    except json.JSONDecodeError:
        raise DomainError("validation.invalid", "「--params」应为 JSON", "--params must be JSON", field="params") from None
    with unit_of_work() as s:
        unit = service.register_unit(s, SYSTEM, schemas.UnitIn(
            code=code, variety=variety, owner_id=owner, region_code=region, address=address,
            registration_no=registration_no, last_inspection_on=_date(last_inspection, "last_inspection"),
            commissioned_on=_date(commissioned, "commissioned"), params=p))
        typer.echo(f"{unit.code}\t{rules.STATUSES[unit.status]}\t下次检验 {unit.next_due_on or '—'}")


@app.command("import")
def import_cmd(path: Path) -> None:
    """批量导入使用登记 (CSV / Excel), all or nothing."""
    _import(path, service.import_registry, SYSTEM, service.IMPORT_COLUMNS, "台设备")


@app.command("import-reports")
def import_reports_cmd(path: Path, institute: int = typer.Option(..., help="检验机构 id")) -> None:
    """批量导入检验报告 (CSV / Excel) of one institute, all or nothing."""
    _import(path, service.import_inspections, Actor(None, "cli", "inspector", institute), service.INSPECTION_COLUMNS,
            "份检验报告")


@app.command("inspect")
def inspect_cmd(code: str, report_no: str = typer.Option(...), date: str = typer.Option(...),
                conclusion: str = typer.Option(..., help="合格 / 复检合格 / 不合格 / 整改后合格"),
                institute: int = typer.Option(..., help="检验机构 id"), kind: str = "periodic",
                grade: int | None = None, defects: str = "") -> None:
    """Record an inspection report."""
    with unit_of_work() as s:
        row = service.record_inspection(s, SYSTEM, code, schemas.InspectionIn(
            report_no=report_no, inspected_on=_date(date, "date"), conclusion=conclusion, kind=kind,
            safety_grade=grade, defects=defects, institute_id=institute))
        unit = service.get_unit(s, SYSTEM, code)
        typer.echo(f"{row.report_no}\t{rules.CONCLUSIONS[row.conclusion]}\t{rules.STATUSES[unit.status]}\t"
                   f"下次检验 {unit.next_due_on or '—'}")


@app.command("status")
def status_cmd(code: str, status: str, reason: str = "", document: str = "") -> None:
    """停用 (stopped) / 启用 (in_use) / 报废 (scrapped) / 注销 (cancelled)."""
    with unit_of_work() as s:
        unit = service.change_status(s, SYSTEM, code, schemas.StatusIn(status=status, reason=reason, document=document))
        typer.echo(f"{unit.code}\t{rules.STATUSES[unit.status]}")


@app.command("due")
def due_cmd(code: str, on: str | None = None) -> None:
    """Explain a unit's next inspection date: which rule, which source."""
    with unit_of_work() as s:
        e = service.explain_due(s, SYSTEM, code, _date(on, "on"))
        typer.echo(f"{e.code}\t{e.due.due_on or '—'}\t{rules.DUE_STATE_ZH[e.state]}\n{e.due.explanation}")


@app.command("overdue")
def overdue_cmd(region: str | None = None, owner: int | None = None, soon: bool = typer.Option(False, "--soon"),
                on: str | None = None, limit: int = 100) -> None:
    """超期 (or with --soon, 30 日内到期) units of a division or an owner."""
    with unit_of_work() as s:
        page = service.due_list(s, SYSTEM, state="due_soon" if soon else "overdue", region=region, owner_id=owner,
                                on=_date(on, "on"), limit=limit)
        for u in page.items:
            typer.echo(f"{u.code}\t{rules.VARIETIES.get(u.variety, u.variety)}\t{u.region_code}\t{u.next_due_on}\t{u.address}")
        typer.echo(f"共 {len(page.items)} 台" + ("（还有更多）" if page.next_cursor else ""))


@app.command("stats")
def stats_cmd(on: str | None = None) -> None:
    """统计: units, in use, stopped, overdue, due within 30 days by category and division."""
    with unit_of_work() as s:
        typer.echo("类别\t行政区划\t台数\t在用\t停用\t超期\t30日内到期")
        for r in service.statistics(s, SYSTEM, on=_date(on, "on")):
            typer.echo(f"{rules.CATEGORIES.get(r.category, r.category)}\t{r.region_code}\t{r.units}\t{r.in_use}\t"
                       f"{r.stopped}\t{r.overdue}\t{r.due_soon}")


def _time(value: str | None, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise DomainError("validation.invalid", f"「{field}」应为时间 YYYY-MM-DDTHH:MM", f"'{field}' must be a time "
                          "(YYYY-MM-DDTHH:MM)", field=field) from None


@app.command("maintain")
def maintain_cmd(code: str, date: str = typer.Option(...), worker: str = typer.Option(..., help="维保人员姓名"),
                 cert: str = typer.Option(..., help="特种设备作业人员证编号"),
                 kind: str = typer.Option("half_month", help="half_month / quarter / half_year / year / repair"),
                 item: list[str] = typer.Option([], help="维保项目（可重复）"), remarks: str = "") -> None:
    """维保记录 — record a maintenance visit (the elevator's next one is due 15 days later)."""
    with unit_of_work() as s:
        row = service.record_maintenance(s, SYSTEM, code, schemas.MaintenanceIn(
            maintained_on=_date(date, "date"), kind=kind, items=item, worker_name=worker,
            worker_cert_no=cert, remarks=remarks))
        unit = service.get_unit(s, SYSTEM, code)
        typer.echo(f"{row.id}\t{rules.MAINTENANCE_KINDS[row.kind]}\t{row.maintained_on}\t"
                   f"下次维保 {unit.next_maintenance_due_on or '—'}")


@app.command("import-maintenance")
def import_maintenance_cmd(path: Path, maintainer: int = typer.Option(..., help="维保单位 id")) -> None:
    """批量导入维保记录 (CSV / Excel) of one maintenance company, all or nothing."""
    _import(path, service.import_maintenance, Actor(None, "cli", "enterprise", maintainer),
            service.MAINTENANCE_COLUMNS, "条维保记录")


@app.command("worker")
def worker_cmd(cert_no: str, name: str = typer.Option(...), item: str = typer.Option(..., help="作业项目代号，如 T"),
               issued: str = typer.Option(..., help="发证日期"), employer: int | None = typer.Option(None),
               valid_until: str | None = None) -> None:
    """登记特种设备作业人员证 (validity 4 years unless given)."""
    with unit_of_work() as s:
        row = service.register_worker_cert(s, SYSTEM, schemas.WorkerCertIn(
            cert_no=cert_no, name=name, item=item, employer_id=employer, issued_on=_date(issued, "issued"),
            valid_until=_date(valid_until, "valid_until")))
        typer.echo(f"{row.cert_no}\t{row.name}\t{rules.WORK_ITEMS[row.item]}\t有效期至 {row.valid_until}")


@app.command("workers")
def workers_cmd(employer: int | None = None, expiring: int | None = typer.Option(None, help="N 日内到期")) -> None:
    """The certificates registry (with --expiring N: due for 复审 within N days)."""
    with unit_of_work() as s:
        for r in service.worker_certs(s, SYSTEM, employer_id=employer, expiring_within=expiring):
            typer.echo(f"{r.cert_no}\t{r.name}\t{r.item}\t{r.employer_id or ''}\t{r.valid_until}")


@app.command("maintenance-overdue")
def maintenance_overdue_cmd(region: str | None = None, maintainer: int | None = None, on: str | None = None,
                            limit: int = 100) -> None:
    """维保超期 units (elevators without a visit within 15 days)."""
    with unit_of_work() as s:
        page = service.maintenance_overdue(s, SYSTEM, on=_date(on, "on"), region=region, maintainer_id=maintainer,
                                           limit=limit)
        for u in page.items:
            typer.echo(f"{u.code}\t{u.region_code}\t上次维保 {u.last_maintenance_on or '—'}\t"
                       f"应于 {u.next_maintenance_due_on}\t{u.address}")
        typer.echo(f"共 {len(page.items)} 台" + ("（还有更多）" if page.next_cursor else ""))


@app.command("incident")
def incident_cmd(code: str, kind: str = typer.Option(..., help="entrapment / fault / accident"),
                 occurred: str = typer.Option(..., help="发生时间 YYYY-MM-DDTHH:MM（北京时间）"),
                 called: str | None = None, arrived: str | None = None, released: str | None = None,
                 trapped: int = 0, deaths: int = 0, injuries: int = 0, loss: int = 0, cause: str = "") -> None:
    """困人 / 故障 / 事故 — record it; prints the level, the report deadline and the rescue timing."""
    with unit_of_work() as s:
        row = service.record_incident(s, SYSTEM, code, schemas.IncidentIn(
            kind=kind, occurred_at=_time(occurred, "occurred"), called_at=_time(called, "called"),
            arrived_at=_time(arrived, "arrived"), released_at=_time(released, "released"), trapped_people=trapped,
            deaths=deaths, serious_injuries=injuries, direct_loss_yuan=loss, cause=cause))
        v = service.incident_view(row, code.strip().upper())
        typer.echo(_incident_line(v))


def _incident_line(v: service.IncidentView) -> str:
    r = v.row
    parts = [str(r.id), v.unit_code, v.kind_zh, v.level_zh or "—", f"{r.occurred_at.astimezone(service.CHINA):%Y-%m-%d %H:%M}"]
    if v.report_due_at is not None:
        parts.append(f"报告时限 {v.report_due_at.astimezone(service.CHINA):%H:%M}" + ("（已迟报）" if v.reported_late else ""))
    if v.arrival_minutes is not None:
        parts.append(f"到达 {v.arrival_minutes} 分钟（时限 {v.arrival_limit_minutes}）" + ("超时" if v.arrival_late else ""))
    return "\t".join(parts)


@app.command("incidents")
def incidents_cmd(code: str | None = None, accidents: bool = typer.Option(False, "--accidents"),
                  since: str | None = None, limit: int = 100) -> None:
    """List incidents (a unit's, or all), newest first."""
    with unit_of_work() as s:
        for v in service.incidents(s, SYSTEM, code=code, since=_date(since, "since"), accidents_only=accidents,
                                   limit=limit):
            typer.echo(_incident_line(v))


@app.command("labels")
def labels_cmd(out: Path, code: list[str] = typer.Option([], help="设备代码（可重复）"),
               owner: int | None = typer.Option(None, help="使用单位 id")) -> None:
    """使用标志 label sheet (PDF) with the GIAI Digital Link QR of each unit."""
    from zhijian.platform.files import AtomicFile

    with unit_of_work() as s:
        pdf = service.label_sheet(s, SYSTEM, codes=code or None, owner_id=owner)
    f = AtomicFile(out, "wb")
    f.file.write(pdf)
    f.commit()
    typer.echo(f"{out}\t{len(pdf)} bytes")


@app.command("giai")
def giai_cmd(code: str) -> None:
    """The unit's GIAI (AI 8004) and its Digital Link URI."""
    value = rules.giai_for(rules.parse_device_code(code).code, service.gs1_prefix())
    typer.echo(f"(8004){value}\t{rules.giai_link(service.resolver_host(), value)}")


@app.command("recompute-due")
def recompute_due_cmd() -> None:
    """Recompute every unit's next inspection date with the interval table in force (after a new version)."""
    with unit_of_work() as s:
        r = service.recompute_due_dates(s, SYSTEM)
    typer.echo(f"{r['units']} 台设备，{r['changed']} 台的下次检验日期已更新（检验周期表 {rules.CURRENT_TABLE.version}）")


@app.command("remind")
def remind_cmd(on: str | None = None) -> None:
    """Send today's reminders now (the job equipment.reminders runs this daily)."""
    with unit_of_work() as s:
        r = service.send_reminders(s, _date(on, "on"))
    typer.echo(" ".join(f"{k}={v}" for k, v in r.items()))


@app.command("risk-signals")
def risk_cmd(since: str | None = None, on: str | None = None) -> None:
    """Signals for the risk room: overdue by owner and division, repeated 不合格, accidents, entrapments."""
    with unit_of_work() as s:
        for r in service.risk_signals(s, _date(since, "since"), on=_date(on, "on")):
            typer.echo(f"{r.kind}\t{r.owner_id}\t{r.region_code}\t{r.unit_code or ''}\t{r.count}\t{r.detail}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="equipment")


@app.command("licence")
def licence_cmd(organization: int = typer.Option(..., help="维保单位 id"), licence_no: str = typer.Option(...),
                issued: str = typer.Option(...), valid_until: str = typer.Option(...), scope: str = "",
                issuer: str = "", phone: str = "") -> None:
    """维保单位许可 登记 / 换证 — an expired licence takes no contract and records no visit (安全法 第四十五条)."""
    with unit_of_work() as s:
        row = service.register_licence(s, SYSTEM, schemas.LicenceIn(
            organization_id=organization, licence_no=licence_no, issued_on=_date(issued, "issued"),
            valid_until=_date(valid_until, "valid_until"), scope=scope, issuer=issuer, phone=phone))
        typer.echo(f"{row.licence_no}\t单位 {row.organization_id}\t有效期至 {row.valid_until}")


@app.command("contract")
def contract_cmd(code: str, maintainer: int = typer.Option(..., help="维保单位 id"), starts: str = typer.Option(...),
                 ends: str = typer.Option(...), contract_no: str = "") -> None:
    """维保合同 for one unit; its maintainer follows the contract in force."""
    with unit_of_work() as s:
        row = service.create_contract(s, SYSTEM, code, schemas.ContractIn(
            maintainer_id=maintainer, starts_on=_date(starts, "starts"), ends_on=_date(ends, "ends"),
            contract_no=contract_no))
        typer.echo(f"合同 {row.id}\t{code.upper()}\t维保单位 {row.maintainer_id}\t{row.starts_on} — {row.ends_on}")


@app.command("contract-gaps")
def contract_gaps_cmd(on: str | None = None) -> None:
    """合同到期未续签 — units in use whose last contract ended without successor."""
    with unit_of_work() as s:
        gaps = service.contract_gaps(s, SYSTEM, on=_date(on, "on"))
        for g in gaps:
            typer.echo(f"{g.code}\t使用单位 {g.owner_id}\t{g.region_code}\t原维保单位 {g.last_maintainer_id}\t止于 {g.ended_on}")
        typer.echo(f"共 {len(gaps)} 台")


@app.command("request")
def request_cmd(code: str, owner: int = typer.Option(..., help="使用单位 id (acting as)"),
                institute: int = typer.Option(..., help="检验机构 id"), note: str = "") -> None:
    """检验申请 by the owner (安全法 第四十条: 届满前一个月)."""
    with unit_of_work() as s:
        row = service.request_inspection(s, Actor(None, "cli", "enterprise", owner), code,
                                         schemas.InspectionRequestIn(institute_id=institute, note=note))
        typer.echo(f"申请 {row.id}\t{code.upper()}\t{service.REQUEST_STATUSES[row.status]}\t到期 {row.due_on or '—'}")


@app.command("schedule")
def schedule_cmd(request_id: int, institute: int = typer.Option(..., help="检验机构 id (acting as)"),
                 on: str = typer.Option(..., help="检验日期 YYYY-MM-DD"), note: str = "") -> None:
    """The institute accepts a request and fixes the day."""
    with unit_of_work() as s:
        row = service.schedule_request(s, Actor(None, "cli", "inspector", institute), request_id,
                                       schemas.ScheduleIn(scheduled_on=_date(on, "on"), note=note))
        typer.echo(f"申请 {row.id}\t{service.REQUEST_STATUSES[row.status]}\t{row.scheduled_on}")


@app.command("requests")
def requests_cmd(status: str | None = None) -> None:
    """检验申请 list (all, or of one status)."""
    with unit_of_work() as s:
        for row, code in service.inspection_requests(s, SYSTEM, status=status):
            typer.echo(f"{row.id}\t{code}\t检验机构 {row.institute_id}\t{service.REQUEST_STATUSES[row.status]}\t"
                       f"{row.scheduled_on or '—'}")


@app.command("decline")
def decline_cmd(request_id: int, institute: int = typer.Option(..., help="检验机构 id (acting as)"),
                reason: str = typer.Option(..., help="退回理由")) -> None:
    """The institute returns a request with its reason; the owner may ask again."""
    with unit_of_work() as s:
        row = service.decline_request(s, Actor(None, "cli", "inspector", institute), request_id, reason)
        typer.echo(f"申请 {row.id}\t{service.REQUEST_STATUSES[row.status]}\t{row.note}")


@app.command("licences")
def licences_cmd(expiring: int | None = typer.Option(None, help="N 日内到期")) -> None:
    """维保单位许可 registry, soonest expiry first."""
    with unit_of_work() as s:
        rows = service.licences(s, SYSTEM, expiring_within=expiring)
        for r in rows:
            typer.echo(f"{r.id}\t{r.licence_no}\t单位 {r.organization_id}\t{r.scope}\t有效期至 {r.valid_until}")
        typer.echo(f"共 {len(rows)} 个")


def _contract_line(r: object, code: str) -> str:
    from zhijian.equipment.models import EquipmentContract

    assert isinstance(r, EquipmentContract)
    end = f"解除于 {r.terminated_on}（{r.termination_reason}）" if r.terminated_on else "在册"
    return f"合同 {r.id}\t{code}\t维保单位 {r.maintainer_id}\t{r.contract_no or '—'}\t{r.starts_on} — {r.ends_on}\t{end}"


@app.command("contracts")
def contracts_cmd(code: str | None = None, maintainer: int | None = None, limit: int = 100) -> None:
    """维保合同 list (newest first), of one unit or one company."""
    with unit_of_work() as s:
        page = service.contract_page(s, SYSTEM, code=code, maintainer_id=maintainer, limit=limit)
        for v in page.items:
            typer.echo(_contract_line(v.row, v.unit_code))
        typer.echo(f"共 {len(page.items)} 份" + ("（还有更多）" if page.next_cursor else ""))


@app.command("contract-edit")
def contract_edit_cmd(contract_id: int, starts: str = typer.Option(...), ends: str = typer.Option(...),
                      contract_no: str = "") -> None:
    """Correct or extend a contract (number, period)."""
    with unit_of_work() as s:
        row = service.update_contract(s, SYSTEM, contract_id, schemas.ContractEditIn(
            starts_on=_date(starts, "starts"), ends_on=_date(ends, "ends"), contract_no=contract_no))
        typer.echo(_contract_line(row, service.unit_code_of(s, row.unit_id)))


@app.command("terminate")
def terminate_cmd(contract_id: int, on: str = typer.Option(..., help="解除日期 YYYY-MM-DD"),
                  reason: str = typer.Option(..., help="解除理由")) -> None:
    """合同解除: from that day the unit has no maintenance company (listed by contract-gaps)."""
    with unit_of_work() as s:
        row = service.terminate_contract(s, SYSTEM, contract_id, schemas.TerminateIn(terminated_on=_date(on, "on"),
                                                                                      reason=reason))
        typer.echo(_contract_line(row, service.unit_code_of(s, row.unit_id)))
