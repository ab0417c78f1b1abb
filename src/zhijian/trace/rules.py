"""防伪溯源的纯规则 — identifiers, serials, verification answers and counterfeit signals (no I/O).

- GTIN check digit: GS1 General Specifications §7.9.1 (weights 3,1,3,1… from the right).
- GS1 Digital Link URI syntax 1.2: `/01/{gtin}` then key qualifiers in the fixed order 22 → 10 → 21.
- GB/T 33993-2017 商品二维码: AI element strings, (01) first, (10) and (21) at most 20 characters
  from the GS1 character set 82 without `% & / < > ?`, (17) as YYMMDD.
- Serials (序列号): 20 characters of Crockford base-32 — 1 key-version character, 13 random characters
  from the OS CSPRNG (65 bits), 6 characters of a keyed BLAKE2b MAC (30 bits) over GTIN + the first 14.
  A forged serial therefore fails `check_serial` without any database lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import numpy as np

from zhijian.platform.errors import DomainError
from zhijian.trace import digital_link

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base-32: no I, L, O, U (typed by consumers)
_ALPHA_INDEX = {c: i for i, c in enumerate(ALPHABET)}
SERIAL_LEN = 20
RANDOM_CHARS = 13  # 65 bits of entropy
MAC_CHARS = 6  # 30 bits
MAX_KEY_VERSION = len(ALPHABET) - 1
# GS1 AI encodable character set 82 (GS1 General Specifications Figure 7.11-1) minus GB/T 33993's exclusions.
_CSET82 = set("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
AI_CHARS = _CSET82 - set("%&/<>?")
CANONICAL_HOST = digital_link.CANONICAL_HOST
ANSWERS = ("not_found", "genuine_first", "genuine_repeat", "frozen", "recalled", "voided")
CODE_STATUSES = ("active", "frozen", "voided", "recalled")
SIGNAL_KINDS = ("multi_city", "far_apart", "diversion", "burst", "enumeration")
SIGNAL_ZH = {"multi_city": "短时间内多城市查询", "far_apart": "相距过远的连续查询", "diversion": "销售区域外查询（窜货）",
             "burst": "短时间内集中查询", "enumeration": "同一客户端大量查询未知码"}


def _bad(code: str, zh: str, en: str, field: str, status: int = 422) -> DomainError:
    return DomainError(code, zh, en, field=field, status=status)


# ---------------------------------------------------------------- GTIN (GS1 GenSpecs §7.9.1)


def gtin_check_digit(body: str) -> str:
    """Check digit for the digits before it: weights 3,1,3,1… starting from the rightmost body digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def normalize_gtin(code: str, field: str = "gtin", status: int = 422) -> str:
    """A GTIN-8/12/13/14 as GTIN-14; the check digit must be right (批次码的第一段必须正确)."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        raise _bad("trace.invalid_gtin", f"GTIN 格式错误（{code}）：应为 8、12、13 或 14 位数字",
                   f"invalid GTIN {code!r}: must be 8, 12, 13 or 14 digits", field, status)
    if gtin_check_digit(code[:-1]) != code[-1]:
        raise _bad("trace.invalid_gtin", f"GTIN 校验位错误（{code}），应为 {gtin_check_digit(code[:-1])}",
                   f"GTIN check digit is wrong: {code!r} (expected {gtin_check_digit(code[:-1])})", field, status)
    return code.zfill(14)


def check_ai_value(value: str, field: str, max_len: int = 20, status: int = 422) -> str:
    """GB/T 33993-2017: batch (10) and serial (21) at most 20 characters, none of % & / < > ?."""
    if not value:
        raise _bad("trace.invalid_ai", f"「{field}」不能为空", f"'{field}' must not be empty", field, status)
    if len(value) > max_len:
        raise _bad("trace.invalid_ai", f"「{field}」最多 {max_len} 个字符（GB/T 33993-2017）",
                   f"'{field}' has more than {max_len} characters (GB/T 33993-2017)", field, status)
    bad = sorted({c for c in value if c not in AI_CHARS})
    if bad:
        shown = " ".join(bad)
        raise _bad("trace.invalid_ai", f"「{field}」含不允许的字符：{shown}（GB/T 33993-2017 不允许 % & / < > ?）",
                   f"'{field}' contains characters not allowed: {shown}", field, status)
    return value


def expiry_yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


# ---------------------------------------------------------------- GS1 Digital Link


@dataclass(frozen=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI for a trade item (一物一码 when serial is present)."""

    gtin: str
    lot: str | None = None
    serial: str | None = None
    cpv: str | None = None
    host: str = CANONICAL_HOST
    tpx: str | None = None  # AI 235, third-party controlled serial extension (a qualifier of 01)
    attributes: dict[str, str] = field(default_factory=dict, compare=False)  # query-string data attributes

    def uri(self, host: str | None = None) -> str:
        return format_digital_link(host or self.host, self.gtin, lot=self.lot, serial=self.serial, cpv=self.cpv)

    def element_string(self) -> str:
        """The GS1 element string of everything the link carries (key, qualifiers, query attributes)."""
        return ai_element_string(self.gtin, lot=self.lot, serial=self.serial, cpv=self.cpv,
                                 attributes=self.attributes)


def _enc(value: str) -> str:
    return quote(value, safe="-._~!$'()*+,;:@=")


def format_digital_link(host: str, gtin: str, *, lot: str | None = None, serial: str | None = None,
                        cpv: str | None = None) -> str:
    """`https://{host}/01/{GTIN-14}[/22/cpv][/10/lot][/21/serial]` (qualifier order 22 → 10 → 21)."""
    parts = [f"https://{host}/01/{normalize_gtin(gtin)}"]
    for ai, val in (("22", cpv), ("10", lot), ("21", serial)):
        if val:
            parts.append(f"/{ai}/{_enc(val)}")
    return "".join(parts)


def item_link(lot_link: str, serial: str, expiry: dt.date | None = None) -> str:
    """One item's Digital Link from its lot's link: `/21/{serial}` plus the label's data attributes
    (expiry as `?17=YYMMDD`), so the QR carries everything the printed element string does."""
    return f"{lot_link}/21/{_enc(serial)}" + (f"?17={expiry_yymmdd(expiry)}" if expiry else "")


def parse_digital_link(uri: str, field: str = "uri", *, stem: str = "") -> DigitalLink:
    """Parse a full trade-item Digital Link URI or its path (GTIN primary key); 400 naming the offending AI.

    Syntax per GS1's rules (`trace.digital_link`); a link with another primary key is a valid Digital
    Link but not a trade item, and is refused here (the resolver handles those through `digital_link`).
    """
    parsed = digital_link.parse(uri, stem=stem)
    if parsed.key_ai != "01":
        raise _bad("trace.invalid_uri", f"不是商品（GTIN）数字链接：{uri}", f"not a trade-item (GTIN) Digital Link: {uri}",
                   field, 400)
    q = parsed.qualifiers
    return DigitalLink(parsed.key, q.get("10"), q.get("21"), q.get("22"), parsed.host, q.get("235"),
                       parsed.attributes)


def ai_element_string(gtin: str, *, lot: str | None = None, serial: str | None = None,
                      expiry: dt.date | None = None, cpv: str | None = None,
                      attributes: dict[str, str] | None = None, human: bool = True) -> str:
    """GB/T 33993-2017 AI element string: (01) first; fixed-length AIs ((17) …) before the variable ones.

    Carries everything the Digital Link does: (22) consumer product variant and any further data
    attributes, not only (17)/(10)/(21). `human=True` gives the bracketed human-readable interpretation;
    otherwise the data carrier form, variable-length fields separated by FNC1 (ASCII GS, 0x1D) unless last.
    """
    extra = {k: digital_link.check_value(k, v) for k, v in (attributes or {}).items()}
    if expiry:
        extra["17"] = expiry_yymmdd(expiry)
    fixed = sorted((ai, v) for ai, v in extra.items() if not digital_link.is_variable(ai))
    variable = sorted((ai, v) for ai, v in extra.items() if digital_link.is_variable(ai))
    items: list[tuple[str, str, bool]] = [("01", normalize_gtin(gtin), False)]
    items.extend((ai, v, False) for ai, v in fixed)
    if cpv:
        items.append(("22", digital_link.check_value("22", cpv), True))
    if lot:
        items.append(("10", check_ai_value(lot, "lot"), True))
    if serial:
        items.append(("21", check_ai_value(serial, "serial"), True))
    items.extend((ai, v, True) for ai, v in variable)
    if human:
        return "".join(f"({ai}){v}" for ai, v, _ in items)
    out = []
    for i, (ai, v, is_variable) in enumerate(items):
        out.append(ai + v + ("\x1d" if is_variable and i < len(items) - 1 else ""))
    return "".join(out)


# ---------------------------------------------------------------- serials with a keyed MAC


def new_key() -> str:
    """A fresh per-enterprise MAC key (32 bytes from the CSPRNG, hex)."""
    return secrets.token_hex(32)


def _b32(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        chars.append(ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(chars))


def _mac(key: bytes, gtin14: str, head: str) -> str:
    digest = hashlib.blake2b((gtin14 + head).encode(), key=key, digest_size=8).digest()
    return _b32(int.from_bytes(digest[:4], "big") >> 2, MAC_CHARS)


def key_version_char(version: int) -> str:
    if not 0 <= version <= MAX_KEY_VERSION:
        raise _bad("trace.bad_key_version", "密钥版本应在 0–31 之间", "key version must be 0–31", "version")
    return ALPHABET[version]


def make_serial(key_hex: str, version: int, gtin14: str, random_part: str | None = None) -> str:
    """One serial: version char + 13 CSPRNG characters + 6 MAC characters (20 characters, GB/T 33993)."""
    if random_part is None:
        random_part = _b32(int.from_bytes(os.urandom(9), "big") >> 7, RANDOM_CHARS)
    head = key_version_char(version) + random_part
    return head + _mac(bytes.fromhex(key_hex), gtin14, head)


def _encode_b32(values: np.ndarray, width: int) -> np.ndarray:
    """Vectorised Crockford base-32 of unsigned integers → array of fixed-width byte strings."""
    alpha = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(5)
    idx = (values[:, None] >> shifts[None, :]) & np.uint64(31)
    encoded: np.ndarray = alpha[idx.astype(np.intp)]
    return encoded


def generate_serials(key_hex: str, version: int, gtin14: str, n: int) -> list[str]:
    """`n` serials at once: one urandom call, NumPy encoding, one keyed BLAKE2b per code."""
    key = bytes.fromhex(key_hex)
    vchar = key_version_char(version).encode()
    if n <= 0:
        return []
    rnd = np.frombuffer(os.urandom(9 * n), dtype=np.uint8).reshape(n, 9)
    hi = rnd[:, :8].copy().view(">u8").ravel().astype(np.uint64)  # top 64 bits
    lo = rnd[:, 8].astype(np.uint64)
    # 65 random bits: the 64 of `hi` and the top bit of `lo`, as 13 base-32 characters.
    chars = _encode_b32(hi >> np.uint64(4), 12)  # top 60 bits → 12 chars
    last = ((hi & np.uint64(15)) << np.uint64(1)) | (lo >> np.uint64(7))  # 4 + 1 bits → 1 char
    alpha = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    heads = np.empty((n, 14), dtype=np.uint8)
    heads[:, 0] = vchar[0]
    heads[:, 1:13] = chars
    heads[:, 13] = alpha[last.astype(np.intp)]
    head_bytes = heads.tobytes()
    gb = gtin14.encode()
    blake = hashlib.blake2b
    macs = bytearray(4 * n)
    for i in range(n):
        macs[4 * i: 4 * i + 4] = blake(gb + head_bytes[14 * i: 14 * i + 14], key=key, digest_size=8).digest()[:4]
    m = np.frombuffer(bytes(macs), dtype=">u4").astype(np.uint64) >> np.uint64(2)
    full = np.empty((n, SERIAL_LEN), dtype=np.uint8)
    full[:, :14] = heads
    full[:, 14:] = _encode_b32(m, MAC_CHARS)
    return full.view(f"S{SERIAL_LEN}").ravel().astype(str).tolist()


def serial_key_version(serial: str) -> int | None:
    """The key version a serial claims, or None when it is not one of ours in shape."""
    if len(serial) != SERIAL_LEN or any(c not in _ALPHA_INDEX for c in serial):
        return None
    return _ALPHA_INDEX[serial[0]]


def check_serial(keys: dict[int, str], gtin14: str, serial: str) -> bool:
    """True when the serial carries a valid MAC under the enterprise's key of its version (no DB)."""
    version = serial_key_version(serial)
    if version is None or version not in keys:
        return False
    return secrets.compare_digest(_mac(bytes.fromhex(keys[version]), gtin14, serial[:14]), serial[14:])


def new_pin() -> str:
    """刮开码 — a 6-digit scratch-off PIN."""
    return f"{secrets.randbelow(10**6):06d}"


def pin_digest(key_hex: str, serial: str, pin: str) -> str:
    return hashlib.blake2b(f"{serial}:{pin}".encode(), key=bytes.fromhex(key_hex), digest_size=8).hexdigest()


# ---------------------------------------------------------------- verification answer


@dataclass(frozen=True)
class Answer:
    """验证结果 — the answer code with its zh-CN and English message."""

    code: str
    message_zh: str
    message_en: str
    count: int = 0


CN_TZ = dt.timezone(dt.timedelta(hours=8))


def format_cn_time(at: dt.datetime | None) -> str:
    if at is None:
        return "未知"
    return at.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M")


def verification_answer(status: str | None, count: int, first_at: dt.datetime | None = None,
                        first_place: str | None = None) -> Answer:
    """The consumer-facing answer. `count` includes the current query; status None means no such code."""
    if status is None:
        return Answer("not_found", "查无此码，谨防假冒", "no such code: beware of counterfeits")
    if status == "voided":
        return Answer("voided", "此码已作废，谨防假冒", "this code has been voided: beware of counterfeits", count)
    if status == "recalled":
        return Answer("recalled", "该批次已召回", "this batch has been recalled", count)
    if status == "frozen":
        return Answer("frozen", "此码查询次数过多，已被冻结，请联系品牌方核实",
                      "this code was queried too often and is frozen: contact the brand owner", count)
    if count <= 1:
        return Answer("genuine_first", "首次查询，正品", "first query: genuine", 1)
    place = first_place or "未知"
    when = format_cn_time(first_at)
    return Answer("genuine_repeat",
                  f"此码已被查询{count}次，首次查询时间{when}，地点{place}；如非本人查询，谨防假冒",
                  f"this code has been queried {count} times, first at {when} in {place}; "
                  "if that was not you, beware of counterfeits", count)


def should_freeze(count_after_scan: int, threshold: int) -> bool:
    """Freeze when the count passes the threshold (vendors use 2, 10 or 30); 0 disables freezing."""
    return threshold > 0 and count_after_scan > threshold


# ---------------------------------------------------------------- coarse location and counterfeit signals


def coarse_region(region_code: str | None) -> str | None:
    """Keep only the city level of a GB/T 2260 code (no personal data beyond coarse location)."""
    if not region_code or not re.fullmatch(r"\d{6}", region_code):
        return None
    if region_code[:2] in ("11", "12", "31", "50"):  # municipalities: the province is the city
        return region_code[:2] + "0000"
    return region_code[:4] + "00"


def coarse_coord(value: float | None) -> float | None:
    """Round to 0.1° (about 10 km)."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, 1)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class ScanPoint:
    at: dt.datetime
    city: str | None = None  # coarse GB/T 2260 code (city level)
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class SignalConfig:
    """Thresholds of the counterfeit signals (all configurable)."""

    city_window_hours: float = 24.0
    max_cities: int = 3  # ≥ this many distinct cities within the window → multi_city
    far_km: float = 500.0
    far_window_hours: float = 6.0  # two scans ≥ far_km apart within this time → far_apart
    burst_window_minutes: float = 10.0
    burst_scans: int = 5  # ≥ this many scans of one code within the window → burst


@dataclass(frozen=True)
class SignalHit:
    kind: str
    evidence: dict[str, Any] = field(default_factory=dict)


def in_sales_region(city: str | None, regions: Sequence[str]) -> bool:
    """A lot's declared sales regions are GB/T 2260 codes; a province code covers its cities."""
    if not regions or not city:
        return True
    for r in regions:
        r = r.strip()
        prefix = r[:2] if r.endswith("0000") else r[:4] if r.endswith("00") else r
        if city.startswith(prefix):
            return True
    return False


def counterfeit_signals(history: Iterable[ScanPoint], new: ScanPoint, sales_regions: Sequence[str] = (),
                        cfg: SignalConfig = SignalConfig()) -> list[SignalHit]:
    """Signals raised by one new scan of a code, given its earlier scans (窜货、克隆码的迹象)."""
    past = sorted(history, key=lambda p: p.at)
    hits: list[SignalHit] = []
    win = [p for p in past if new.at - p.at <= dt.timedelta(hours=cfg.city_window_hours)] + [new]
    cities = sorted({p.city for p in win if p.city})
    if len(cities) >= cfg.max_cities:
        hits.append(SignalHit("multi_city", {"cities": cities, "window_hours": cfg.city_window_hours,
                                             "scans": len(win)}))
    if new.lat is not None and new.lon is not None:
        for p in reversed(past):
            if new.at - p.at > dt.timedelta(hours=cfg.far_window_hours):
                break
            if p.lat is None or p.lon is None:
                continue
            km = haversine_km(p.lat, p.lon, new.lat, new.lon)
            if km >= cfg.far_km:
                hours = max((new.at - p.at).total_seconds() / 3600, 1e-6)
                hits.append(SignalHit("far_apart", {
                    "distance_km": round(km, 1), "hours": round(hours, 2), "speed_kmh": round(km / hours, 1),
                    "from": [p.lat, p.lon], "to": [new.lat, new.lon], "from_at": p.at.isoformat()}))
                break
    if new.city and sales_regions and not in_sales_region(new.city, sales_regions):
        hits.append(SignalHit("diversion", {"city": new.city, "sales_regions": list(sales_regions)}))
    recent = [p for p in past if new.at - p.at <= dt.timedelta(minutes=cfg.burst_window_minutes)]
    if len(recent) + 1 >= cfg.burst_scans:
        hits.append(SignalHit("burst", {"scans": len(recent) + 1, "window_minutes": cfg.burst_window_minutes}))
    return hits


def event_id_for_scan(now: dt.datetime) -> int:
    """A 63-bit id for a scan row, unique without a sequence (works on hash-partitioned tables)."""
    ms = int(now.timestamp() * 1000) & ((1 << 41) - 1)
    return (ms << 22) | secrets.randbits(22)
