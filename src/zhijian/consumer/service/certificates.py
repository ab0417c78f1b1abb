"""认证证书: certification bodies, certificates (CCC and voluntary), their status (暂停/撤销/注销), public
verification, bulk import of register extracts, and the QR printed on a certificate."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, insert, or_, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization, Product
from zhijian.consumer import rules
from zhijian.consumer.models import Certificate, CertificationBody
from zhijian.consumer.schemas import BodyIn, CertificateIn
from zhijian.consumer.service.common import can_manage_certificates, today
from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush, like_pattern
from zhijian.platform.errors import DomainError, NotFound, validated
from zhijian.platform.pagination import Page, keyset_page

# ====================================================================== certificates (认证证书)


@dataclass(frozen=True)
class CertificateInfo:
    """Contract shape for other rooms (stable listings, product pages)."""

    number: str
    kind: str
    status: str
    valid_until: dt.date | None
    scope: str


def create_body(session: Session, actor: Actor, data: BodyIn) -> CertificationBody:
    can_manage_certificates(actor)
    bad = [k for k in data.kinds if k not in rules.CERT_KINDS]
    if bad:
        raise DomainError("certificate.bad_kind", f"未知认证类型：{bad[0]}", f"unknown certificate kind {bad[0]!r}",
                          field="kinds")
    body = CertificationBody(**data.model_dump())
    return added(session, body, "certification_body")


def list_bodies(session: Session) -> list[CertificationBody]:
    return list(session.scalars(select(CertificationBody).order_by(CertificationBody.id)))


def _holder(session: Session, name: str, uscc: str | None) -> Organization | None:
    if uscc:
        org = session.scalar(select(Organization).where(Organization.uscc == uscc.strip().upper()))
        if org is not None:
            return org
    return session.scalar(select(Organization).where(Organization.name == name.strip()))


def _cert_values(session: Session, data: CertificateIn, bodies: dict[str, CertificationBody],
                 field_prefix: str = "", holders: dict[str, int] | None = None) -> dict[str, Any]:
    number = data.number.strip().upper().replace(" ", "")
    body = bodies.get(data.body_name.strip())
    if data.issued_on and data.valid_until and data.valid_until < data.issued_on:
        raise DomainError("certificate.bad_dates", f"证书 {number}：有效期截止早于发证日期",
                          f"certificate {number}: valid_until is before issued_on", field=f"{field_prefix}valid_until")
    if data.kind == "CCC" and not rules.CERT_NUMBER_PATTERNS["CCC"].match(number):
        raise DomainError("certificate.bad_format", f"CCC 证书编号应为 16 位数字（{number}）",
                          f"a CCC certificate number has 16 digits ({number})", field=f"{field_prefix}number")
    if data.kind == "CCC" and rules.ccc_validity_exceeded(data.issued_on, data.valid_until):
        raise DomainError("certificate.ccc_validity", f"证书 {number}：CCC 证书有效期为 5 年，截止日期超出",
                          f"certificate {number}: a CCC certificate is valid for 5 years", field=f"{field_prefix}valid_until")
    if data.holder_uscc:
        from zhijian.catalog import rules as catalog_rules

        catalog_rules.validate_uscc(data.holder_uscc, field=f"{field_prefix}holder_uscc")
    if holders is not None:
        holder_id = holders.get((data.holder_uscc or "").strip().upper()) or holders.get(data.holder_name.strip())
    else:
        holder = _holder(session, data.holder_name, data.holder_uscc)
        holder_id = holder.id if holder else None
    return {"number": number, "kind": data.kind, "holder_id": holder_id,
            "holder_name": data.holder_name.strip(), "holder_uscc": (data.holder_uscc or "").strip().upper() or None,
            "scope": data.scope, "product_ids": list(data.product_ids), "products_text": data.products_text,
            "body_id": body.id if body else None, "body_name": data.body_name.strip(), "issued_on": data.issued_on,
            "valid_until": data.valid_until, "status": data.status, "status_reason": data.status_reason,
            "status_on": data.status_on, "applicant_name": data.applicant_name.strip(),
            "producer_name": data.producer_name.strip(), "factory_name": data.factory_name.strip(),
            "register": data.register.strip(), "refreshed_at": data.refreshed_at}


def create_certificate(session: Session, actor: Actor, data: CertificateIn) -> Certificate:
    can_manage_certificates(actor)
    bodies = {b.name: b for b in list_bodies(session)}
    for pid in data.product_ids:
        if session.get(Product, pid) is None:
            raise NotFound("product", pid, field="product_ids")
    cert = Certificate(**_cert_values(session, data, bodies))
    return added(session, cert, "certificate")


def get_certificate(session: Session, number: str) -> Certificate:
    cert = session.scalar(select(Certificate).where(Certificate.number == number.strip().upper().replace(" ", "")))
    if cert is None:
        raise NotFound("certificate", number)
    return cert


def set_certificate_status(session: Session, actor: Actor, number: str, status: str, reason: str) -> Certificate:
    """暂停 / 撤销 / 注销 / 恢复 a certificate."""
    can_manage_certificates(actor)
    if status not in rules.CERT_STATUSES:
        raise DomainError("certificate.bad_status", f"未知证书状态：{status}", f"unknown status {status!r}",
                          field="status")
    cert = get_certificate(session, number)
    cert.status = status
    cert.status_reason = reason
    cert.status_on = today()
    flush(session, "certificate")
    return cert


def list_certificates(session: Session, actor: Actor, *, q: str | None = None, kind: str | None = None,
                      holder_id: int | None = None, status: str | None = None, limit: int = 50,
                      cursor: str | None = None) -> Page[Certificate]:
    stmt: Select[Any] = select(Certificate)
    if q:
        pat = like_pattern(q)
        stmt = stmt.where(or_(Certificate.number.like(pat, escape="\\"), Certificate.holder_name.like(pat, escape="\\"),
                              Certificate.products_text.like(pat, escape="\\")))
    if kind:
        stmt = stmt.where(Certificate.kind == kind)
    if holder_id is not None:
        stmt = stmt.where(Certificate.holder_id == holder_id)
    if status:
        stmt = stmt.where(Certificate.status == status)
    return keyset_page(session, stmt, Certificate.id, limit=limit, cursor=cursor)


def certificates_for(session: Session, *, product_id: int | None = None,
                     enterprise_id: int | None = None) -> list[CertificateInfo]:
    """Contract: the certificates of a product (listed on it) or of an enterprise (held by it)."""
    stmt = select(Certificate).order_by(Certificate.id)
    if enterprise_id is not None:
        stmt = stmt.where(Certificate.holder_id == enterprise_id)
    certs = list(session.scalars(stmt))
    if product_id is not None:
        certs = [c for c in certs if product_id in [int(i) for i in c.product_ids or []]]
    on = today()
    return [CertificateInfo(c.number, c.kind, rules.effective_status(c.status, c.valid_until, on), c.valid_until,
                            c.scope) for c in certs]


def verify_certificate(session: Session, number: str, *, holder: str | None = None, product: str | None = None,
                       on: dt.date | None = None) -> tuple[rules.Verification, Certificate | None]:
    """公开验证 — anyone: valid or not, and why."""
    key = (number or "").strip().upper().replace(" ", "")
    if not key or len(key) > 64:
        raise DomainError("certificate.bad_number", "请输入证书编号", "enter a certificate number", field="number",
                          status=400)
    cert = session.scalar(select(Certificate).where(Certificate.number == key))
    view = None
    if cert is not None:
        body = session.get(CertificationBody, cert.body_id) if cert.body_id else None
        products = [cert.products_text] if cert.products_text else []
        if cert.product_ids:
            products += [f"{p.name} {p.model}" for p in session.scalars(select(Product).where(
                Product.id.in_([int(i) for i in cert.product_ids])))]
        view = rules.CertView(cert.number, cert.kind, cert.status, cert.holder_name, cert.holder_uscc, cert.scope,
                              tuple(products), cert.issued_on, cert.valid_until, cert.body_name,
                              bool(body and body.accredited), tuple(body.kinds or ()) if body else ())
    return rules.verify_certificate(key, view, today=on or today(), claimed_holder=holder,
                                    claimed_product=product), cert


IMPORT_COLUMNS = {
    "number": ("number", "证书编号", "编号"), "kind": ("kind", "类型", "认证类型"),
    "holder_name": ("holder_name", "holder", "持证人", "持证企业", "证书持有人"),
    "applicant_name": ("applicant_name", "委托人", "认证委托人"), "producer_name": ("producer_name", "生产者", "制造商"),
    "factory_name": ("factory_name", "生产企业", "工厂"), "register": ("register", "来源", "数据来源"),
    "status_on": ("status_on", "状态日期"),
    "holder_uscc": ("holder_uscc", "uscc", "统一社会信用代码"), "scope": ("scope", "认证范围", "范围"),
    "products_text": ("products_text", "products", "产品", "产品名称"),
    "body_name": ("body_name", "body", "发证机构", "认证机构"), "issued_on": ("issued_on", "发证日期"),
    "valid_until": ("valid_until", "有效期至", "到期日期"), "status": ("status", "状态"),
}
_STATUS_FROM_ZH = {v: k for k, v in rules.CERT_STATUS_ZH.items()} | {"过期": "expired", "有效": "valid"}


def parse_certificate_file(filename: str, content: bytes) -> list[dict[str, Any]]:
    """Read a CSV (UTF-8 with or without BOM, or GB18030) or an .xlsx into rows keyed by our column names.

    platform.tabular checks the file (size, zip bomb) and this checks the header before any data row is read."""
    from zhijian.platform import tabular

    table = tabular.open_table(content, filename)
    if not table.header:
        raise DomainError("import.empty", "文件为空", "the file is empty", field="file")
    mapping: dict[int, str] = {}
    for i, h in enumerate(table.header):
        for key, names in IMPORT_COLUMNS.items():
            if h.lower() in names:
                mapping[i] = key
    for required in ("number", "kind", "holder_name", "body_name"):
        if required not in mapping.values():
            raise DomainError("import.missing_column", f"缺少列：{IMPORT_COLUMNS[required][1]}（{required}）",
                              f"missing column {required}", field=required,
                              extra={"row": table.header_row, "column": IMPORT_COLUMNS[required][1]})
    rows = []
    for _n, r in table:
        row: dict[str, Any] = {}
        for i, key in mapping.items():
            v = r[i] if i < len(r) else None
            if isinstance(v, dt.datetime):
                v = v.date()
            row[key] = v.strip() if isinstance(v, str) else v
        rows.append(row)
    return rows


def _holder_map(session: Session, names: set[str], usccs: set[str]) -> dict[str, int]:
    """Organization ids by name and by credit code, in chunked set queries (bulk imports)."""
    out: dict[str, int] = {}
    for values, col in ((sorted(names), Organization.name), (sorted(usccs), Organization.uscc)):
        for i in range(0, len(values), 500):
            for oid, name, uscc in session.execute(select(Organization.id, Organization.name, Organization.uscc)
                                                   .where(col.in_(values[i:i + 500]))):
                out[name] = oid
                if uscc:
                    out[uscc] = oid
    return out


def _import_row(row: dict[str, Any], n: int) -> CertificateIn:

    values = {k: v for k, v in row.items() if v not in (None, "")}
    if "status" in values:
        values["status"] = _STATUS_FROM_ZH.get(str(values["status"]), values["status"])
    for k in ("issued_on", "valid_until", "status_on"):
        if isinstance(values.get(k), str):
            try:
                values[k] = dt.date.fromisoformat(values[k].replace("/", "-").replace(".", "-"))
            except ValueError:
                raise DomainError("import.bad_row", f"第 {n} 行：日期「{values[k]}」应为 YYYY-MM-DD",
                                  f"row {n}: date {values[k]!r} must be YYYY-MM-DD", field=k) from None
    for k in ("number", "holder_uscc"):
        if k in values:
            values[k] = str(values[k])
    return validated(CertificateIn, values, code="import.bad_row", zh=f"第 {n} 行：字段「{{field}}」无效（{{msg}}）",
                     en=f"row {n}: field '{{field}}' is invalid ({{msg}})")


def import_certificates(session: Session, actor: Actor, rows: list[dict[str, Any]]) -> dict[str, int]:
    """批量导入 — all rows are checked first; any bad row rejects the whole file (nothing half-written).

    New numbers are inserted set-based; numbers already registered get their status and dates updated.
    """
    can_manage_certificates(actor)
    bodies = {b.name: b for b in list_bodies(session)}
    items = [_import_row(row, n) for n, row in enumerate(rows, start=2)]  # row 1 is the header
    holders = _holder_map(session, {d.holder_name.strip() for d in items},
                          {(d.holder_uscc or "").strip().upper() for d in items if d.holder_uscc})
    parsed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, data in enumerate(items, start=2):
        try:
            values = _cert_values(session, data, bodies, holders=holders)
        except DomainError as err:
            raise DomainError("import.bad_row", f"第 {n} 行：{err.message_zh}", f"row {n}: {err.message_en}",
                              field=err.field) from None
        values["refreshed_at"] = values["refreshed_at"] or dt.datetime.now(dt.UTC)  # when the register was read
        values["register"] = values["register"] or "批量导入"
        if values["number"] in seen:
            raise DomainError("import.duplicate", f"第 {n} 行：证书编号 {values['number']} 在文件中重复",
                              f"row {n}: number {values['number']} appears twice", field="number")
        seen.add(values["number"])
        parsed.append(values)
    numbers = sorted(seen)
    existing: dict[str, Certificate] = {}
    for i in range(0, len(numbers), 500):
        existing.update({c.number: c for c in session.scalars(
            select(Certificate).where(Certificate.number.in_(numbers[i:i + 500])))})
    new_rows = [v for v in parsed if v["number"] not in existing]
    now = dt.datetime.now(dt.UTC)
    if new_rows:
        session.execute(insert(Certificate), [v | {"created_at": now, "updated_at": now} for v in new_rows])
        audit.record(session, "bulk_create", "certificate", f"import:{len(new_rows)}", None,
                     {"numbers": [v["number"] for v in new_rows][:1000], "count": len(new_rows)})
    for v in parsed:
        cert = existing.get(v["number"])
        if cert is not None:
            for k in ("status", "status_reason", "valid_until", "issued_on", "scope", "products_text", "holder_id",
                      "holder_name", "holder_uscc", "body_id", "body_name", "kind", "status_on", "applicant_name",
                      "producer_name", "factory_name", "register", "refreshed_at"):
                setattr(cert, k, v[k])
    flush(session, "certificate")
    return {"rows": len(parsed), "created": len(new_rows), "updated": len(parsed) - len(new_rows)}


def certificate_qr_svg(number: str, base_url: str) -> str:
    """The QR printed on a certificate: it opens the public verification of that number."""
    import segno

    url = f"{base_url.rstrip('/')}/certificates/verify?number={number}"
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=2)
    return buf.getvalue().decode()
