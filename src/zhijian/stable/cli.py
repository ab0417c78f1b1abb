"""`zhijian stable …` — evaluate products, propose candidates, list rule sets, announcements and listings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from zhijian.platform.calendar import parse_date
from zhijian.platform.cli_support import emit, unit_of_work
from zhijian.platform.errors import DomainError
from zhijian.stable import service

app = typer.Typer(help="全国质量检验稳定合格产品 / stably-conforming products", no_args_is_help=True)

MARK = {"met": "✔ 符合", "not_met": "✘ 不符合", "unknown": "? 未知"}


def _date(value: str | None, field: str = "as_of") -> dt.date | None:
    return parse_date(value, field)


def _product_id(s: Any, product: str) -> int:
    """A product id, or a GTIN (8–14 digits) of a catalog product."""
    text = product.strip()
    if not text.isdigit():
        raise DomainError("validation.invalid", f"「--product」应为产品编号或 GTIN：{product}",
                          f"--product must be a product id or a GTIN: {product}", field="product")
    if len(text) >= 8:
        from sqlalchemy import select

        from zhijian.catalog.models import Product
        from zhijian.catalog.rules import normalize_gtin

        try:
            gtin = normalize_gtin(text)
        except DomainError:  # not a valid GTIN: a (long) product id
            gtin = None
        pid = s.scalar(select(Product.id).where(Product.gtin == gtin)) if gtin else None
        if pid is not None:
            return int(pid)
    return int(text)


def _human_evaluation(d: dict[str, Any]) -> str:
    lines = [f"产品 {d['product_id']} · 规则第 {d['ruleset_version']} 版 · 评定日期 {d['as_of']} · 结论：{d['outcome']}"]
    for c in d["criteria"]:
        lines.append(f"  {MARK[c['status']]:<6} {c['label']}: {c['reason_zh']}")
    lines.append(f"  匹配抽查批次 {len(d['matched_inspections'])} 个；评定记录 #{d['evaluation_id']}")
    return "\n".join(lines)


@app.command("evaluate")
def evaluate_cmd(product: str = typer.Option(..., "--product", help="product id or GTIN"),
                 as_of: str | None = typer.Option(None, "--as-of", help="evaluation date YYYY-MM-DD (default today)"),
                 json_out: bool = typer.Option(False, "--json")) -> None:
    """评定一个产品：每条准则符合 / 不符合 / 未知，附证据；记录所用规则版本."""
    with unit_of_work() as s:
        row = service.evaluate_product(s, s.info["actor"], _product_id(s, product), _date(as_of))
        data = dict(row.result, evaluation_id=row.id)
    emit(data, json_out, _human_evaluation)


@app.command("candidates")
def candidates_cmd(category: int | None = typer.Option(None, "--category", help="category id (with sub-categories)"),
                   region: str | None = typer.Option(None, "--region", help="GB/T 2260 code, e.g. 330000"),
                   as_of: str | None = typer.Option(None, "--as-of"),
                   json_out: bool = typer.Option(False, "--json")) -> None:
    """批量评定：列出某类别或地区中符合条件、尚未申报或列入的产品."""
    with unit_of_work() as s:
        rows = service.propose_candidates(s, s.info["actor"], category_id=category, region=region,
                                          as_of=_date(as_of))
        data = [{"evaluation_id": r.id, "product_id": r.product_id, "ruleset_version": r.ruleset_version}
                for r in rows]
    emit(data, json_out, lambda d: f"{len(d)} 个候选产品\n" + "\n".join(
        f"  产品 {r['product_id']} (评定 #{r['evaluation_id']})" for r in d))


@app.command("rulesets")
def rulesets_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """评定规则各版本."""
    with unit_of_work() as s:
        data = [r.data for r in service.list_rulesets(s, s.info["actor"])]
    emit(data, json_out, lambda d: "\n".join(
        f"v{r['version']}  生效 {r['effective_from']}  {r['name']}  ({len(r['criteria'])} 条准则)" for r in d))


@app.command("ruleset-add")
def ruleset_add_cmd(file: Path = typer.Argument(..., help="JSON rule set (see `zhijian stable rulesets --json`)")) -> None:
    """新增规则版本（不可修改已有版本）."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except ValueError:
        raise DomainError("stable.bad_ruleset", f"{file} 不是合法的 JSON", f"{file} is not valid JSON",
                          field="file") from None
    with unit_of_work() as s:
        row = service.create_ruleset(s, s.info["actor"], data)
        typer.echo(f"rule set version {row.version} effective from {row.effective_from}")


@app.command("announcements")
def announcements_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """公告（含草稿）."""
    with unit_of_work() as s:
        data = [{"id": a.id, "label": service.announcement_label(a), "kind": a.kind, "status": a.status,
                 "title": a.title, "items": len(service.announcement_items(s, a))}
                for a in service.list_announcements(s, s.info["actor"], include_drafts=True)]
    emit(data, json_out, lambda d: "\n".join(
        f"#{r['id']:<4} {r['label']:<12} {r['status']:<9} {r['kind']:<10} {r['items']:>3} 个  {r['title']}" for r in d))


@app.command("verify")
def verify_cmd(certificate_no: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """证书核验：有效 / 复核中 / 已过期 / 已撤销."""
    with unit_of_work() as s:
        data = service.verify_certificate(s, certificate_no)
    emit(data.model_dump(), json_out, lambda d: f"{d['certificate_no']}  {d['state_zh']}  {d['reason']}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="stable")
