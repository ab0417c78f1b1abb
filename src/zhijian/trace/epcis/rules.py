"""GS1 EPCIS 2.0 / CBV 2.0 in pure functions: validation, vocabularies, identifiers, the event hash ID, formats.

- Validation against the standard's JSON schema (copied unmodified into `data/`, see data/SOURCE.md),
  plus the CBV vocabulary check the schema cannot do without a URI format checker.
- Identifiers: EPC URNs (TDS 2.0) are translated to canonical GS1 Digital Link URIs
  (`https://id.gs1.org/...`); a Digital Link on any host is reduced to the same canonical form.
  The index stores the canonical form, so a query may use either.
- Event hash ID: CBV 2.0 §8.9, in `zhijian.trace.epcis.event_hash` (re-exported here): reproduces the pre-hash
  strings of GS1's reference implementation (github.com/RalphTro/epcis-event-hash-generator) bit for bit.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from zhijian.platform.errors import DomainError
from zhijian.trace.epcis.event_hash import event_hash_id as event_hash_id  # re-exported: the capture hashes here
from zhijian.trace.epcis.event_hash import prehash_string as prehash_string
from zhijian.trace.epcis.event_hash import standard_prefixes as standard_prefixes
from zhijian.trace.epcis.event_hash_fast import event_hasher as event_hasher  # the fast path (issue #23)
from zhijian.trace.rules import gtin_check_digit

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
CANON = "https://id.gs1.org"


class EpcisError(DomainError):
    """An error of the EPCIS REST binding: problem+json whose `type` is `epcisException:<Name>`."""

    def __init__(self, exception: str, message_zh: str, message_en: str, *, status: int = 400,
                 field: str | None = None, extra: dict[str, Any] | None = None) -> None:
        code = "epcis." + re.sub(r"(?<!^)(?=[A-Z])", "_", exception.removesuffix("Exception")).lower()
        super().__init__(code, message_zh, message_en, status=status, field=field,
                         extra={"type": f"epcisException:{exception}", **(extra or {})})


def validation_error(zh: str, en: str, *, field: str | None = None, errors: list[str] | None = None) -> EpcisError:
    return EpcisError("ValidationException", zh, en, field=field, extra={"errors": errors or []})


# ---------------------------------------------------------------- schema and vocabularies


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("zhijian.trace").joinpath("data/EPCIS-JSON-Schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@lru_cache(maxsize=1)
def _validators() -> tuple[Any, Any]:
    from jsonschema import Draft7Validator

    full = schema()
    doc_v = Draft7Validator(full)
    event_schema = {"$ref": "#/definitions/EPCIS-Document-Event", "definitions": full["definitions"]}
    ev_v = Draft7Validator(event_schema)
    return doc_v, ev_v


@lru_cache(maxsize=1)
def _compiled() -> tuple[Any, Any] | None:
    """The same two validators compiled by jsonschema-rs (Rust, ~2 µs an event against ~30 µs for the shape
    memo below and ~3 ms for jsonschema), formats unchecked as above; None where it is not installed.

    Only its "valid" is taken as is. Where it refuses, jsonschema decides (and words the error): the two may
    differ where Python's `re` is more lenient (`$` before a final newline), never the other way for this
    schema's patterns (ASCII classes, `\\d`, look-aheads) and JSON values."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - installed with the project
        return None
    full = schema()
    event_schema = {"$ref": "#/definitions/EPCIS-Document-Event", "definitions": full["definitions"]}
    return (jsonschema_rs.Draft7Validator(full, validate_formats=False),
            jsonschema_rs.Draft7Validator(event_schema, validate_formats=False))


def _compiled_valid(which: int, instance: Any) -> bool:
    """jsonschema-rs's verdict (False when unavailable or when the value is not JSON it can read)."""
    compiled = _compiled()
    if compiled is None:
        return False
    try:
        return bool(compiled[which].is_valid(instance))
    except (ValueError, TypeError, OverflowError):
        return False


def _cbv_enum(name: str) -> frozenset[str]:
    for alt in schema()["definitions"][name]["anyOf"]:
        if "enum" in alt:
            return frozenset(alt["enum"])
    return frozenset()


@lru_cache(maxsize=1)
def vocabularies() -> dict[str, frozenset[str]]:
    return {"bizStep": _cbv_enum("bizStep"), "disposition": _cbv_enum("disposition"),
            "bizTransaction": _cbv_enum("bizTransaction-type"), "sourceDest": _cbv_enum("source-dest-type"),
            "errorReason": _cbv_enum("error-reason")}


VOC_PREFIX = {"bizStep": "https://ref.gs1.org/cbv/BizStep-", "disposition": "https://ref.gs1.org/cbv/Disp-",
              "bizTransaction": "https://ref.gs1.org/cbv/BTT-", "sourceDest": "https://ref.gs1.org/cbv/SDT-",
              "errorReason": "https://ref.gs1.org/cbv/ER-"}
"""CBV 2.0 §6 web vocabulary URIs (the `cbv:` namespace of the EPCIS 2.0 JSON-LD context)."""
_OLD_URN = {"bizStep": "urn:epcglobal:cbv:bizstep:", "disposition": "urn:epcglobal:cbv:disp:",
            "bizTransaction": "urn:epcglobal:cbv:btt:", "sourceDest": "urn:epcglobal:cbv:sdt:",
            "errorReason": "urn:epcglobal:cbv:er:"}
_DRAFT = {"bizStep": "https://ns.gs1.org/voc/Bizstep-", "disposition": "https://ns.gs1.org/voc/Disp-",
          "bizTransaction": "https://ns.gs1.org/voc/BTT-", "sourceDest": "https://ns.gs1.org/voc/SDT-",
          "errorReason": "https://ns.gs1.org/voc/ER-"}
_CBV_WEB = "https://ref.gs1.org/cbv/"
_SPELLINGS = {kind: tuple(p.lower() for p in (VOC_PREFIX[kind], "cbv:" + VOC_PREFIX[kind][len(_CBV_WEB):],
                                                 "http://" + VOC_PREFIX[kind][len("https://"):],
                                                 _OLD_URN[kind], _DRAFT[kind]))
              for kind in VOC_PREFIX}


@lru_cache(maxsize=8192)
def vocab_short(kind: str, value: str) -> str:
    """A CBV term in its short JSON-LD form (`shipping`), from any of its spellings.

    Bare (`shipping`), CBV 2.0 web URI (`https://ref.gs1.org/cbv/BizStep-shipping`), CURIE
    (`cbv:BizStep-shipping`), CBV 1.x URN (`urn:epcglobal:cbv:bizstep:shipping`) and the pre-standard draft
    namespace are one term: capture and query both normalise through here, so no spelling misses another.
    A user vocabulary URI is returned unchanged.
    """
    low = value.lower()
    for prefix in _SPELLINGS[kind]:
        if low.startswith(prefix):
            short = value[len(prefix):]
            return short if short in vocabularies()[kind] else value
    return value


def vocab_full(kind: str, value: str) -> str:
    short = vocab_short(kind, value)
    return VOC_PREFIX[kind] + short if short in vocabularies()[kind] else value


@lru_cache(maxsize=4096)
def _term_ok(kind: str, value: str) -> bool:
    """A CBV term of the kind (any spelling), or a user vocabulary term, which must be a URI (CURIE or absolute)."""
    return vocab_short(kind, value) in vocabularies()[kind] or ":" in value


def _check_term(kind: str, value: Any, i: int, where: str, errors: list[str]) -> None:
    if isinstance(value, str) and not _term_ok(kind, value):  # the message only for an error (the hot path)
        errors.append(f"eventList[{i}].{where}: '{value}' is not a CBV {kind} term and not a URI")


_TERM_HOLDERS = frozenset({"persistentDisposition", "bizTransactionList", "sourceList", "destinationList",
                           "errorDeclaration"})


def _vocab_errors(event: dict[str, Any], i: int) -> list[str]:
    if event.keys().isdisjoint(_TERM_HOLDERS):  # most events: only bizStep and disposition to check
        step, disp = event.get("bizStep"), event.get("disposition")
        if (not isinstance(step, str) or _term_ok("bizStep", step)) \
                and (not isinstance(disp, str) or _term_ok("disposition", disp)):
            return []
    errors: list[str] = []
    _check_term("bizStep", event.get("bizStep"), i, "bizStep", errors)
    _check_term("disposition", event.get("disposition"), i, "disposition", errors)
    pd = event.get("persistentDisposition") or {}
    for key in ("set", "unset"):
        for v in pd.get(key, []) if isinstance(pd, dict) else []:
            _check_term("disposition", v, i, f"persistentDisposition.{key}", errors)
    for bt in event.get("bizTransactionList") or []:
        if isinstance(bt, dict):
            _check_term("bizTransaction", bt.get("type"), i, "bizTransactionList.type", errors)
    for key in ("sourceList", "destinationList"):
        for sd in event.get(key) or []:
            if isinstance(sd, dict):
                _check_term("sourceDest", sd.get("type"), i, f"{key}.type", errors)
    err = event.get("errorDeclaration")
    if isinstance(err, dict) and "reason" in err:
        _check_term("errorReason", err["reason"], i, "errorDeclaration.reason", errors)
    return errors


def _schema_messages(errors: list[Any]) -> list[str]:
    out = []
    for e in errors[:10]:
        path = "/".join(str(p) for p in e.absolute_path) or "(document)"
        out.append(f"{path}: {e.message[:300]}")
    return out


def document_events(doc: Any) -> list[dict[str, Any]]:
    """The event list of an EPCISDocument (or of an EPCISQueryDocument's results)."""
    body = doc.get("epcisBody") if isinstance(doc, dict) else None
    if not isinstance(body, dict):
        return []
    if "eventList" in body:
        return body.get("eventList") or []
    return ((body.get("queryResults") or {}).get("resultsBody") or {}).get("eventList") or []


@lru_cache(maxsize=1)
def _schema_features() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """Every enum string and every pattern of the schema: all a string value is judged on (formats are not
    checked), so two events with the same shape under these features get the same verdict."""
    enums: set[str] = set()
    patterns: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "enum" and isinstance(v, list):
                    enums.update(e for e in v if isinstance(e, str))
                elif k == "pattern" and isinstance(v, str):
                    patterns.add(v)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(schema())
    return frozenset(enums), tuple(re.compile(p) for p in sorted(patterns))


@lru_cache(maxsize=65536)
def _str_shape(x: str) -> tuple[Any, ...]:
    enums, patterns = _schema_features()
    return ("s", x if x in enums else None, tuple([p.search(x) is not None for p in patterns]))


def _shape(x: Any) -> Any:
    t = type(x)  # exact JSON types first (the hot path); subclasses and the rest below, as before
    if t is str:
        return _str_shape(x)
    if t is dict:
        return ("d", frozenset([(k, _shape(v)) for k, v in x.items()]))
    if t is list:
        return _list_shape(x)
    if isinstance(x, str):
        return _str_shape(x)
    if isinstance(x, bool):
        return ("b",)
    if isinstance(x, int):
        return ("i",)
    if isinstance(x, float):
        return ("f",)
    if x is None:
        return ("n",)
    if isinstance(x, list):
        return _list_shape(x)
    if isinstance(x, dict):
        return ("d", frozenset((k, _shape(v)) for k, v in x.items()))
    return ("?", repr(type(x)))


def _list_shape(x: list[Any]) -> Any:
    try:
        unique = len({json.dumps(v, sort_keys=True) if not isinstance(v, str) else v for v in x}) == len(x)
    except TypeError:
        unique = False
    return ("l", min(len(x), 2), unique, frozenset([_shape(v) for v in x]))


_VALID_SHAPES: dict[Any, bool] = {}


def _event_valid_fast(event: Any) -> bool:
    """Schema verdict for one event: jsonschema-rs's "valid", else jsonschema's, memoised by the event's shape
    (see `_schema_features`); 10 000 shapes kept."""
    if _compiled_valid(1, event):
        return True
    key = _shape(event)
    hit = _VALID_SHAPES.get(key)
    if hit is not None:
        return hit
    _, ev_v = _validators()
    ok = bool(ev_v.is_valid(event))
    if len(_VALID_SHAPES) > 10_000:
        _VALID_SHAPES.clear()
    _VALID_SHAPES[key] = ok
    return ok


def validate_document(doc: Any) -> None:
    """Schema + vocabulary validation of a whole capture document (ValidationException, 400).

    The envelope is validated with its first event; each event is validated on its own against the
    schema's event definition, memoised by shape (jsonschema costs ~3 ms per event otherwise).
    """
    validate_envelope(doc)
    events = document_events(doc)
    if isinstance(events, list):
        for i, ev in enumerate(events[1:], start=1):
            if not _event_valid_fast(ev):
                errs = list(_validators()[0].iter_errors(doc))
                if not errs:  # the event definitions agree with the document schema; keep its message
                    raise validation_error(f"eventList[{i}] 不符合标准 JSON Schema", f"eventList[{i}] fails the schema")
                _raise_schema(errs)
    kinds = [_type_error(i) for i, ev in enumerate(document_events(doc))
             if not isinstance(ev, dict) or ev.get("type") not in EVENT_TYPES]
    if kinds:
        raise validation_error(f"事件类型应为 EPCIS 2.0 的五种事件之一：{kinds[0]}",
                               f"not one of EPCIS 2.0's five event types: {kinds[0]}", errors=kinds)
    vocab: list[str] = []
    prefixes = document_prefixes(doc.get("@context"))
    for i, ev in enumerate(document_events(doc)):
        vocab.extend(_vocab_errors(ev, i))
        vocab.extend(namespace_errors(ev, i, prefixes))
    if vocab:
        raise validation_error(f"未知的 CBV 词汇：{vocab[0]}", f"unknown vocabulary term: {vocab[0]}", errors=vocab)


def validate_envelope(doc: Any) -> None:
    """The first step of `validate_document`: the document's type and its envelope with the first event against
    the schema (the whole document when it has one event or none). A capture that checks the other events one by
    one with `event_valid` as it stores them, and calls `validate_document` as soon as one fails, refuses exactly
    the documents `validate_document` refuses, with the same error."""
    if not isinstance(doc, dict):
        raise validation_error("EPCIS 文档必须是 JSON 对象", "an EPCIS document must be a JSON object")
    if doc.get("type") not in ("EPCISDocument", "EPCISQueryDocument"):
        raise validation_error("文档类型应为 EPCISDocument", "document type must be EPCISDocument", field="type")
    events = document_events(doc)
    envelope = doc
    if isinstance(events, list) and len(events) > 1:  # a shallow copy whose event list holds the first event
        body = dict(doc["epcisBody"])
        if "eventList" in body:
            body["eventList"] = events[:1]
        else:
            results = dict(body["queryResults"])
            results["resultsBody"] = {**results["resultsBody"], "eventList": events[:1]}
            body["queryResults"] = results
        envelope = {**doc, "epcisBody": body}
    if _compiled_valid(0, envelope):
        return
    errs = sorted(_validators()[0].iter_errors(envelope), key=lambda e: list(e.absolute_path))
    if errs:
        _raise_schema(errs)


def _raise_schema(errs: list[Any]) -> None:
    msgs = _schema_messages(errs)
    raise validation_error(f"EPCIS 文档不符合标准 JSON Schema：{msgs[0]}",
                           f"EPCIS document fails the standard's JSON schema: {msgs[0]}", errors=msgs)


def event_valid(event: Any, i: int, prefixes: frozenset[str]) -> bool:
    """Whether event `i` of a document whose envelope passed `validate_envelope` passes `validate_document`'s
    checks of it (schema for events after the first, memoised by shape; CBV vocabulary; namespaces)."""
    if i and not _event_valid_fast(event):
        return False
    return isinstance(event, dict) and event.get("type") in EVENT_TYPES and not _vocab_errors(event, i) \
        and not namespace_errors(event, i, prefixes)


_STANDARD_PREFIXES = frozenset(standard_prefixes())


def document_prefixes(context: Any) -> frozenset[str]:
    """The namespace prefixes a document may use: the standard context's and those it declares itself."""
    return _STANDARD_PREFIXES | frozenset(context_namespaces(context))


STANDARD_FIELDS = frozenset({
    "@context", "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "certificationInfo", "action",
    "parentID", "epcList", "childEPCs", "inputEPCList", "outputEPCList", "quantityList", "childQuantityList",
    "inputQuantityList", "outputQuantityList", "transformationID", "bizStep", "disposition", "persistentDisposition",
    "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList", "sensorElementList", "ilmd",
    "errorDeclaration"})


def _qualified(key: str, prefixes: frozenset[str]) -> bool:
    if key.startswith(("http://", "https://", "urn:")):
        return True
    prefix, sep, local = key.partition(":")
    return bool(sep and local and prefix in prefixes)


def namespace_errors(event: dict[str, Any], i: int, prefixes: frozenset[str]) -> list[str]:
    """User extension and ILMD fields must be namespaced (EPCIS 2.0 §7.3.6, §9.2: a CURIE of a declared
    prefix, or an absolute IRI) — a bare `lotNumber` in ILMD means nothing another repository can read."""
    own = prefixes | frozenset(context_namespaces(event.get("@context"))) if "@context" in event else prefixes
    errors = [f"eventList[{i}].{k}: extension field without a declared namespace"
              for k in event if k not in STANDARD_FIELDS and not k.startswith("@") and not _qualified(k, own)]
    ilmd = event.get("ilmd")
    if isinstance(ilmd, dict):
        errors.extend(f"eventList[{i}].ilmd.{k}: ILMD field without a declared namespace"
                      for k in ilmd if not k.startswith("@") and not _qualified(k, own))
    return errors


def _type_error(i: int) -> str:
    """The schema's `Extended-Event` lets any other type through (its `format: uri` is not asserted), but the
    repository indexes, traces and answers only the standard's five, as the XML binding and POST /events do."""
    return f"eventList[{i}].type: must be one of {', '.join(EVENT_TYPES)}"


def event_errors(event: Any, i: int = 0, prefixes: frozenset[str] = _STANDARD_PREFIXES) -> list[str]:
    """Errors of one event (for GS1-Capture-Error-Behaviour: proceed, and for POST /events)."""
    if not isinstance(event, dict):
        return [f"eventList[{i}]: not an object"]
    if event.get("type") in EVENT_TYPES and _event_valid_fast(event):
        return _vocab_errors(event, i) + namespace_errors(event, i, prefixes)
    _, ev_v = _validators()
    errs = list(ev_v.iter_errors(event))
    if event.get("type") not in EVENT_TYPES:
        return [_type_error(i)]
    if errs:
        return [f"eventList[{i}]." + m for m in _schema_messages(errs)]
    return _vocab_errors(event, i) + namespace_errors(event, i, prefixes)


# ---------------------------------------------------------------- identifiers (EPC URN ↔ Digital Link)


def _gs1_key(prefix: str, ref: str, leading: str = "") -> str:
    body = leading + prefix + ref
    return body + gtin_check_digit(body)


_DL_SAFE = re.compile(r"[A-Za-z0-9_.~!$'()*+,;:@=-]*")


def _dl_enc(v: str) -> str:
    if _DL_SAFE.fullmatch(v):  # nothing to unquote (no %) and nothing quote() would escape
        return v
    return quote(unquote(v), safe="-._~!$'()*+,;:@=")


# An http(s) URL whose path `urlsplit` would return unchanged: plain ASCII host, no tab/CR/LF, no ?/#.
_SIMPLE_URL = re.compile(r"https?://[A-Za-z0-9.:@%_~!$&'()*+,;=-]*(/[^?#\t\r\n]*)?")


def _url_path(v: str) -> str:
    m = _SIMPLE_URL.fullmatch(v)
    if m:
        return m.group(1) or ""
    return urlsplit(v).path


_URN = re.compile(r"^urn:epc:(id|idpat|class):([a-z]+):(.+)$")


_DL_KEEP = {"01": ("22", "10", "21"), "414": ("254",), "8003": (), "00": ()}  # qualifiers kept, in order


def canonical_id(value: str) -> str:
    """EPC URN or Digital Link → canonical Digital Link (`https://id.gs1.org/...`); others unchanged."""
    if not isinstance(value, str):
        return value
    if _CANONICAL_DL.fullmatch(value):  # most identifiers, each seen once: not worth a place in the cache
        return value
    return _canonical_id(value)


def _sgtin(p: list[str]) -> str:
    cp, ir, serial = p
    return f"{CANON}/01/{_gs1_key(cp, ir[1:], ir[0])}" + ("" if serial == "*" else f"/21/{_dl_enc(serial)}")


def _sgln(p: list[str]) -> str:
    cp, lr, ext = p
    return f"{CANON}/414/{_gs1_key(cp, lr)}" + ("" if ext in ("0", "*") else f"/254/{_dl_enc(ext)}")


_URN_SCHEMES: dict[str, tuple[int, Callable[[list[str]], str]]] = {
    "sgtin": (3, _sgtin),
    "lgtin": (3, lambda p: f"{CANON}/01/{_gs1_key(p[0], p[1][1:], p[1][0])}/10/{_dl_enc(p[2])}"),
    "sscc": (2, lambda p: f"{CANON}/00/{_gs1_key(p[0], p[1][1:], p[1][0])}"),
    "sgln": (3, _sgln),
    "pgln": (2, lambda p: f"{CANON}/417/{_gs1_key(p[0], p[1])}"),
    "grai": (3, lambda p: f"{CANON}/8003/0{_gs1_key(p[0], p[1])}{_dl_enc(p[2])}"),
    "giai": (2, lambda p: f"{CANON}/8004/{p[0]}{_dl_enc(p[1])}"),
    "gdti": (3, lambda p: f"{CANON}/253/{_gs1_key(p[0], p[1])}{_dl_enc(p[2])}"),
    "gsrn": (2, lambda p: f"{CANON}/8018/{_gs1_key(p[0], p[1])}"),
}
"""EPC URN scheme (TDS 2.0) → (number of dot-separated parts, canonical Digital Link of those parts)."""

_DL_PRIMARY = ("01", "00", "414", "417", "8003", "8004", "253", "8018")


def _urn_canonical(v: str, scheme: str, rest: str) -> str:
    parts = rest.split(".")
    known = _URN_SCHEMES.get(scheme)
    if known is None or len(parts) != known[0]:
        return v
    try:
        return known[1](parts)
    except (ValueError, IndexError):
        return v


def _dl_qualifiers(primary: str, rest: list[str]) -> list[tuple[str, str]]:
    """The key qualifiers a canonical link keeps, in GS1's order (GTIN + serial identifies the unit: 22, 10 go)."""
    keep = _DL_KEEP.get(primary, ())
    q = [(a, _dl_enc(b)) for a, b in zip(rest[::2], rest[1::2], strict=True) if a in keep]
    if any(a == "21" for a, _ in q):
        q = [(a, b) for a, b in q if a == "21"]
    if len(q) > 1:
        order = {a: n for n, a in enumerate(keep)}
        q.sort(key=lambda ab: order[ab[0]])
    return q


def _dl_canonical(v: str) -> str:
    segs = [s for s in _url_path(v).split("/") if s]
    i = next((i for i, s in enumerate(segs) if s in _DL_PRIMARY and i + 1 < len(segs)), None)
    if i is None or len(segs[i + 2:]) % 2:
        return v
    primary, key = segs[i], segs[i + 1]
    if primary == "01" and key.isdigit() and len(key) in (8, 12, 13):
        key = key.zfill(14)
    return f"{CANON}/{primary}/{key}" + "".join(f"/{a}/{b}" for a, b in _dl_qualifiers(primary, segs[i + 2:]))


_CANONICAL_DL = re.compile(r"https://id\.gs1\.org/(?:01/[0-9]{14}(?:/21/[A-Za-z0-9_.~!$'()*+,;:@=-]+)?|00/[0-9]{18})")
"""A unit's, a trade item's or a logistic unit's link already in canonical form (what a capture mostly carries):
the parse below would return it unchanged (tests/trace/test_canonical_fast_path.py)."""


@lru_cache(maxsize=262144)
def _canonical_id(value: str) -> str:
    return value if _CANONICAL_DL.fullmatch(value) else _parsed_id(value)


def _parsed_id(value: str) -> str:
    v = value.strip()
    m = _URN.match(v)
    if m:
        return _urn_canonical(v, m.group(2), m.group(3))
    if v.startswith(("http://", "https://")):
        return _dl_canonical(v)
    return v


def id_pattern(value: str) -> tuple[str, bool]:
    """A MATCH_ value → (canonical id or prefix, is_prefix). `urn:epc:idpat:sgtin:cp.ir.*` is a class pattern."""
    v = value.strip()
    if v.startswith("urn:epc:idpat:"):
        if v.endswith(".*"):
            body = v.replace("urn:epc:idpat:", "urn:epc:id:", 1)
            canon = canonical_id(body)
            if canon != body:
                return canon.rstrip("/") + ("/" if not canon.endswith("/") else ""), True
        return v, False
    if v.endswith("*"):
        return canonical_id(v[:-1]), True
    return canonical_id(v), False


def gtin_serial_of(canon: str) -> tuple[str, str | None, str | None] | None:
    """(gtin, lot, serial) of a canonical trade-item Digital Link, else None."""
    if not canon.startswith(CANON + "/01/"):
        return None
    segs = canon[len(CANON) + 1:].split("/")
    vals = dict(zip(segs[2::2], segs[3::2], strict=False))
    return segs[1], (unquote(vals["10"]) if "10" in vals else None), (unquote(vals["21"]) if "21" in vals else None)


def sgtin_urn_free(gtin: str, serial: str) -> str:
    return f"{CANON}/01/{gtin}/21/{_dl_enc(serial)}"


# ---------------------------------------------------------------- time


def parse_time(value: Any, field: str = "eventTime") -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise validation_error(f"时间格式错误：{value}", f"invalid date-time: {value}", field=field) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC)


def utc_ms(value: Any) -> str:
    return parse_time(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- event hash ID (CBV 2.0 §8.9)
# Implemented in `zhijian.trace.event_hash` (imported at the top and re-exported): the capture service calls
# `E.event_hash_id(event, namespaces)`.


def context_namespaces(context: Any) -> dict[str, str]:
    ns: dict[str, str] = {}
    for c in context if isinstance(context, list) else [context]:
        if isinstance(c, dict):
            ns.update({k: v for k, v in c.items() if isinstance(v, str)})
    return ns

# ---------------------------------------------------------------- GS1-EPC-Format (REST binding)

EPC_FORMATS = ("No_Preference", "Always_GS1_Digital_Link", "Always_EPC_URN", "Never_Translates")
_ID_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QTY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def _map_ids(event: dict[str, Any], fn: Any) -> dict[str, Any]:
    out = dict(event)
    for key in _ID_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [fn(v) for v in out[key]]
    for key in _QTY_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [{**q, "epcClass": fn(q["epcClass"])} if isinstance(q, dict) and "epcClass" in q else q
                        for q in out[key]]
    if isinstance(out.get("parentID"), str):
        out["parentID"] = fn(out["parentID"])
    for key in ("readPoint", "bizLocation"):
        if isinstance(out.get(key), dict) and "id" in out[key]:
            out[key] = {**out[key], "id": fn(out[key]["id"])}
    for key, item in (("sourceList", "source"), ("destinationList", "destination")):
        if isinstance(out.get(key), list):
            out[key] = [{**sd, item: fn(sd[item])} if isinstance(sd, dict) and item in sd else sd for sd in out[key]]
    return out


def negotiate_epc_format(requested: str | None) -> str:
    """What a query answers in, from the request's GS1-EPC-Format header (binding: absent means
    Always_GS1_Digital_Link). `No_Preference` and `Never_Translates` return identifiers as captured.

    EPC URNs need the GS1 Company Prefix length to be made from a Digital Link, which a URI does not carry:
    `Always_EPC_URN` is refused with 406 (NotAcceptableException) rather than answered half-translated.
    """
    fmt = (requested or "Always_GS1_Digital_Link").strip()
    if fmt not in EPC_FORMATS:
        raise EpcisError("QueryParameterException", f"GS1-EPC-Format 取值无效：{fmt}", f"invalid GS1-EPC-Format: {fmt}")
    if fmt == "Always_EPC_URN":
        raise EpcisError("NotAcceptableException", "本库不能把数字链接转换为 EPC URN（需要厂商识别代码长度）",
                         "this repository cannot translate Digital Links to EPC URNs (needs the GS1 Company "
                         "Prefix length)", status=406)
    return "Always_GS1_Digital_Link" if fmt == "Always_GS1_Digital_Link" else "Never_Translates"


def format_event(event: dict[str, Any], epc_format: str) -> dict[str, Any]:
    """An event as captured, its identifiers as canonical Digital Links when that was negotiated."""
    return _map_ids(event, canonical_id) if epc_format == "Always_GS1_Digital_Link" else event
