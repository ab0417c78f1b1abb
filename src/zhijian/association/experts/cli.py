"""`zhijian association expert …` — the expert roster and assignments (the secretariat's; run as the system)."""

from __future__ import annotations

import typer

from zhijian.association.common.forms import build
from zhijian.association.experts import service
from zhijian.platform.auth import SYSTEM
from zhijian.platform.cli_support import unit_of_work

app = typer.Typer(help="专家 / committee and expert members", no_args_is_help=True)


@app.command("add")
def add_cmd(username: str, name: str = typer.Option(...), committee: str = typer.Option("standards"),
            affiliation: str = typer.Option("")) -> None:
    """聘任专家: a lab's, enterprise's or regulator's user joins the standards committee or the assessment roster."""
    with unit_of_work() as s:
        e = service.register_expert(s, SYSTEM, build(service.ExpertIn, username=username, name=name,
                                                     committee=committee, affiliation=affiliation))
        typer.echo(f"{e.id}\t{e.name}\t{service.COMMITTEES[e.committee]}\t{e.affiliation}")


@app.command("assign")
def assign_cmd(expert_id: int, kind: str = typer.Option(..., help="standard_review | assessment"),
               target: int = typer.Option(..., help="the group standard's or the assessment's id")) -> None:
    with unit_of_work() as s:
        a = service.assign(s, SYSTEM, build(service.AssignIn, expert_id=expert_id, kind=kind, target_id=target))
        typer.echo(f"{a.id}\t{service.KINDS[a.kind]}\t{a.target_id}")


@app.command("list")
def list_cmd() -> None:
    with unit_of_work() as s:
        for e in service.list_experts(s, SYSTEM):
            typer.echo(f"{e.id}\t{e.name}\t{service.COMMITTEES[e.committee]}\t{e.affiliation}")
