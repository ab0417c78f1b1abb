"""The fast path of the CBV 2.0 event hash (event_hash_fast, issue #23) writes exactly the reference's pre-hash string.

The reference is `event_hash._prehash` (the JSON → XML-shaped tree of GS1's reference implementation, reproduced bit
for bit, tests/trace/test_event_hash.py); the fast path must give the same string for every event it accepts, and
the hashers the same ID for every event. Compared on GS1's example documents, on the bench's documents and on
randomised events built to hit each rule (bare CBV words as values anywhere, CURIEs of declared and undeclared
prefixes, blank values, numbers, key order, repeated values across a document for the memo).
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.conftest import GS1_EPCIS
from zhijian.trace.epcis import event_hash as H
from zhijian.trace.epcis import event_hash_fast as F
from zhijian.trace.epcis import rules as E

EXAMPLES = sorted((GS1_EPCIS / "examples").glob("*.jsonld"))


def _documents() -> list[tuple[list[dict[str, Any]], Any]]:
    out = []
    for path in EXAMPLES:
        doc = json.loads(path.read_text("utf-8"))
        body = doc.get("epcisBody") or {}
        if "queryResults" in body:
            body = body["queryResults"]["resultsBody"]
        events = body.get("eventList") or ([body["event"]] if "event" in body else [])
        if events:
            out.append((events, doc.get("@context")))
    return out


def _same(events: list[dict[str, Any]], context: Any) -> int:
    """Asserts fast = reference for each event (pre-hash string and hasher ID); → how many took the fast path."""
    ns = H._document_ns(E.context_namespaces(context))
    fast_ids, ref_ids = F.event_hasher(E.context_namespaces(context)), H.event_hasher(E.context_namespaces(context))
    hits = 0
    for ev in events:
        ref = H._prehash(ev, ns, False)
        fast = F.fast_prehash(ev, ns)
        if fast is not None:
            hits += 1
            assert fast == ref, ev
        assert F.prehash(ev, ns) == ref
        assert fast_ids(ev) == ref_ids(ev), ev
    return hits


def test_gs1_examples() -> None:
    docs = _documents()
    assert len(docs) > 30
    hits = sum(_same(events, ctx) for events, ctx in docs)
    assert hits >= 25  # most of GS1's examples are of the common shapes


def test_bench_documents() -> None:
    """The documents `make bench-capture` captures (bench/bench_trace.py builds them): every event on the fast path."""
    from bench.bench_trace import _doc

    events: list[dict[str, Any]] = _doc(0, 200, "06901234567892")["epcisBody"]["eventList"]
    assert _same(events, [E.EPCIS_CONTEXT]) == len(events)


# ---------------------------------------------------------------- randomised events

_WORDS = ["active", "commissioning", "shipping", "in_transit", "po", "inv", "owning_party", "location", "", " ",
          "ADD", "OBSERVE", "did_not_occur", "Temperature", "KGM", "x"]
_IDS = ["urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/09520123456788/21/12345",
        "https://example.com/01/9520123456788/10/L1/21/s", "urn:epc:id:sscc:0614141.1234567890",
        "urn:epc:id:sgln:0614141.00777.0", "urn:epc:class:lgtin:4012345.012345.998877", "ex:thing", "cbv:BizStep-shipping",
        "urn:epcglobal:cbv:disp:active", "http://ex.com/a b ", "26.0", "1e3", "https://id.gs1.org/414/6901234000019"]
_TIMES = ["2026-03-01T08:00:00Z", "2026-03-01T08:00:00.1234+08:00", "2005-04-03T20:33:31.116-06:00", "bad", ""]


def _value(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.45:
        return rng.choice(_WORDS)
    if r < 0.9:
        return rng.choice(_IDS)
    if r < 0.92:
        return rng.choice([1, 2.5, 26.0, 0, -3])
    if r < 0.93:
        return rng.choice([True, None, ["a"], {"id": "x"}])
    return rng.choice(_TIMES)


def _quantity(rng: random.Random) -> Any:
    q: dict[str, Any] = {}
    for k in rng.sample(["epcClass", "quantity", "uom"], rng.randint(0, 3)):
        q[k] = rng.choice([rng.choice(_IDS), rng.randint(0, 9), rng.choice([1.5, 2.0]), rng.choice(_WORDS)])
    if rng.random() < 0.05:
        q["ex:extra"] = "1"
    return q


def _pairs(rng: random.Random, item: str) -> list[Any]:
    out: list[Any] = []
    for _ in range(rng.randint(0, 3)):
        d: dict[str, Any] = {}
        keys = rng.sample(["type", item], rng.randint(0, 2))
        for k in keys:
            d[k] = rng.choice(_WORDS + _IDS) if rng.random() < 0.97 else 5
        out.append(d)
    return out


_LEAVES = ["eventTimeZoneOffset", "certificationInfo", "parentID", "action", "transformationID", "bizStep",
           "disposition", "eventID", "recordTime"]


def _event(rng: random.Random) -> dict[str, Any]:
    fields: list[tuple[str, Any]] = [("type", rng.choice(E.EVENT_TYPES)),
                                     ("eventTime", rng.choice(_TIMES[:3]) if rng.random() < 0.97 else 5)]
    for k in _LEAVES:
        if rng.random() < 0.5:
            fields.append((k, _value(rng)))
    for k in ("epcList", "inputEPCList", "childEPCs", "outputEPCList"):
        if rng.random() < 0.35:
            fields.append((k, [_value(rng) for _ in range(rng.randint(0, 4))]))
    for k in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        if rng.random() < 0.25:
            fields.append((k, [_quantity(rng) for _ in range(rng.randint(0, 3))]))
    for k in ("readPoint", "bizLocation"):
        if rng.random() < 0.4:
            fields.append((k, {"id": _value(rng)} if rng.random() < 0.9 else {"id": "x", "ex:f": "y"}))
    for k, item in (("bizTransactionList", "bizTransaction"), ("sourceList", "source"),
                    ("destinationList", "destination")):
        if rng.random() < 0.3:
            fields.append((k, _pairs(rng, item)))
    if rng.random() < 0.2:
        fields.append(("persistentDisposition", {k: [rng.choice(_WORDS + _IDS) for _ in range(rng.randint(0, 2))]
                                                 for k in rng.sample(["set", "unset"], rng.randint(0, 2))}))
    if rng.random() < 0.15:
        fields.append(("errorDeclaration", {"declarationTime": "2026-03-01T09:00:00Z",
                                            "reason": rng.choice(["incorrect_data", "did_not_occur", "ex:r"])}))
    for _ in range(rng.randint(0, 2)):
        fields.append((rng.choice(["ex:f", "ex:g", "other:h", "ex:someList", "ex:eventTime", "rdfs:comment"]),
                       _value(rng)))
    if rng.random() < 0.05:
        fields.append(("ilmd", {"ex:lot": "L1"}))
    if rng.random() < 0.05:
        fields.append(("@context", [{"other": "https://other.example/ns/"}]))
    if rng.random() < 0.03:
        fields.append(("comment", "a comment"))
    rng.shuffle(fields)
    return dict(fields)


_CONTEXTS: list[list[Any]] = [
    [E.EPCIS_CONTEXT, {"ex": "https://ex.example/epcis/"}],
    [E.EPCIS_CONTEXT],
    # prefixes that catch every absolute URI value (`https:`, `urn:`), a standard prefix redefined, an empty namespace
    [E.EPCIS_CONTEXT, {"ex": "https://ex.example/epcis/", "https": "X:", "urn": "https://urn.example/",
                       "cbv": "https://other.example/"}],
    [E.EPCIS_CONTEXT, {"ex": "http://ex.example/", "x": ""}],
]


@pytest.mark.parametrize("seed", range(8))
def test_randomised_events(seed: int) -> None:
    rng = random.Random(seed)
    events = [_event(rng) for _ in range(1500)]
    context = _CONTEXTS[seed % len(_CONTEXTS)]
    hits = _same(events, context)
    assert hits > len(events) // 5  # the fast path is exercised, not only the fallback


def test_repeated_values_across_a_document() -> None:
    """The memo of (field, value) per set of expanded terms: the same value under other terms (a bare word that is
    a term's last segment in one event only) keeps the reference's string."""
    base = {"type": "ObjectEvent", "eventTime": "2026-03-01T08:00:00Z", "action": "OBSERVE"}
    events = [
        {**base, "bizStep": "shipping", "readPoint": {"id": "active"}, "disposition": "x"},
        {**base, "bizStep": "receiving", "disposition": "active", "readPoint": {"id": "active"}},
        {**base, "bizStep": "shipping", "readPoint": {"id": "active"}, "certificationInfo": "active"},
        {**base, "disposition": "active", "certificationInfo": "active", "epcList": ["active", "shipping"]},
    ] * 3
    assert _same(events, [E.EPCIS_CONTEXT]) == len(events)
