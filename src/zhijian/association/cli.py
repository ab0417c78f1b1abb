"""`zhijian association …` — the secretariat's commands, one sub-command group per sub-package."""

from __future__ import annotations

import typer

from zhijian.association.campaigns.cli import app as campaign_app
from zhijian.association.exams.cli import app as exam_app
from zhijian.association.experts.cli import app as expert_app
from zhijian.association.members.cli import app as member_app
from zhijian.association.pt.cli import app as pt_app
from zhijian.association.standards.cli import app as standard_app

app = typer.Typer(help="协会业务 / association (PT rounds, exams, group standards, members, campaigns)",
                  no_args_is_help=True)
app.add_typer(pt_app, name="pt")
app.add_typer(exam_app, name="exam")
app.add_typer(standard_app, name="standard")
app.add_typer(member_app, name="member")
app.add_typer(campaign_app, name="campaign")
app.add_typer(expert_app, name="expert")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="association")
