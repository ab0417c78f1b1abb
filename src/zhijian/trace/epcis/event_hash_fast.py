"""The CBV 2.0 event hash ID of the common event shapes without the XML-shaped tree (issue #23: the capture's hot path).

`event_hash._prehash` (the reference, kept unchanged) turns an event into the tree GS1's reference implementation
builds, corrects its JSON/XML differences, then walks it in the canonical order. For the events a capture sees
almost always — the standard fields with plain values: string fields, EPC lists, quantity lists, readPoint /
bizLocation with only an `id`, persistentDisposition, business transactions, sources and destinations, top-level
user extensions with a plain value, and an errorDeclaration (which takes no part in the hash) — `fast_prehash`
writes the same pre-hash string straight from the JSON: each field's string in its place of the canonical order,
the other fields sorted after them. Any other shape (ILMD, sensor data, nested extensions, a field of an
unexpected type …) answers None and the reference path hashes it, so the ID is the reference's in every case
(tests/trace/test_event_hash_fast.py compares both on GS1's examples and on randomised events).

Why each rule holds, in the reference's terms (for these shapes):
- every event field is one child of the event (a list's elements are grouped back into one `…List` node), so each
  rank of `_ORDER` holds at most one string and the ranks' order is the output order;
- a leaf is `name=value` (eventTime as a UTC millisecond timestamp), an empty or blank value is left out, a group
  is its name followed by its elements' strings sorted, and is left out when they are all empty;
- every such child is consumed by the ordered pass, so the rest (`_generic`) holds the business transactions,
  sources, destinations and extensions: each pair keeps its fields in document order, the pairs of a list and the
  rest's strings are sorted;
- the bare-word replacement and the prefix expansion apply to every string value, as `_dict_children` does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from zhijian.trace.epcis.event_hash import (
    _CANONICAL_DL,
    _VOCAB_FIELDS,
    _by_word,
    _document_ns,
    _is_time,
    _namespaces,
    _ns_key,
    _prehash,
    _timestamp,
    _vocabulary,
    _walk_terms,
    canonical_value,
    expand_curie,
)

_LEAF, _EPCS, _QTYS, _LOC, _PD, _PAIRS, _IGNORE = range(7)
# field → (kind, rank in the canonical order `event_hash._ORDER`)
_FIELDS: dict[str, tuple[int, int]] = {
    "eventTime": (_LEAF, 0), "eventTimeZoneOffset": (_LEAF, 1), "certificationInfo": (_LEAF, 2),
    "parentID": (_LEAF, 3), "epcList": (_EPCS, 4), "inputEPCList": (_EPCS, 5), "childEPCs": (_EPCS, 6),
    "quantityList": (_QTYS, 7), "childQuantityList": (_QTYS, 8), "inputQuantityList": (_QTYS, 9),
    "outputEPCList": (_EPCS, 10), "outputQuantityList": (_QTYS, 11), "action": (_LEAF, 12),
    "transformationID": (_LEAF, 13), "bizStep": (_LEAF, 14), "disposition": (_LEAF, 15),
    "persistentDisposition": (_PD, 16), "readPoint": (_LOC, 17), "bizLocation": (_LOC, 18),
    "bizTransactionList": (_PAIRS, 0), "sourceList": (_PAIRS, 0), "destinationList": (_PAIRS, 0),
    "type": (_IGNORE, 0), "eventID": (_IGNORE, 0), "recordTime": (_IGNORE, 0), "errorDeclaration": (_IGNORE, 0),
}
_SKIPPED = frozenset({"#text", "rdfs:comment", "comment"})
_QTY_RANK = {"epcClass": 0, "quantity": 1, "uom": 2}
_PAIR_ITEM = {"bizTransactionList": "bizTransaction", "sourceList": "source", "destinationList": "destination"}
_VOC_KEYS = _VOCAB_FIELDS


class _Shape(Exception):
    """The event is not of a shape `fast_prehash` writes: the reference path hashes it."""


class _Values:
    """The value of a string as the reference's tree holds it (bare word replaced, prefix expanded), canonical."""

    __slots__ = ("by_word", "ns")

    def __init__(self, by_word: dict[str, str | None], ns: dict[str, str]) -> None:
        self.by_word, self.ns = by_word, ns

    def text(self, v: str) -> str:
        v = self.by_word.get(v) or v
        return expand_curie(v, self.ns) if ":" in v else v

    def leaf(self, name: str, v: Any) -> str:
        """`name=value` of a field whose value is the string v ("" when blank), as `_ordered` writes it."""
        if type(v) is not str:
            raise _Shape
        text = self.text(v).strip()  # after the replacement, as the reference: "" may be a bare word
        if not text:
            return ""
        return name + "=" + (_timestamp(text) if _is_time(name) else canonical_value(text))

    def epcs(self, lst: list[Any]) -> list[str]:
        """`leaf("epc", e)` of each identifier, inlined (most of an event's values)."""
        by_word, ns = self.by_word, self.ns
        out = []
        for e in lst:
            if type(e) is not str:
                raise _Shape
            t = by_word.get(e) or e
            if ":" in t:  # `expand_curie`, inlined (every identifier has a colon, few a declared prefix)
                p, _, local = t.partition(":")
                if p in ns and not local.startswith("//"):
                    t = ns[p] + local
            t = t.strip()
            if t:  # canonical_value, its first test before the cache (each identifier is seen once)
                out.append("epc=" + (t if _CANONICAL_DL.fullmatch(t) else canonical_value(t)))
        return out

    def group(self, name: str, items: list[str]) -> str:
        items = [s for s in items if s]
        if not items:
            return ""
        if len(items) > 1:
            items.sort()
        return name + "".join(items)


def _scalar_text(values: _Values, v: Any) -> str:
    """The text of a plain value inside an object (a string as the tree holds it, a number as Python writes it)."""
    if type(v) is str:
        return values.text(v)
    if type(v) is int or type(v) is float:
        return str(v)
    raise _Shape


def _quantity(values: _Values, q: Any) -> str:
    if type(q) is not dict or not q:
        raise _Shape
    parts: list[tuple[int, str]] = []
    for k, v in q.items():
        rank = _QTY_RANK.get(k)
        if rank is None:
            raise _Shape
        text = _scalar_text(values, v).strip()
        if text:
            parts.append((rank, k + "=" + canonical_value(text)))
    parts.sort()
    return "quantityElement" + "".join(p[1] for p in parts) if parts else ""


def _pair(values: _Values, item: str, d: Any) -> str:
    if type(d) is not dict:
        raise _Shape
    out = []
    for k, v in d.items():
        if (k != "type" and k != item) or type(v) is not str:
            raise _Shape
        text = values.text(v).strip()
        out.append(k + "=" + canonical_value(text) if text else k)
    return "".join(out)


def _pair_list(values: _Values, key: str, v: Any) -> str:
    """bizTransactionList & co. as `_generic` writes them: the name, then its pairs sorted."""
    if type(v) is not list:
        raise _Shape
    item = _PAIR_ITEM[key]
    pairs = [_pair(values, item, d) for d in v]
    if len(pairs) > 1:
        pairs.sort()
    return key + "".join(pairs)


def _terms(event: dict[str, Any], voc: dict[str, str]) -> frozenset[str]:
    """`event_hash._expanded_terms(event)` for an event `fast_prehash` accepts (checked as it goes)."""
    found: set[str] = set()
    for k, v in event.items():
        if type(v) is str:
            if k in _VOC_KEYS and v in voc:
                found.add(voc[v])
        elif k in _PAIR_ITEM and type(v) is list:
            for d in v:
                if type(d) is dict:
                    t = d.get("type")
                    if type(t) is str and t in voc:
                        found.add(voc[t])
        elif k not in _FIELDS or k == "persistentDisposition" or k == "errorDeclaration":
            if isinstance(v, dict | list):
                _walk_terms(v, k, voc, found)
        # the other standard fields hold no vocabulary key (EPC lists, quantities, locations): checked when written
    return frozenset(found)


def _field(values: _Values, key: str, kind: int, v: Any) -> str:
    """The string of one standard field in the ordered part."""
    if kind == _LEAF:
        return values.leaf(key, v)
    if type(v) is not list and kind != _LOC and kind != _PD:
        raise _Shape
    if kind == _EPCS:
        return values.group(key, values.epcs(v))
    if kind == _QTYS:
        return values.group(key, [_quantity(values, q) for q in v])
    if type(v) is not dict:
        raise _Shape
    if kind == _LOC:
        if len(v) != 1 or "id" not in v:
            raise _Shape
        s = values.leaf("id", v["id"])
        return key + s if s else ""
    sets: list[str] = []
    unsets: list[str] = []
    for k, lst in v.items():  # persistentDisposition
        if type(lst) is not list or (k != "set" and k != "unset"):
            raise _Shape
        (sets if k == "set" else unsets).extend(values.leaf(k, x) for x in lst)
    inner = values.group("", sets) + values.group("", unsets)
    return key + inner if inner else ""


def _extension(values: _Values, key: str, v: Any) -> str:
    """A top-level user extension with a plain value, as `_generic` writes it."""
    name = _ns_key(key, values.ns, False)
    if name.endswith("List") or v is None or type(v) is bool:
        raise _Shape
    text = _scalar_text(values, v).strip()
    return name + ("=" + canonical_value(text) if text else "")


Memo = dict[frozenset[str], tuple[_Values, dict[tuple[str, str], str]]]
"""Per document: for each set of expanded terms (which decides the bare-word replacement), the string of each
(field, value) met so far — bizStep, disposition, locations, times repeat across a document's events."""


def fast_prehash(event: dict[str, Any], ns: dict[str, str], memo: Memo | None = None) -> str | None:
    """`event_hash._prehash(event, ns, False)` for the common shapes (see the module docstring), None for others.
    `ns`: the document's namespaces (the event's own @context is added here, as the reference does); `memo`: the
    document's (`event_hasher`), valid for that `ns` only."""
    if type(event.get("eventTime")) is not str:
        return None
    ctx = event.get("@context")
    if isinstance(ctx, list | dict):
        ns = {**ns, **_namespaces(ctx)}
        memo = None
    for ignored in ("type", "eventID", "recordTime"):
        if ignored in event and type(event[ignored]) is not str:
            return None
    terms = _terms(event, _vocabulary())
    values: _Values
    known: dict[tuple[str, str], str]
    if memo is None:
        values, known = _Values(_by_word(terms), ns), {}
    else:
        hit = memo.get(terms)
        if hit is None:
            hit = memo[terms] = (_Values(_by_word(terms), ns), {})
        values, known = hit
    try:
        return _write(event, values, known)
    except _Shape:
        return None


def _write(event: dict[str, Any], values: _Values, known: dict[tuple[str, str], str]) -> str | None:
    """The pre-hash string; None (or `_Shape`) for a shape the reference path must hash. The common fields inline."""
    ranked: list[tuple[int, str]] = []
    rest: list[str] = []
    for key, v in event.items():
        spec = _FIELDS.get(key)
        if spec is None:
            if key in _SKIPPED or key[:1] == "@":
                continue
            if ":" not in key or isinstance(v, dict | list):
                return None
            rest.append(_extension(values, key, v))
            continue
        kind, rank = spec
        if kind == _LEAF and type(v) is str:
            s = known.get((key, v))
            if s is None:
                s = known[(key, v)] = values.leaf(key, v)
        elif kind == _EPCS and type(v) is list:
            s = values.group(key, values.epcs(v))
        elif kind == _IGNORE:
            continue
        elif kind == _PAIRS:
            if v:
                rest.append(_pair_list(values, key, v))
            continue
        elif kind == _LOC and type(v) is dict and len(v) == 1 and type(v.get("id")) is str:
            s = known.get((key, v["id"]))
            if s is None:
                s = values.leaf("id", v["id"])
                s = known[(key, v["id"])] = key + s if s else ""
        else:
            s = _field(values, key, kind, v)
        if s:
            ranked.append((rank, s))
    ranked.sort()
    if len(rest) > 1:
        rest.sort()
    return "eventType=" + str(event.get("type", "")) + "".join([r[1] for r in ranked]) + "".join(rest)


def prehash(event: dict[str, Any], ns: dict[str, str]) -> str:
    """The pre-hash string (`event_hash._prehash(event, ns, False)`): the fast path where it applies."""
    s = fast_prehash(event, ns)
    return _prehash(event, ns, False) if s is None else s


def event_hasher(context: Any = None) -> Callable[[dict[str, Any]], str]:
    """`event_hash.event_hasher`: the hash ID of the events of one document (namespaces resolved once), through
    the fast path where it applies."""
    ns = _document_ns(context)
    memo: Memo = {}
    sha256 = hashlib.sha256

    def hash_id(event: dict[str, Any]) -> str:
        s = fast_prehash(event, ns, memo)
        if s is None:
            s = _prehash(event, ns, False)
        return "ni:///sha-256;" + sha256(s.encode("utf-8")).hexdigest() + "?ver=CBV2.0"

    return hash_id
