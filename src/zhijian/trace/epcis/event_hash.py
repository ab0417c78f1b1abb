"""CBV 2.0 event hash ID (事件哈希标识): a syntax-independent ID for an EPCIS event, used for de-duplication.

Specification: GS1 Core Business Vocabulary 2.0, §8.9 "Event hash ID" (canonical pre-hash string →
SHA-256 → `ni:///sha-256;{hex}?ver=CBV2.0`, RFC 6920). Reference implementation whose behaviour this
module reproduces: github.com/RalphTro/epcis-event-hash-generator (GS1's "EPCIS Event Hash Generator",
`hash_generator.py`, `json_to_py.py`, `json_xml_model_mismatch_correction.py`, `dl_normaliser.py`); the
Java port openepcis/openepcis-event-hash-generator follows the same rules.

The pre-hash string is `eventType=…` followed by

1. the standard fields in the canonical order (`_ORDER`: eventTime, eventTimeZoneOffset, certificationInfo,
   parentID, epcList, …, readPoint, bizLocation, sensorElementList), each as `name=value` or as the list
   name followed by its sorted children (`epcListepc=…epc=…`, `quantityListquantityElementepcClass=…`);
2. everything else (bizTransactionList, sourceList, destinationList, ilmd, user extensions with their
   namespace written `{namespace}localName`), as sorted `name=value` strings, nested elements as the
   name followed by their sorted children. Business transactions, sources and destinations keep
   `type=…` before the value, as in the reference implementation.

Values are canonicalised: timestamps to UTC at millisecond precision (`…T19:33:31.116Z`), CBV bare words
and `urn:epcglobal:cbv:` URNs to their `https://ref.gs1.org/cbv/…` web URI, measurement types to
`https://gs1.org/voc/…`, numbers without redundant zeros (`26.0` → `26`), EPC URNs and Digital Link URIs
to the constrained canonical Digital Link (`https://id.gs1.org/01/{gtin14}/21/{serial}`; lot dropped
when a serial is present, CPV and query string dropped). eventID, recordTime, errorDeclaration and
comments do not take part: the same event declared twice, or corrected later, keeps its hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

# A node of the XML-shaped tree the reference implementation hashes: (name, text, children).
# A business transaction / source / destination is a bare list of its (type, value) nodes.
Node = tuple[Any, str, list[Any]]

_QTY = [("quantityElement", [("epcClass", None), ("quantity", None), ("uom", None)])]
_EPC = [("epc", None)]
_ORDER: list[tuple[str, Any]] = [
    ("eventTime", None), ("eventTimeZoneOffset", None), ("certificationInfo", None), ("parentID", None),
    ("epcList", _EPC), ("inputEPCList", _EPC), ("childEPCs", _EPC), ("quantityList", _QTY),
    ("childQuantityList", _QTY), ("inputQuantityList", _QTY), ("outputEPCList", _EPC), ("outputQuantityList", _QTY),
    ("action", None), ("transformationID", None), ("bizStep", None), ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]), ("bizLocation", [("id", None)]),
    ("sensorElementList", [("sensorElement", [
        ("sensorMetadata", [(k, None) for k in (
            "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
            "bizRules")]),
        ("sensorReport", [(k, None) for k in (
            "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time",
            "microorganism", "chemicalSubstance", "value", "component", "stringValue", "booleanValue",
            "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue",
            "uom", "coordinateReferenceSystem")]),
    ])]),
]
_IGNORED = {"recordTime", "eventID", "type", "errorDeclaration"}
_PAIR_LISTS = ("bizTransactionList", "sourceList", "destinationList")


def standard_prefixes() -> dict[str, str]:
    """The prefixes the EPCIS 2.0 root context defines (epcis, cbv, cbvmda → urn:epcglobal:cbv:mda:, gs1 …):
    a document that names only the standard context's URL still means them, as a JSON-LD processor that
    loads that context (the reference implementation does) expands them."""
    ctx = json.loads((resources.files("zhijian.trace") / "data" / "context" / "epcis-context-root.jsonld")
                     .read_text("utf-8"))["@context"]
    return {k: v for k, v in ctx.items()
            if isinstance(v, str) and not k.startswith("@") and v.endswith((":", "/", "#"))}


_STANDARD_NS = standard_prefixes()

# ----------------------------------------------------------------------------------------- vocabularies


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, str]:
    """Bare CBV / GS1 web-vocabulary words → full URI, from the standard's JSON-LD contexts (data/context)."""
    out: dict[str, str] = {}
    base = resources.files("zhijian.trace") / "data" / "context"
    for name in ("cbv-context-bizstep", "cbv-context-disposition", "cbv-context-biztransaction-type",
                 "cbv-context-sourcedest-type", "cbv-context-error-reason", "cbv-context-component",
                 "gs1-context-measurement-type", "gs1-context-sensor-alert-type"):
        ctx = json.loads((base / f"{name}.jsonld").read_text("utf-8"))["@context"]
        prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.startswith("https://")}
        for word, curie in ctx.items():
            if word.startswith("@") or word in prefixes or not isinstance(curie, str):
                continue
            p, _, local = curie.partition(":")
            out[word] = prefixes.get(p, "") + local if p in prefixes else curie
    return out


_VOCAB_FIELDS = {"bizStep", "disposition", "set", "unset", "type", "exception", "component", "reason"}


def _expanded_terms(event: dict[str, Any]) -> frozenset[str]:
    """The web-vocabulary URIs a JSON-LD expansion of the event yields (bizStep, disposition, types, …)."""
    found: set[str] = set()
    _walk_terms(event, "", _vocabulary(), found)
    return frozenset(found)


def _walk_terms(x: Any, key: Any, voc: dict[str, str], found: set[str]) -> None:
    # Hot path of every capture: plain loops, recursion only into containers (strings are checked in place).
    if isinstance(x, dict):
        for k, v in x.items():
            if isinstance(v, str):
                if k in _VOCAB_FIELDS and v in voc:
                    found.add(voc[v])
            elif isinstance(v, dict | list):
                _walk_terms(v, k, voc, found)
    elif isinstance(x, list):
        for v in x:
            if isinstance(v, str):
                if key in _VOCAB_FIELDS and v in voc:
                    found.add(voc[v])
            elif isinstance(v, dict | list):
                _walk_terms(v, key, voc, found)


def _replace_bare(x: Any, by_word: dict[str, str | None]) -> Any:
    """The reference's bare-string step: a string equal to the last segment of exactly one expanded term."""
    if isinstance(x, str):
        return by_word.get(x) or x
    if isinstance(x, list):
        return [_replace_bare(v, by_word) for v in x]
    if isinstance(x, dict):
        return {k: _replace_bare(v, by_word) for k, v in x.items()}
    return x


@lru_cache(maxsize=4096)
def _by_word(terms: frozenset[str]) -> dict[str, str | None]:
    """word → the one term ending in `-word` or `/word` (None when several do, as the reference leaves those)."""
    out: dict[str, str | None] = {}
    for t in terms:
        words = {t[i + 1:] for i, ch in enumerate(t) if ch in "-/"}
        for w in words:
            out[w] = None if w in out and out[w] != t else t
    return out


def expand_curie(value: str, ns: dict[str, str]) -> str:
    """A compact IRI `prefix:suffix` of a declared prefix → the full IRI; anything else as it is. A suffix that
    begins with `//` is an IRI already, whatever prefixes are declared (JSON-LD 1.1 §4.1.3 and IRI expansion
    step 6.2): the reference generator's `ReferenceEventHashAlgorithm.xml` declares a prefix named `https`."""
    p, sep, local = value.partition(":")
    if sep and p in ns and not local.startswith("//"):
        return ns[p] + local
    return value


def _namespaces(context: Any) -> dict[str, str]:
    """Prefix → namespace from the inline objects of a JSON-LD `@context` (a dict is taken as one)."""
    ns: dict[str, str] = {}
    for c in context if isinstance(context, list) else [context]:
        if isinstance(c, dict):
            ns.update({k: v for k, v in c.items() if isinstance(v, str) and not k.startswith("@")})
    return ns


# ----------------------------------------------------------------------------------------- JSON → tree


def _own_name(x: Any, by_word: dict[str, str | None]) -> Any:
    """A node's own name: a dict's `type` (only visible for a dict directly inside a nested list)."""
    if not isinstance(x, dict):
        return ""
    return _replace_bare(x.get("type", ""), by_word)


def _node(x: Any, name: Any, ns: dict[str, str], draft: bool, by_word: dict[str, str | None]) -> Node:
    """The reference's JSON → tree step on `_replace_bare(x, by_word)`, the node named `name`.

    One pass: the bare-word replacement is applied value by value instead of on a copy of the event.
    """
    if isinstance(x, str):
        x = by_word.get(x) or x
        return (name, expand_curie(x, ns), [])
    if isinstance(x, dict):
        return (name, str(_replace_bare(x["#text"], by_word)) if "#text" in x else "",
                _dict_children(x, ns, draft, by_word))
    if isinstance(x, list):
        return (name, "", [_node(v, _own_name(v, by_word), ns, draft, by_word) for v in x])
    return (name, str(x), [])  # Python spelling on purpose (26.0, True), as the reference; numbers normalised later


def _dict_children(x: dict[Any, Any], ns: dict[str, str], draft: bool,
                   by_word: dict[str, str | None]) -> list[Any]:
    children: list[Any] = []
    for key, val in x.items():
        if key in ("#text", "rdfs:comment", "comment") or key.startswith("@"):
            continue
        name = _ns_key(key, ns, draft) if ":" in key else key
        if isinstance(val, str):  # `_node` of a string, inlined (most values)
            val = by_word.get(val) or val
            children.append((name, expand_curie(val, ns) if ":" in val else val, []))
        elif isinstance(val, list):
            for v in val:
                children.append(_node(v, name, ns, draft, by_word))
        else:
            children.append(_node(val, name, ns, draft, by_word))
    return children


def _ns_key(key: str, ns: dict[str, str], draft: bool) -> str:
    p, sep, local = key.partition(":")
    if not (sep and p in ns) or local.startswith("//"):  # an IRI already (see `expand_curie`)
        return key
    return ns[p] + local if draft else "{" + ns[p] + "}" + local


_RENAMED = {"inputEPC": "epc", "outputEPC": "epc", "inputQuantity": "quantityElement",
            "outputQuantity": "quantityElement", "childQuantity": "quantityElement"}


def _correct(node: Node) -> Node:
    """JSON and XML differ in shape; bring the JSON tree to the XML one (json_xml_model_mismatch_correction)."""
    name, text, children = node
    fixed = _correct_children(children) if children else []
    if isinstance(name, str):
        if name in _RENAMED:
            name = _RENAMED[name]
        elif name == "quantity" and fixed:
            name = "quantityElement"
        elif not children:
            return node  # a leaf: nothing to change (trees are never appended to, so sharing `[]` is safe)
    return (name, text, fixed)


def _correct_children(children: list[Any]) -> list[Any]:
    """Other children in order, then the `…List` groups (first appearance order), then childEPCs; corrected.

    Only the standard's own lists are grouped: JSON leaves out their element names (`epcList` of `epc`), while a
    user extension is written the same way in both syntaxes, so `ex:resourceList` holds what it holds
    (the reference generator's XML vector `epcisDocWithTransformationEventWithMultipleExtensions`)."""
    fixed: list[Any] = []
    lists: dict[str, list[Any]] = {}
    epcs: list[Any] = []
    for c in children:
        n = c[0]
        if isinstance(n, str):
            if n.endswith("List") and "}" not in n and "://" not in n:
                if n in lists:
                    lists[n].append((n[:-4], c[1], c[2]))
                else:
                    lists[n] = [(n[:-4], c[1], c[2])]
                continue
            if n == "childEPCs":
                epcs.append(("epc", c[1], []))
                continue
        fixed.append(_correct(c) if c[2] or isinstance(n, str) and n in _RENAMED else c)
    for lname, els in lists.items():
        if lname in _PAIR_LISTS:
            fixed.append((lname, "", [list(e[2]) for e in els]))
        else:
            fixed.append((lname, "", _correct_children(els)))
    if epcs:
        fixed.append(("childEPCs", "", epcs))
    return fixed


# ----------------------------------------------------------------------------------------- values


@lru_cache(maxsize=65536)
def _timestamp(value: str) -> str:
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return value
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    t = t.astimezone(dt.UTC)
    t = t.replace(microsecond=0) + dt.timedelta(microseconds=round(t.microsecond, -3))
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_OLD_CBV = (("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
            ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
            ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
            ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
            ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"))


_NUMERIC = re.compile(r"\s*[-+]?(\d|\.\d|inf|nan)", re.IGNORECASE)


def _number(text: str) -> str:
    if not _NUMERIC.match(text):
        return text
    try:
        f = float(text)
        return str(int(f)) if int(f) == f else str(f)
    except (ValueError, OverflowError):
        return text


_CANONICAL_DL = re.compile(r"https://id\.gs1\.org/(?:01/[0-9]{14}(?:/21/[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3E\x41-\x5A\x5F"
                           r"\x61-\x7A]{1,20})?|00/[0-9]{18})")
"""A serialised unit's, a trade item's or a logistic unit's link already in the constrained canonical form (no CBV
URN, no number, no query): `canonical_value` would return it unchanged (tests/trace/test_canonical_fast_path.py)."""


@lru_cache(maxsize=262144)
def canonical_value(text: str, draft: bool = False) -> str:
    """One value as it enters the pre-hash string (web vocabulary, numbers, Digital Link).

    `draft`: the pre-standard rules GS1's example documents were hashed with (see `event_hash_id`):
    CBV terms as `urn:epcglobal:cbv:` URNs, EPC URNs kept as they are.
    """
    if not draft and _CANONICAL_DL.fullmatch(text):
        return text
    return _parsed_value(text, draft)


def _parsed_value(text: str, draft: bool) -> str:
    if draft:
        for old, new in _OLD_CBV:
            text = text.replace(new, old)
        return _number(text)
    for old, new in _OLD_CBV:
        text = text.replace(old, new)
    text = _number(text)
    return dl_normalise(text) or text


# ----------------------------------------------------------------------------------------- identifiers


def _check(digits: str) -> str:
    s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-s % 10)


def _pct(v: str) -> str:  # GS1 Digital Link §7 table 7-1 characters an EPC URN may carry unescaped
    for c, e in (("!", "%21"), ("(", "%28"), (")", "%29"), ("*", "%2A"), ("+", "%2B"), (",", "%2C"), (":", "%3A")):
        v = v.replace(c, e)
    return v


_URN = re.compile(r"^urn:epc:(id|class|idpat):([a-z]+):(.*)$")
_DL_KEYS = {"gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417", "gsrnp": "8017",
            "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253", "ginc": "401", "gsin": "402", "grai": "8003",
            "giai": "8004", "cpv": "22", "lot": "10", "ser": "21"}
_PRIMARY = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018")
_DL = re.compile(r"^https?://[^/?#]*(?:/[^?#]*?)?/(" + "|".join(_PRIMARY + tuple(k for k, v in _DL_KEYS.items()
                                                                                  if v in _PRIMARY))
                 + r")/(\d{4}[^/?#]*)((?:/[^/?#]+/[^/?#]+)*)/?(?:[?#].*)?$")
_AI_CHARS = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"


_GS1 = "https://id.gs1.org/"


def _fits(p: list[str], parts: int, digits: int | None = None, *, exact: bool = False) -> bool:
    """The URN has `parts` dot-separated parts (at least, or exactly) and company prefix + reference are `digits` long."""
    if len(p) != parts if exact else len(p) < parts:
        return False
    return digits is None or len(p[0] + p[1]) == digits


def _indicator_key(p: list[str]) -> str:
    """GTIN-14 / SSCC-18 style: the reference's first digit (indicator, extension) goes in front, then the check."""
    g = p[1][:1] + p[0] + p[1][1:]
    return g + _check(g)


def _key(p: list[str], lead: str = "") -> str:
    g = lead + p[0] + p[1]
    return g + _check(g)


def _tail(p: list[str], i: int) -> str:
    return _pct(".".join(p[i:]))


def _sgln(p: list[str]) -> str | None:
    if not _fits(p, 3, 12):
        return None
    ext = ".".join(p[2:])
    return f"{_GS1}414/{_key(p)}" + ("" if ext == "0" else f"/254/{_pct(ext)}")


_Converter = Callable[[list[str]], str | None]

_URN_ID: dict[str, _Converter] = {
    "sgtin": lambda p: f"{_GS1}01/{_indicator_key(p)}/21/{_tail(p, 2)}" if _fits(p, 3, 13) and p[0].isdigit()
    else None,
    "sscc": lambda p: f"{_GS1}00/{_indicator_key(p)}" if _fits(p, 2, 17, exact=True) else None,
    "sgln": _sgln,
    "pgln": lambda p: f"{_GS1}417/{_key(p)}" if _fits(p, 2, 12, exact=True) else None,
    "grai": lambda p: f"{_GS1}8003/{_key(p, '0')}{_tail(p, 2)}" if _fits(p, 3, 12) else None,
    "giai": lambda p: f"{_GS1}8004/{p[0]}{_tail(p, 1)}" if _fits(p, 2) else None,
    "gsrn": lambda p: f"{_GS1}8018/{_key(p)}" if _fits(p, 2, 17, exact=True) else None,
    "gsrnp": lambda p: f"{_GS1}8017/{_key(p)}" if _fits(p, 2, 17, exact=True) else None,
    "gdti": lambda p: f"{_GS1}253/{_key(p)}{_tail(p, 2)}" if _fits(p, 3, 12) else None,
    "sgcn": lambda p: f"{_GS1}255/{_key(p)}{p[2]}" if _fits(p, 3, 12, exact=True) else None,
    "cpi": lambda p: f"{_GS1}8010/{_pct(p[0] + p[1])}/8011/{p[2]}" if _fits(p, 3, exact=True) else None,
    "ginc": lambda p: f"{_GS1}401/{p[0]}{_tail(p, 1)}" if _fits(p, 2) else None,
    "gsin": lambda p: f"{_GS1}402/{_key(p)}" if _fits(p, 2, 16, exact=True) else None,
    "itip": lambda p: f"{_GS1}8006/{_indicator_key(p)}{p[2]}{p[3]}/21/{_tail(p, 4)}" if _fits(p, 5, 13) else None,
    "upui": lambda p: f"{_GS1}01/{_indicator_key(p)}/235/{_tail(p, 2)}" if _fits(p, 3, 13) else None,
}
_URN_CLASS: dict[str, _Converter] = {
    "lgtin": lambda p: f"{_GS1}01/{_indicator_key(p)}/10/{_tail(p, 2)}" if _fits(p, 3, 13) else None,
}
_URN_IDPAT: dict[str, _Converter] = {  # patterns ending in `*`: the class the pattern names
    "sgtin": lambda p: f"{_GS1}01/{_indicator_key(p)}" if _fits(p, 3, 13, exact=True) else None,
    "upui": lambda p: f"{_GS1}01/{_indicator_key(p)}" if _fits(p, 3, 13, exact=True) else None,
    "grai": lambda p: f"{_GS1}8003/{_key(p, '0')}" if _fits(p, 3, 12, exact=True) else None,
    "gdti": lambda p: f"{_GS1}253/{_key(p)}" if _fits(p, 3, 12, exact=True) else None,
    "sgcn": lambda p: f"{_GS1}255/{_key(p)}" if _fits(p, 3, 12, exact=True) else None,
    "cpi": lambda p: f"{_GS1}8010/{_pct(p[0] + p[1])}" if _fits(p, 3, exact=True) else None,
    "itip": lambda p: f"{_GS1}8006/{_indicator_key(p)}{p[2]}{p[3]}" if _fits(p, 5, 13, exact=True) else None,
}
_URN_KINDS = {"id": _URN_ID, "class": _URN_CLASS, "idpat": _URN_IDPAT}
"""Per URN kind and scheme (TDS 2.0 §6), the converter to the constrained canonical Digital Link (None: kept)."""


def _urn_to_dl(kind: str, scheme: str, rest: str) -> str | None:
    p = rest.split(".")
    if kind in ("id", "class") and scheme not in ("giai", "cpi", "ginc") and len(p) >= 2 \
            and not (p[0] + p[1]).isdigit():
        return None  # prefix and reference must be digits (an SGLN like 6901234.1a2b3.0 is no GS1 key): kept as is
    if kind == "idpat" and p[-1] != "*":
        return None
    convert = _URN_KINDS.get(kind, {}).get(scheme)
    return convert(p) if convert is not None else None


_CANON_DL = [re.compile(r) for r in (
    r"^https://id\.gs1\.org/00/\d{18}$", rf"^https://id\.gs1\.org/01/\d{{14}}(/(21|10)/{_AI_CHARS}{{0,20}})?$",
    rf"^https://id\.gs1\.org/01/\d{{14}}/235/{_AI_CHARS}{{0,28}}$", rf"^https://id\.gs1\.org/253/\d{{13}}{_AI_CHARS}{{0,17}}$",
    r"^https://id\.gs1\.org/255/\d{13}\d{0,12}$", rf"^https://id\.gs1\.org/(401|8004)/{_AI_CHARS}{{0,30}}$",
    r"^https://id\.gs1\.org/402/\d{17}$", rf"^https://id\.gs1\.org/414/\d{{13}}(/254/{_AI_CHARS}{{0,20}})?$",
    r"^https://id\.gs1\.org/417/\d{13}$", rf"^https://id\.gs1\.org/8003/\d{{14}}{_AI_CHARS}{{0,16}}$",
    rf"^https://id\.gs1\.org/8006/\d{{18}}(/(21|10)/{_AI_CHARS}{{0,20}})?$",
    r"^https://id\.gs1\.org/8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}(/8011/\d{0,12})?$",
    r"^https://id\.gs1\.org/(8017|8018)/\d{18}$")]


# One alternation of the anchored patterns above: matches exactly when one of them does.
_CANON_DL_ANY = re.compile("|".join(f"(?:{r.pattern})" for r in _CANON_DL))


def _dl_to_canonical(uri: str) -> str | None:
    m = _DL.match(uri)
    if not m:
        return None
    key, value, tail = _DL_KEYS.get(m.group(1), m.group(1)), m.group(2), m.group(3) or ""
    segs = [s for s in tail.split("/") if s]
    pairs = [(_DL_KEYS.get(segs[i], segs[i]), segs[i + 1]) for i in range(0, len(segs) - 1, 2)]
    if key == "01" and value.isdigit() and len(value) in (8, 12, 13):
        value = value.zfill(14)
    q = dict(p for p in pairs if p[0] != "22")
    if "21" in q:
        q.pop("10", None)
    out = f"https://id.gs1.org/{key}/{value}" + "".join(f"/{a}/{b}" for a, b in q.items())
    return out if _CANON_DL_ANY.match(out) else None


@lru_cache(maxsize=65536)
def dl_normalise(uri: str) -> str | None:
    """EPC URN / EPC class / EPC pattern / GS1 Digital Link → constrained canonical Digital Link, else None."""
    if "." not in uri:
        return None
    m = _URN.match(uri)
    if m:
        return _urn_to_dl(*m.groups())
    return _dl_to_canonical(uri)


# ----------------------------------------------------------------------------------------- pre-hash


@lru_cache(maxsize=4096)
def _is_time(name: Any) -> bool:
    return isinstance(name, str) and "time" in name.lower() and "offset" not in name.lower()


def _element(child: Node, sub_order: Positions | None, draft: bool) -> str:
    inner = _ordered(child[2], sub_order, draft) if sub_order else ""
    text = child[1].strip() if child[1] else ""
    if text:
        text = "=" + (_timestamp(text) if _is_time(child[0]) else canonical_value(text, draft))
    return child[0] + text + inner if (text or inner) else ""


Positions = dict[str, tuple[int, Any]]


def _positions(order: list[tuple[str, Any]]) -> Positions:
    """An order as name → (rank, sub-order positions | "pairs" | None), computed once at import."""
    return {name: (i, _positions(sub) if isinstance(sub, list) and sub else sub or None)
            for i, (name, sub) in enumerate(order)}


def _ordered(children: list[Any], pos: Positions, draft: bool) -> str:
    """Take the children named in the order `pos` (consuming them), each group sorted; nested extensions last.

    One pass over the children: (rank, string) pairs sorted give the groups in order, each sorted.
    """
    ext = _nested_extensions(children)
    found: list[tuple[int, str]] = []
    kept: list[Any] = []
    consumed = False
    for c in children:
        if not (isinstance(c, tuple) and isinstance(c[0], str)):
            kept.append(c)
            continue
        hit = pos.get(c[0])
        if hit is None:
            kept.append(c)
            continue
        rank, sub = hit
        if sub == "pairs":
            s = _pair_list(c, draft)
            consumed = True
        else:
            if sub:
                s = _element(c, sub, draft)
            else:  # _element of a leaf, inlined
                text = c[1].strip() if c[1] else ""
                s = (c[0] + "=" + (_timestamp(text) if _is_time(c[0]) else canonical_value(text, draft))
                     if text else "")
            if c[2]:
                kept.append(c)
            else:
                consumed = True
        if s:
            found.append((rank, s))
    if consumed:  # what `children.remove` of each consumed child would leave
        children[:] = kept
    if len(found) > 1:
        found.sort()
    out = "".join([f[1] for f in found])
    if ext:
        out += _generic(ext, draft)
    return out


def _pair_list(child: Node, draft: bool) -> str:
    """Draft rules: bizTransactionList & co. in their place, each entry's `name=value` parts sorted."""
    items = sorted("".join(sorted(f"{n[0]}={canonical_value(n[1].strip(), draft)}" for n in pair))
                   for pair in child[2])
    return child[0] + "".join(items) if items else ""


def _nested_extensions(children: list[Any]) -> list[Any]:
    """User extensions inside a standard element (readPoint, sensorReport…) go after that element's fields."""
    if len(children) <= 1:
        return []
    ext = []
    for c in children:  # one pass: the event's own level (eventTime, action) has none
        if isinstance(c, tuple) and isinstance(c[0], str):
            if "eventTime" in c[0] or "action" in c[0]:
                return []
            if "{" in c[0] and "/}" in c[0]:
                ext.append(c)
    for c in ext:
        children.remove(c)
    return ext


def _generic(children: list[Any], draft: bool) -> str:
    values = []
    for child in children:
        if isinstance(child, list):  # a (type, value) pair of a business transaction / source / destination
            values.append(_generic(child, draft))
            continue
        text = child[1].strip()
        values.append(child[0] + ("=" + canonical_value(text, draft) if text else "") + _generic(child[2], draft))
    if len(children) > 1 and not any(isinstance(c, tuple) and c[0] in ("bizTransaction", "source", "destination")
                                     for c in children):
        values.sort()
    return "".join(values)


_DRAFT_ORDER = _ORDER[:19] + [(k, "pairs") for k in _PAIR_LISTS] + _ORDER[19:]
_ORDER_POS = _positions(_ORDER)
_DRAFT_ORDER_POS = _positions(_DRAFT_ORDER)


def prehash_string(event: dict[str, Any], context: Any = None, *, draft: bool = False) -> str:
    """The canonical pre-hash string of CBV 2.0 §8.9 (what is hashed); arguments as in `event_hash_id`."""
    return _prehash(event, _document_ns(context), draft)


def _document_ns(context: Any) -> dict[str, str]:
    return {**_STANDARD_NS, **_namespaces(context)} if context is not None else dict(_STANDARD_NS)


def _prehash(event: dict[str, Any], ns: dict[str, str], draft: bool) -> str:
    if isinstance(event.get("@context"), list | dict):
        ns = {**ns, **_namespaces(event["@context"])}
    children = _correct_children(_dict_children(event, ns, draft, _by_word(_expanded_terms(event))))
    head = "eventType=" + str(event.get("type", "")) + _ordered(children, _DRAFT_ORDER_POS if draft else _ORDER_POS, draft)
    rest = [c for c in children if not (isinstance(c, tuple) and c[0] in _IGNORED)]
    return head + (_generic(rest, draft) if rest else "")


def event_hasher(context: Any = None) -> Callable[[dict[str, Any]], str]:
    """`event_hash_id(event, context)` for the events of one document, its namespaces resolved once (a capture
    hashes a thousand events under one context)."""
    ns = _document_ns(context)

    def hash_id(event: dict[str, Any]) -> str:
        return "ni:///sha-256;" + hashlib.sha256(_prehash(event, ns, False).encode("utf-8")).hexdigest() + "?ver=CBV2.0"

    return hash_id


def event_hash_id(event: dict[str, Any], context: Any = None, *, draft: bool = False) -> str:
    """`ni:///sha-256;{hex}?ver=CBV2.0` of one EPCIS 2.0 JSON-LD event (CBV 2.0 §8.9, Event hash ID).

    `context` is the document's JSON-LD `@context` (string, object or list; a plain prefix → namespace
    dict works too): its inline prefixes expand user-extension names (`example:f` → `{http://…/}f`).
    Behaviour follows GS1's reference implementation (github.com/RalphTro/epcis-event-hash-generator);
    see the module docstring for the canonicalisation rules.

    `draft=True` applies the pre-standard draft rules with which the IDs printed in GS1's EPCIS 2.0
    example documents were computed (EPC URNs not converted to Digital Link, CBV terms as
    `urn:epcglobal:cbv:` URNs, extension names as `namespace + localName`, business transactions in
    their place with `bizTransaction=` before `type=`). It exists to check those IDs; new events get
    the standard's ID (the default).
    """
    pre = prehash_string(event, context, draft=draft)
    return "ni:///sha-256;" + hashlib.sha256(pre.encode("utf-8")).hexdigest() + "?ver=CBV2.0"
