"""认证证书 rules (pure): kinds, statuses and number formats, the CCC validity, and the public verification of a
certificate against what the holder or product claims."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from zhijian.consumer.rules.dates import add_years

# ====================================================================== certificates (认证证书)

CERT_KINDS = ("CCC", "CQC", "ISO9001", "ISO14001", "ISO45001", "organic", "green_food", "energy", "other")
CERT_KIND_ZH = {"CCC": "强制性产品认证（CCC）", "CQC": "CQC 标志认证", "ISO9001": "质量管理体系认证（ISO 9001）",
                "ISO14001": "环境管理体系认证（ISO 14001）", "ISO45001": "职业健康安全管理体系认证（ISO 45001）",
                "organic": "有机产品认证", "green_food": "绿色食品标志使用许可", "energy": "节能产品认证", "other": "其他认证"}
# 绿色食品 is a mark licence (标志使用许可, 中国绿色食品发展中心), not a certification; 有机 is a certification (CNCA).
MARK_LICENCE_KINDS = frozenset({"green_food"})
CERT_CATEGORY_ZH = {"certification": "认证证书", "mark_licence": "标志使用许可"}
CCC_VALIDITY_YEARS = 5  # 《强制性产品认证管理规定》: CCC certificates are valid for 5 years


def cert_category(kind: str) -> str:
    return "mark_licence" if kind in MARK_LICENCE_KINDS else "certification"


def ccc_validity_exceeded(issued_on: dt.date | None, valid_until: dt.date | None) -> bool:
    """A CCC certificate valid for more than five years from issue is not a genuine one."""
    if issued_on is None or valid_until is None:
        return False
    return valid_until > add_years(issued_on, CCC_VALIDITY_YEARS)
SYSTEM_KINDS = frozenset({"ISO9001", "ISO14001", "ISO45001"})
CERT_STATUSES = ("valid", "suspended", "withdrawn", "expired", "cancelled")
CERT_STATUS_ZH = {"valid": "有效", "suspended": "暂停", "withdrawn": "撤销", "expired": "过期失效",
                  "cancelled": "注销"}
# CNCA-published number formats; a number that does not fit the kind is a typical fake.
CERT_NUMBER_PATTERNS = {
    "CCC": re.compile(r"^20\d{2}\d{12}$"),  # 16 digits: year + product code + serial
    "CQC": re.compile(r"^CQC\d{8,14}$"),
}


def effective_status(status: str, valid_until: dt.date | None, today: dt.date) -> str:
    """A valid certificate past its end date is expired (过期失效) whatever the stored status says."""
    if status == "valid" and valid_until is not None and valid_until < today:
        return "expired"
    return status


def normalize_name(name: str) -> str:
    """Compare names the way people write them: full-width → half-width, no spaces or brackets."""
    s = unicodedata.normalize("NFKC", name or "").lower()
    return re.sub(r"[\s()（）\[\]【】·.,，、]", "", s)


@dataclass(frozen=True)
class CertView:
    number: str
    kind: str
    status: str
    holder_name: str
    holder_uscc: str | None
    scope: str
    products: tuple[str, ...]
    issued_on: dt.date | None
    valid_until: dt.date | None
    body_name: str
    body_accredited: bool
    body_kinds: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    code: str
    zh: str
    en: str
    fatal: bool


@dataclass(frozen=True)
class Verification:
    number: str
    valid: bool
    status: str | None
    findings: tuple[Finding, ...]

    @property
    def verdict_zh(self) -> str:
        return "证书有效" if self.valid else "证书无效或可疑"


def verify_certificate(number: str, cert: CertView | None, *, today: dt.date, claimed_holder: str | None = None,
                       claimed_product: str | None = None) -> Verification:
    """验证证书: valid or not and why, flagging the typical fakes (假证、买证卖证)."""
    number = (number or "").strip().upper().replace(" ", "")
    if cert is None:
        findings = [Finding("unknown_number", "查无此证书编号，谨防假冒", "no certificate with this number", True)]
        for kind, pat in CERT_NUMBER_PATTERNS.items():
            if number.startswith(kind) and not pat.match(number):
                findings.append(Finding("bad_format", f"编号不符合 {kind} 证书编号格式", f"not a {kind} number format",
                                        True))
        return Verification(number, False, None, tuple(findings))
    out: list[Finding] = []
    status = effective_status(cert.status, cert.valid_until, today)
    if status == "expired":
        out.append(Finding("expired", f"证书已于 {cert.valid_until} 过期", f"expired on {cert.valid_until}", True))
    elif status != "valid":
        out.append(Finding(status, f"证书状态：{CERT_STATUS_ZH[status]}", f"certificate is {status}", True))
    if cert.issued_on and cert.issued_on > today:
        out.append(Finding("not_yet_valid", "发证日期在今天之后", "issued in the future", True))
    if cert.kind == "CCC" and ccc_validity_exceeded(cert.issued_on, cert.valid_until):
        out.append(Finding("validity_too_long", f"CCC 证书有效期为 {CCC_VALIDITY_YEARS} 年，此证书有效期超过 {CCC_VALIDITY_YEARS} 年",
                           f"a CCC certificate is valid for {CCC_VALIDITY_YEARS} years; this one claims longer", True))
    own_pattern = CERT_NUMBER_PATTERNS.get(cert.kind)
    if own_pattern and not own_pattern.match(cert.number):
        out.append(Finding("bad_format", f"编号不符合 {cert.kind} 证书编号格式", f"not a {cert.kind} number format", True))
    if not cert.body_accredited or (cert.body_kinds and cert.kind not in cert.body_kinds):
        out.append(Finding("body_not_accredited", f"发证机构「{cert.body_name}」未获认可开展此类认证",
                           f"issuing body '{cert.body_name}' is not accredited for this kind", True))
    if claimed_holder and claimed_holder.strip():
        c = normalize_name(claimed_holder)
        if c not in (normalize_name(cert.holder_name), normalize_name(cert.holder_uscc or "")):
            out.append(Finding("holder_mismatch", f"持证人为「{cert.holder_name}」，与声称的「{claimed_holder}」不符",
                               f"holder is '{cert.holder_name}', not '{claimed_holder}'", True))
    if claimed_product and claimed_product.strip():
        c = normalize_name(claimed_product)
        hay = [normalize_name(p) for p in cert.products] + [normalize_name(cert.scope)]
        if not any(c in h or (h and h in c) for h in hay):
            out.append(Finding("scope_mismatch", f"「{claimed_product}」不在证书覆盖的产品/范围内",
                               f"'{claimed_product}' is outside the certificate's scope", True))
    return Verification(cert.number, not any(f.fatal for f in out), status, tuple(out))
