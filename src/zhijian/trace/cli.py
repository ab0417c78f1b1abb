"""`zhijian codes …` (issue, void, freeze, recall, keys, verify, partition), `zhijian trace unit|lot` and `zhijian epcis capture|query|convert`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from zhijian.platform.auth import SYSTEM
from zhijian.platform.calendar import parse_date
from zhijian.platform.cli_support import emit, unit_of_work
from zhijian.platform.config import get_settings
from zhijian.platform.errors import DomainError
from zhijian.platform.files import write_bytes

codes_app = typer.Typer(help="一物一码：赋码、作废、冻结、召回 / item-level codes", no_args_is_help=True)
trace_app = typer.Typer(help="追溯与召回范围 / trace a unit or a lot", no_args_is_help=True)
epcis_app = typer.Typer(help="EPCIS 2.0 事件库 / EPCIS repository", no_args_is_help=True)


def _product_id(s: Any, product: str) -> int:
    """A product id, or a GTIN of a catalog product."""
    from zhijian.catalog import service as catalog
    from zhijian.platform.auth import SYSTEM
    from zhijian.trace import rules

    if product.isdigit() and len(product) < 8:
        return int(product)
    gtin = rules.normalize_gtin(product, "product")
    page = catalog.list_products(s, SYSTEM, q=None, limit=500, cursor=None)
    for p in page.items:
        if p.gtin and p.gtin.zfill(14) == gtin:
            return p.id
    from sqlalchemy import select

    from zhijian.catalog.models import Product

    pid = s.scalar(select(Product.id).where(Product.gtin.in_((gtin, gtin.lstrip("0") or gtin, gtin[1:]))))
    if pid is None:
        raise DomainError("trace.unknown_product", f"找不到产品：{product}", f"no such product: {product}",
                          field="product")
    return int(pid)


@codes_app.command("issue")
def issue(product: str = typer.Option(..., help="产品 id 或其 GTIN"), lot: str = typer.Option(..., help="批号 (AI 10)"),
          quantity: int = typer.Option(..., help="码数量"), out: Path = typer.Option(..., help="输出 .csv / .zip / .pdf"),
          expiry: str | None = typer.Option(None, help="有效期 YYYY-MM-DD (AI 17)"),
          production_date: str | None = typer.Option(None, help="生产日期 YYYY-MM-DD"),
          sales_region: list[str] = typer.Option([], help="销售区域（GB/T 2260 代码，可多次）"),
          pin: bool = typer.Option(False, help="每码附 6 位刮开码"),
          compressed: bool = typer.Option(False, "--compressed",
                                          help="标签二维码印压缩数字链接（GS1 DL 1.1 §8）/ QR codes carry the compressed link"),
          freeze_threshold: int = typer.Option(10, help="查询超过该次数后冻结（0 = 不冻结）"),
          host: str | None = typer.Option(None, help="解析器域名（默认 ZHIJIAN_RESOLVER_HOST）"),
          progress: bool = typer.Option(True, help="显示进度条")) -> None:
    """赋码 — issue codes for a product lot, streamed to CSV / ZIP / PDF label sheets and the database."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from zhijian.trace import labels, service

    if quantity < 1:
        raise DomainError("trace.bad_quantity", "数量必须大于 0", "quantity must be positive", field="quantity")
    if out.suffix.lower() not in (".csv", ".zip", ".pdf"):
        raise DomainError("trace.bad_output", f"输出文件应为 .csv、.zip 或 .pdf：{out}",
                          f"output must end in .csv, .zip or .pdf: {out}", field="out")
    bad = "validation.invalid"
    req = service.IssueRequest(product_id=0, lot=lot, quantity=quantity, expiry=parse_date(expiry, "expiry", code=bad),
                               production_date=parse_date(production_date, "production_date", code=bad),
                               sales_regions=list(sales_region), with_pin=pin, freeze_threshold=freeze_threshold,
                               compressed_qr=compressed)
    host = host or get_settings().resolver_host
    sink = None
    try:  # the files are written under temporary names and put in place only after the codes are committed
        with unit_of_work() as s:
            req.product_id = _product_id(s, product)
            prod, _gtin = service._check_issue(s, SYSTEM, req)
            sink = labels.sink_for(out, product_name=prod.name, lot=lot, with_pin=pin, compressed=compressed)
            with Progress(TextColumn("[bold]赋码 issuing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          disable=not progress, transient=False) as bar:
                task = bar.add_task("codes", total=quantity)
                batch = service.issue_codes(s, SYSTEM, req, host=host, sink=sink,
                                            progress=lambda n: bar.advance(task, n))
            batch_id, batch_gtin = batch.id, batch.gtin
        files = sink.close() + list(getattr(sink, "pin_files", []))  # PdfSink: the printer's PIN file
    except BaseException:
        if sink is not None:
            sink.discard()
        raise
    typer.echo(f"batch {batch_id}: {quantity} codes for {batch_gtin} lot {lot} → {', '.join(map(str, files))}")


def _change(action: str, gtin: str, serial: str | None, lot: str | None, reason: str) -> None:
    from zhijian.trace import service

    with unit_of_work() as s:
        n = service.change_codes(s, SYSTEM, gtin=gtin, action=action, serial=serial, lot=lot,
                                 reason=reason)
    typer.echo(f"{action}: {n} codes")


@codes_app.command("void")
def void(gtin: str = typer.Option(...), serial: str | None = typer.Option(None), lot: str | None = typer.Option(None),
         reason: str = typer.Option("")) -> None:
    """作废 one code or a lot."""
    _change("void", gtin, serial, lot, reason)


@codes_app.command("freeze")
def freeze(gtin: str = typer.Option(...), serial: str | None = typer.Option(None), lot: str | None = typer.Option(None),
           reason: str = typer.Option("")) -> None:
    """冻结 one code or a lot."""
    _change("freeze", gtin, serial, lot, reason)


@codes_app.command("unfreeze")
def unfreeze(gtin: str = typer.Option(...), serial: str | None = typer.Option(None),
             lot: str | None = typer.Option(None), reason: str = typer.Option("")) -> None:
    """解冻."""
    _change("unfreeze", gtin, serial, lot, reason)


@codes_app.command("recall")
def recall(gtin: str = typer.Option(...), lot: str = typer.Option(...), ref: str = typer.Option(..., help="召回编号"),
           reason: str = typer.Option(...), risk_level: str = typer.Option("")) -> None:
    """召回 — mark a lot's codes recalled (verification answers 该批次已召回)."""
    from zhijian.trace import service

    with unit_of_work() as s:
        n = service.mark_lot_recalled(s, SYSTEM, gtin=gtin, lot=lot, recall_ref=ref, reason=reason,
                                      risk_level=risk_level)
    typer.echo(f"recalled: {n} codes")


@codes_app.command("rotate-key")
def rotate_key(enterprise: int = typer.Option(..., help="企业 id")) -> None:
    """密钥轮换."""
    from zhijian.trace import service

    with unit_of_work() as s:
        key = service.rotate_key(s, SYSTEM, enterprise)
    typer.echo(f"enterprise {enterprise}: key version {key.version} active")


@codes_app.command("verify")
def verify(uri: str, region: str | None = typer.Option(None), json_out: bool = typer.Option(False, "--json")) -> None:
    """验证 a Digital Link as a consumer would (records a scan)."""
    from zhijian.trace import rules, service

    link = rules.parse_digital_link(uri)
    if not link.serial:
        raise DomainError("trace.invalid_uri", "链接缺少序列号 (AI 21)", "the link has no serial (AI 21)", field="uri")
    with unit_of_work() as s:
        r = service.verify_scan(s, service.ScanInput(gtin=link.gtin, serial=link.serial, lot=link.lot,
                                                     client="cli", region=region))
    emit(r, json_out, lambda d: f"{d['answer']}: {d['message_zh']}")


@codes_app.command("partition")
def partition(partitions: int = typer.Option(..., "--partitions", help="子表数 / number of hash partitions (2–1024)"),
              lock_timeout: float = typer.Option(30.0, help="等待表锁的秒数 / seconds to wait for the table locks")
              ) -> None:
    """按序列号哈希分区 trace_code 与 trace_scan（仅 PostgreSQL，一个事务，可重复运行）/ hash-partition the code and
    scan tables by serial (PostgreSQL only, one transaction, idempotent; see docs/SCALING.md)."""
    from zhijian.trace import partitioning

    with unit_of_work() as s:
        done = partitioning.partition_by_serial(s, partitions, lock_timeout_ms=int(lock_timeout * 1000))
    for table in done:
        typer.echo(table.line())


@trace_app.command("unit")
def trace_unit(uri: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """单品追溯 — chain of custody of one unit (Digital Link or EPC URN)."""
    from zhijian.trace import service

    with unit_of_work() as s:
        t = service.trace_unit(s, SYSTEM, uri)

    def human(d: dict[str, Any]) -> str:
        lines = [f"unit {d['unit']}"]
        if d["code"]:
            lines.append(f"  lot {d['code']['lot']} status {d['code']['status']} scans {d['code']['scan_count']}")
        for e in d["events"]:
            lines.append(f"  {e['event_time'][:19]}  {e['biz_step'] or e['event_type']:<16} {e['action'] or '':<8} "
                         f"{e['disposition'] or '':<14} {e['biz_location'] or e['read_point'] or ''}"
                         + ("" if e["via"] == "self" else f"  (via {e['via']})"))
        if not d["events"]:
            lines.append("  no EPCIS events")
        return "\n".join(lines)

    emit(t, json_out, human)


@trace_app.command("lot")
def trace_lot(gtin: str, lot: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """召回范围 — where a lot's units are: shipped, received, sold, still packed, by location and party."""
    from zhijian.trace import service

    with unit_of_work() as s:
        d = service.trace_lot(s, SYSTEM, gtin, lot)

    def human(d: dict[str, Any]) -> str:
        out = [f"lot {d['gtin']}/{d['lot']}: {d['total_units']} units, shipped {d['shipped']}, received "
               f"{d['received']}, sold {d['sold']}, in aggregations {d['in_aggregations']}, recovered {d['recovered']}"]
        out += [f"  at {x['location']}: {x['units']}" for x in d["by_location"]]
        out += [f"  recall {r['recall_ref']}: {r['recovered_units']}/{r['total_units']} ({r['progress']:.1%})"
                for r in d["recalls"]]
        return "\n".join(out)

    emit(d, json_out, human)


@epcis_app.command("capture")
def capture(file: Path, proceed: bool = typer.Option(False, help="GS1-Capture-Error-Behaviour: proceed")) -> None:
    """Capture an EPCISDocument (JSON-LD file)."""
    from zhijian.trace import epcis, epcis_service

    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except ValueError:
        raise epcis.validation_error(f"文件不是合法的 JSON：{file}", f"not valid JSON: {file}") from None
    with unit_of_work() as s:
        job = epcis_service.capture(s, SYSTEM, doc, error_behaviour="proceed" if proceed else "rollback")
        out = epcis_service.capture_job_out(job)
    typer.echo(f"capture {out['captureID']}: {out['capturedEvents']} events stored, {out['duplicateEvents']} "
               f"duplicates, {len(out['errors'])} errors")


@epcis_app.command("query")
def query(param: list[str] = typer.Argument(None, help="k=v, e.g. EQ_bizStep=shipping"),
          per_page: int = typer.Option(100)) -> None:
    """SimpleEventQuery; prints the EPCISQueryDocument."""
    from zhijian.trace import epcis_service

    items = []
    for p in param or []:
        if "=" not in p:
            raise DomainError("validation.invalid", f"参数应为 k=v：{p}", f"parameter must be k=v: {p}", field="param")
        k, v = p.split("=", 1)
        items.append((k, v))
    with unit_of_work() as s:
        res = epcis_service.query_events(s, SYSTEM, epcis_service.normalize_params(items),
                                         per_page=per_page)
    typer.echo(json.dumps(epcis_service.query_document(res), ensure_ascii=False, indent=2))


_XML_EXT = (".xml",)
_JSON_EXT = (".json", ".jsonld")


@epcis_app.command("convert")
def convert(src: Path = typer.Argument(..., help="输入 .xml / .json / .jsonld"),
            out: Path = typer.Argument(..., help="输出 .jsonld / .json / .xml")) -> None:
    """XML ↔ JSON-LD 转换 — an EPCISDocument or EPCISQueryDocument, direction by the files' extensions."""
    from zhijian.trace import epcis, epcis_xml

    ins, outs = src.suffix.lower(), out.suffix.lower()
    if not ((ins in _XML_EXT and outs in _JSON_EXT) or (ins in _JSON_EXT and outs in _XML_EXT)):
        raise DomainError("epcis.bad_conversion", f"应为 .xml → .jsonld 或 .jsonld → .xml：{src} → {out}",
                          f"convert .xml to .jsonld/.json or .jsonld/.json to .xml: {src} -> {out}", field="out")
    raw = src.read_bytes()
    if ins in _XML_EXT:
        doc = epcis_xml.document_from_xml(raw)
        write_bytes(out, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        n = len(epcis.document_events(doc))
    else:
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise epcis.validation_error(f"文件不是合法的 JSON：{src}", f"not valid JSON: {src}") from None
        write_bytes(out, epcis_xml.document_to_xml(doc))  # atomic: a killed conversion leaves no half file
        n = len(epcis.document_events(doc))
    typer.echo(f"{src} → {out}: {n} events")


def register(root: typer.Typer) -> None:
    root.add_typer(codes_app, name="codes")
    root.add_typer(trace_app, name="trace")
    root.add_typer(epcis_app, name="epcis")
