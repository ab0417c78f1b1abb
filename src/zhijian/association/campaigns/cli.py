"""`zhijian association campaign …` — campaigns and their statistics."""

from __future__ import annotations

import typer

from zhijian.association.campaigns import rules, service
from zhijian.association.campaigns.schemas import CampaignIn
from zhijian.association.common.forms import build
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli_support import unit_of_work

app = typer.Typer(help="质量月 / 3·15 活动 / campaigns", no_args_is_help=True)


@app.command("create")
def create_cmd(kind: str = typer.Option(..., help="quality_month | consumer_day"), year: int = typer.Option(...),
               theme: str = typer.Option(...)) -> None:
    with unit_of_work() as s:
        c = service.create_campaign(s, SYSTEM, build(CampaignIn, kind=kind, year=year, theme=theme))
        typer.echo(f"{c.code}\t{rules.KINDS[c.kind]}\t{c.starts_on} — {c.ends_on}")


@app.command("stats")
def stats_cmd(code: str) -> None:
    """活动统计: events, registrations, provinces, notices, results published in the period."""
    with unit_of_work() as s:
        st = service.campaign_page(s, SYSTEM, code)["stats"]
    typer.echo(f"场次 {st['events']}\t报名 {st['registrations']}\t省份 {st['provinces']}\t公告 {st['notices']}\t"
               f"抽查结果 {st['spotcheck_results']}\t上座率 {st['fill_rate']:.0%}")
    for p, n in st["by_province"].items():
        typer.echo(f"  {rules.PROVINCES.get(p, p)}\t{n}")


@app.command("complaints")
def complaints_cmd(start: str = typer.Option("", help="YYYY-MM-DD (default: a year before the end)"),
                   end: str = typer.Option("", help="YYYY-MM-DD (default: today)")) -> None:
    """投诉举报统计 by category and province, anonymised (counts under 3 printed as <3)."""
    from zhijian.association.campaigns import complaint_stats as cs
    from zhijian.platform.calendar import parse_date

    with unit_of_work() as s:
        st = cs.complaint_statistics(s, SYSTEM, start=parse_date(start, "start"), end=parse_date(end, "end"))
    typer.echo(f"{st.start} — {st.end}\t投诉 {st.total_complaints}\t举报 {st.total_reports}")
    for title, rows in (("类别", st.by_category), ("省份", st.by_province)):
        for r in rows:
            shown = ["<3" if v is None else str(v) for v in (r.complaints, r.reports, r.justified, r.hazard)]
            typer.echo(f"{title}\t{r.label}\t" + "\t".join(shown))
