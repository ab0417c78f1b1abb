"""GS1 Digital Link URI syntax (数字链接语法), checked as strictly as GS1's own syntax rules.

The AI dictionary (formats, value patterns) comes from `biip`, a maintained GS1 library; what it leaves to
the caller — which AIs may stand where in a Digital Link URI — follows the GS1 Digital Link URI Syntax
standard (1.x, §4 and §6): a custom path stem may precede the primary key; the primary key is one of the
keys the standard lists; its key qualifiers stand in the path, in their fixed order, at most once; data
attributes stand in the query string as `AI=value`, never a key or a key qualifier, never twice, never
empty, always a known AI; other query parameters (linkType, context …) are passed on. Values are checked
against the AI's own pattern (GS1 character set 82 for alphanumerics) and keys' check digits — the
GB/T 33993 exclusion of `% & / < > ?` applies when *we* issue codes, not when we read others' codes.
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from zhijian.platform.errors import DomainError
from zhijian.trace import dl_compression

CANONICAL_HOST = "id.gs1.org"

# GS1 Digital Link URI Syntax: primary keys and their key-qualifier sequences (in path order).
QUALIFIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "00": (), "01": (("22", "10", "21"), ("235",)), "253": (), "255": (), "401": (), "402": (),
    "414": (("254",), ("7040",)), "417": (("7040",),), "8003": (), "8004": (), "8006": (("22", "10", "21"),),
    "8010": (("8011",),), "8013": (), "8017": (("8019",),), "8018": (("8019",),),
}
PRIMARY_KEYS = tuple(QUALIFIERS)
KEY_NAMES = {"00": "SSCC", "01": "GTIN", "253": "GDTI", "255": "GCN", "401": "GINC", "402": "GSIN",
             "414": "GLN", "417": "PGLN", "8003": "GRAI", "8004": "GIAI", "8006": "ITIP", "8010": "CPID",
             "8013": "GMN", "8017": "GSRN-P", "8018": "GSRN"}
# Where a key's GS1 check digit sits: (start, end) of the digits it covers, end = the check digit's index.
_CHECKED = {"00": (0, 17), "01": (0, 13), "253": (0, 12), "402": (0, 16), "414": (0, 12), "417": (0, 12),
            "8003": (1, 13), "8006": (0, 13), "8017": (0, 17), "8018": (0, 17)}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_URI = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")  # outside RFC 3986's characters
# host: registered name (letters, digits, - . and punycode), IPv4 in any of its forms, or [IPv6], and a port
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=-]+)(:\d{1,5})?")


@dataclass(frozen=True)
class ParsedLink:
    """A syntactically valid Digital Link: the primary key, its qualifiers and attributes, the rest."""

    key_ai: str
    key: str
    qualifiers: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    host: str = CANONICAL_HOST
    stem: str = ""

    def element_string(self) -> str:
        """The bracketed GS1 element string: key, qualifiers in order, then the attributes."""
        items = [(self.key_ai, self.key), *self.qualifiers.items(), *self.attributes.items()]
        return "".join(f"({ai}){v}" for ai, v in items)


def _bad(zh: str, en: str, ai: str | None = None) -> DomainError:
    return DomainError("trace.invalid_uri", zh, en, field=f"ai:{ai}" if ai else "uri", status=400)


def gs1_check_digit(body: str) -> str:
    """GS1 standard check digit (mod 10, weights 3,1,3,… from the rightmost digit of the body)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def check_value(ai: str, value: str) -> str:
    """Check one AI value against its GS1 format and (for keys) its check digit; the value, or 400."""
    try:
        spec = GS1ApplicationIdentifier.extract(ai)
    except ParseError:
        raise _bad(f"未知的 GS1 应用标识符 AI ({ai})", f"unknown GS1 Application Identifier ({ai})", ai) from None
    if value == "":
        raise _bad(f"AI ({ai}) 的值为空", f"AI ({ai}) has an empty value", ai)
    if _CONTROL.search(value):
        raise _bad(f"AI ({ai}) 的值含控制字符", f"AI ({ai}) value contains a control character", ai)
    if spec.ai != ai or not re.fullmatch(spec.pattern, ai + value):
        raise _bad(f"AI ({ai}) {spec.data_title} 的值「{value}」不符合格式 {spec.format}",
                   f"AI ({ai}) {spec.data_title} value {value!r} does not match its format {spec.format}", ai)
    if ai in _CHECKED:
        start, end = _CHECKED[ai]
        digits = value[start:end + 1]
        if gs1_check_digit(digits[:-1]) != digits[-1]:
            raise _bad(f"AI ({ai}) {spec.data_title} 校验位错误（应为 {gs1_check_digit(digits[:-1])}）",
                       f"AI ({ai}) {spec.data_title} check digit is wrong (expected {gs1_check_digit(digits[:-1])})",
                       ai)
    return value


def is_variable(ai: str) -> bool:
    """Whether an AI's value is variable-length (needs FNC1 after it unless it is last)."""
    return GS1ApplicationIdentifier.extract(ai).separator_required


def _qualifiers(key_ai: str, pairs: list[tuple[str, str]], raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    sequences = QUALIFIERS[key_ai]
    names = [ai for ai, _ in pairs]
    for ai in names:
        if not any(ai in seq for seq in sequences):
            raise _bad(f"AI ({ai}) 不是 {KEY_NAMES[key_ai]} ({key_ai}) 的限定符：{raw}",
                       f"AI ({ai}) is not a key qualifier of {KEY_NAMES[key_ai]} ({key_ai}): {raw}", ai)
    if len(set(names)) != len(names):
        dup = next(ai for ai in names if names.count(ai) > 1)
        raise _bad(f"AI ({dup}) 出现了两次：{raw}", f"AI ({dup}) appears twice: {raw}", dup)
    fitting = [seq for seq in sequences if set(names) <= set(seq)]
    if names and (not fitting or names != [ai for ai in fitting[0] if ai in names]):
        orders = [" → ".join(seq) for seq in sequences]
        raise _bad(f"限定符顺序错误，应为 {' 或 '.join(orders)}：{raw}",
                   f"key qualifiers out of order (must be {' or '.join(orders)}): {raw}", names[0])
    for ai, value in pairs:
        out[ai] = check_value(ai, value)
    return out


def parse(uri: str, *, stem: str = "") -> ParsedLink:
    """Parse a Digital Link URI (or its path and query); DomainError 400 naming the offending AI otherwise."""
    raw = (uri or "").strip()
    if _CONTROL.search(raw) or _CONTROL.search(unquote(raw)):
        raise _bad(f"数字链接含控制字符：{raw!r}", f"Digital Link contains a control character: {raw!r}")
    bad = _NOT_URI.search(raw)
    if bad:
        raise _bad(f"数字链接含未编码的字符「{bad.group()}」：{raw}", f"Digital Link has an unencoded {bad.group()!r}: {raw}")
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme and scheme not in ("http", "https", "HTTP", "HTTPS"):  # RFC 3986 schemes are one case here
        raise _bad(f"数字链接必须是 http(s) 地址：{raw}", f"a Digital Link is an http(s) URI: {raw}")
    try:
        parts = urlsplit(raw)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise _bad(f"数字链接的域名无效：{raw}", f"a Digital Link needs a valid host: {raw}") from None
    if scheme and (not parts.netloc or "%" in parts.netloc or not _HOST.fullmatch(parts.netloc)):
        raise _bad(f"数字链接的域名无效：{raw}", f"a Digital Link needs a valid host: {raw}")
    host = parts.netloc or CANONICAL_HOST
    path = parts.path
    if stem and path.startswith(stem.rstrip("/") + "/"):
        path = path[len(stem.rstrip("/")):]
    segs = path.split("/")[1:] if path.startswith("/") else path.split("/")
    if "" in segs:
        raise _bad(f"数字链接路径含空段：{raw}", f"Digital Link path has an empty segment: {raw}")
    # the primary key is the rightmost key AI whose value and qualifiers end the path (a stem may look like AIs)
    start = next((i for i in range(len(segs) - 2, -1, -2) if segs[i] in QUALIFIERS), None)
    if start is None and segs and _compressed_form(segs):
        return parse(_expanded(segs, parts.query, f"{scheme}://{parts.netloc}" if scheme else ""))
    if start is None:
        raise _bad(f"不是有效的 GS1 数字链接（缺少主标识 AI 与值）：{raw}",
                   f"not a GS1 Digital Link URI (no primary key AI and value): {raw}")
    key_ai = segs[start]
    key = check_value(key_ai, unquote(segs[start + 1]))
    pairs = [(segs[i], unquote(segs[i + 1])) for i in range(start + 2, len(segs), 2)]
    qualifiers = _qualifiers(key_ai, pairs, raw)
    attributes: dict[str, str] = {}
    params: dict[str, str] = {}
    # a qualifier belongs in the path: the query may not carry one of the qualifier sequence in use (any
    # sequence when the path has none); another key (e.g. (01) on a GIAI) is an ordinary data attribute
    in_use = [seq for seq in QUALIFIERS[key_ai] if qualifiers and set(qualifiers) <= set(seq)]
    qualifier_ais = {ai for seq in (in_use[:1] or QUALIFIERS[key_ai]) for ai in seq}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if not name.isdigit():
            params[name] = value
            continue
        if name == key_ai:
            raise _bad(f"主标识 AI ({name}) 不能放在查询串中：{raw}",
                       f"primary key AI ({name}) must not appear in the query string: {raw}", name)
        if name in qualifier_ais:
            raise _bad(f"限定符 AI ({name}) 必须放在路径中，不能放在查询串中：{raw}",
                       f"key qualifier AI ({name}) belongs in the path, not the query string: {raw}", name)
        if name in attributes:
            raise _bad(f"AI ({name}) 出现了两次：{raw}", f"AI ({name}) appears twice: {raw}", name)
        attributes[name] = check_value(name, value)
    return ParsedLink(key_ai, key, qualifiers, attributes, params, host, "/".join(segs[:start]))


# ---------------------------------------------------------------- compressed Digital Links (DL 1.1 §8, DL 1.2)


def _compressed_form(segs: list[str]) -> bool:
    """A last path segment in the base64url alphabet after a stem, or after an uncompressed primary key and its
    value (the standard's "partially compressed" form, whose key stays readable)."""
    return bool(dl_compression.TOKEN.fullmatch(segs[-1])) and not segs[-1].isdigit()


def _expanded(segs: list[str], query: str, origin: str) -> str:
    """The uncompressed form of a compressed Digital Link: the stem kept, the primary key and its qualifiers in
    the path (qualifier order of the key), every other AI as a query attribute, then the URI's own query."""
    head = segs[:-1]
    pairs: dict[str, str] = {}
    if len(head) >= 2 and head[-2] in QUALIFIERS:  # partially compressed: /01/{gtin}/{token}
        pairs[head[-2]] = unquote(head[-1])
        head = head[:-2]
    packed = dl_compression.decompress(segs[-1])
    for ai, value in packed.pairs.items():
        if ai in pairs:
            raise _bad(f"AI ({ai}) 出现了两次", f"AI ({ai}) appears twice", ai)
        pairs[ai] = value
    keys = [ai for ai in pairs if ai in QUALIFIERS]
    if len(keys) != 1:
        raise _bad(f"压缩数字链接应恰含一个主标识，实含 {len(keys)} 个", f"a compressed Digital Link must carry exactly one "
                   f"primary key, not {len(keys)}", keys[1] if len(keys) > 1 else None)
    key = keys[0]
    present = [ai for ai in pairs if ai != key]
    fitting = [seq for seq in QUALIFIERS[key] if any(ai in seq for ai in present)]
    order = [ai for ai in (fitting[0] if fitting else ()) if ai in pairs]
    path = "".join(f"/{seg}" for seg in head) + f"/{key}/{quote(pairs[key], safe='')}"
    path += "".join(f"/{ai}/{quote(pairs[ai], safe='')}" for ai in order)
    rest = [(ai, v) for ai, v in pairs.items() if ai != key and ai not in order] + list(packed.other.items())
    q = "&".join(x for x in (urlencode(rest, quote_via=quote), query) if x)
    return origin + path + (f"?{q}" if q else "")


def compressed_link(link: ParsedLink, *, origin: str = "", optimise: bool = False,
                    keep_key: bool = False) -> str:
    """The compressed form of a Digital Link (`keep_key`: the standard's partially compressed form, primary key
    readable). Other query parameters (linkType …) are not packed; `optimise` uses the optimisation table
    (GS1's Resolver CE and prototype leave it off by default)."""
    pairs = {**link.qualifiers, **link.attributes}
    stem = f"/{link.stem}" if link.stem else ""
    if keep_key and not pairs:  # nothing to compress: the link is its own shortest form
        keep_key, pairs = False, {}
    if keep_key:
        head = f"{stem}/{link.key_ai}/{quote(link.key, safe='')}/"
    else:
        head, pairs = f"{stem}/", {link.key_ai: link.key, **pairs}
    extra = urlencode(list(link.params.items()), quote_via=quote)
    return origin + head + dl_compression.compress(pairs, optimise=optimise) + (f"?{extra}" if extra else "")
