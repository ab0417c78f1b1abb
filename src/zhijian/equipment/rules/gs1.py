"""The GS1 GIAI (AI 8004) on the 使用标志: the company prefix it is issued under, the GIAI of a 设备代码, its
Digital Link URI (what the label's QR encodes) and the way back from a scanned GIAI.
"""

from __future__ import annotations

import re

from zhijian.platform.errors import DomainError


def giai(device_code: str, company_prefix: str = "") -> str:  # kept for callers; see giai_for
    """GIAI (AI 8004) element string value: company prefix + the 设备代码 as the asset reference (≤ 30 chars)."""
    value = f"{company_prefix}{device_code}"
    if len(value) > 30:
        raise DomainError("equipment.giai_too_long", "GIAI 不得超过 30 个字符", "a GIAI has at most 30 characters")
    return value


# ------------------------------------------------------------------ GS1 GIAI (AI 8004) Digital Link on the label

GIAI_STEM = "/equipment"  # custom path stem before the key (GS1 Digital Link URI Syntax 1.2, §4: path info)
_GCP = re.compile(r"^[0-9]{4,12}$")
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")
DEMO_GCP = "9520000"  # GS1 prefix 952: reserved for demonstrations and examples (GS1 General Specifications 1.4.2)


def check_gcp(prefix: str, field: str = "gcp") -> str:
    """A GS1 Company Prefix: 4–12 digits (the regulator's or the owner's, as the deployment configures it)."""
    p = (prefix or "").strip()
    if not _GCP.match(p):
        raise DomainError("equipment.bad_gcp", f"GS1 厂商识别代码应为 4–12 位数字：{prefix}",
                          f"a GS1 Company Prefix has 4–12 digits: {prefix}", field=field)
    return p


def giai_for(device_code: str, gcp: str) -> str:
    """GIAI = GS1 Company Prefix + individual asset reference (here the 设备代码), at most 30 characters of
    GS1 character set 82 (GS1 General Specifications 3.9.10, AI 8004)."""
    value = f"{check_gcp(gcp)}{device_code}"
    if len(value) > 30 or not _CSET82.match(value):
        raise DomainError("equipment.giai_too_long", "GIAI 不得超过 30 个字符（GS1 字符集 82）",
                          "a GIAI has at most 30 characters of GS1 character set 82", field="code")
    return value


def giai_link(host: str, giai_value: str) -> str:
    """The unit's GS1 Digital Link URI: https://{host}/equipment/8004/{GIAI} (what the label's QR encodes)."""
    from urllib.parse import quote

    return f"https://{host}{GIAI_STEM}/8004/{quote(giai_value, safe='')}"


def code_from_giai(giai_value: str, gcp: str) -> str | None:
    """The 设备代码 inside a GIAI issued with ``gcp`` (None if the GIAI is not ours)."""
    v = (giai_value or "").strip().upper()
    return v[len(gcp):] if v.startswith(gcp) and len(v) - len(gcp) == 18 else None
