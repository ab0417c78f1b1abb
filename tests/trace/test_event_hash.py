"""CBV 2.0 §8.9 event hash ID (事件哈希标识) against GS1's published data.

Sources:
- GS1 EPCIS 2.0 example documents (github gs1/EPCIS, vendored unmodified in tests/data/gs1-epcis/examples,
  see README.md there): several events carry a GS1-computed `ni:///sha-256;…?ver=CBV2.0` eventID.
- GS1's reference implementation, github.com/RalphTro/epcis-event-hash-generator, test vector
  `tests/examples/epcisDocWithShippingAndTransportingEvent.prehashes` (commit b77dfe2efb9414b9b4df52dc7c403721e30fb307)
  for the input `tests/examples/epcisDocWithShippingAndTransportingEvent.jsonld` (commit 01ca7e40105b…).

Finding: none of the example IDs is the CBV 2.0 (final) hash. The examples were hashed with the draft
rules of 2020/21 — EPC URNs and `urn:epcglobal:cbv:` terms left as URNs instead of the canonical
Digital Link / web URIs the standard requires, extension names as `namespace+localName`, business
transactions sorted `bizTransaction=…type=…`. `test_example_pre_hash_is_the_draft_one` shows the exact
string for Example 9.6.1; `event_hash_id(..., draft=True)` applies those rules and reproduces 18 of the
45 example IDs. The other 27 are marked xfail(strict) below with what is known about each.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.conftest import GS1_EPCIS
from zhijian.trace.event_hash import dl_normalise, event_hash_id, prehash_string

EXAMPLES_DIR = GS1_EPCIS / "examples"


def _events(name: str) -> tuple[list[dict[str, Any]], Any]:
    doc = json.loads((EXAMPLES_DIR / name).read_text("utf-8"))
    body = doc["epcisBody"]
    if "queryResults" in body:
        body = body["queryResults"]["resultsBody"]
    return (body.get("eventList") or [body["event"]]), doc.get("@context")


# (document, index of the event in it) whose GS1-printed ID the draft rules reproduce.
REPRODUCED = [
    ("AssociationEvent__AssociationEvent-a.jsonld", 0), ("AssociationEvent__AssociationEvent-b.jsonld", 0),
    ("AssociationEvent__AssociationEvent-c.jsonld", 0), ("AssociationEvent__AssociationEvent-d.jsonld", 0),
    ("AssociationEvent__AssociationEvent-e.jsonld", 0), ("EPCISQueryDocument.jsonld", 0),
    ("EPCISQueryDocument.jsonld", 1), ("Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld", 0),
    ("Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld", 1), ("Example_9.6.1-ObjectEvent.jsonld", 0),
    ("Example_9.6.1-ObjectEvent.jsonld", 1), ("Example_9.6.2-ObjectEvent.jsonld", 0),
    ("Example_9.6.3-AggregationEvent.jsonld", 0), ("Example_9.6.4-TransformationEvent.jsonld", 0),
    ("WithDigitalLinkID__Example_9.6.1-ObjectEventWithDigitalLink.jsonld", 1),
    ("WithDigitalLinkID__Example_9.6.2-ObjectEventWithDigitalLink.jsonld", 0),
    ("WithDigitalLinkID__Example_9.6.4-TransformationEventWithDigitalLink.jsonld", 0),
    ("WithErrorDeclaration__Example_9.6.1-ObjectEvent-with-error-declaration.jsonld", 1),
]

# The example contradicts another example: §8.9 leaves errorDeclaration and comments out of the hash, and
# these events equal Example 9.6.1's events apart from exactly that (asserted in test_inconsistent_examples),
# yet GS1 printed other IDs for them than for Example 9.6.1 (whose IDs we reproduce).
_CONTRADICTS_9_6_1 = ("same event as Example 9.6.1 apart from errorDeclaration/comment, which §8.9 excludes, "
                      "but printed with a different ID than Example 9.6.1 (which reproduces)")
# Not reproduced by the CBV 2.0 rules nor by the draft rules; the common trait is a sensorElementList /
# persistentDisposition / errorDeclaration, fields the draft handled differently. Tried on SensorDataExample1:
# sensor times unnormalised, measurement types bare / gs1: / https://gs1.org/voc/ / MT- spellings, deviceID as
# URN or Digital Link: no match. Cause not established, so no claim that the example is wrong.
_UNKNOWN = "not reproduced by the CBV 2.0 or the draft rules (sensor/persistentDisposition/errorDeclaration draft form)"
NOT_REPRODUCED = [
    ("Example_9.6.1-with-comment.jsonld", 0, _CONTRADICTS_9_6_1),
    ("Example_9.6.1-with-comment.jsonld", 1, _CONTRADICTS_9_6_1),
    ("WithErrorDeclaration__Example_9.6.1-ObjectEvent-with-error-declaration.jsonld", 0, _CONTRADICTS_9_6_1),
    ("WithDigitalLinkID__Example_9.6.1-ObjectEventWithDigitalLink.jsonld", 0,
     "not reproduced by either rule set although its sibling event 1 is; cause not established"),
    ("WithDigitalLinkID__Example_9.6.3-AggregationEventWithDigitalLink.jsonld", 0,
     "not reproduced by either rule set although the URN version (9.6.3) is; cause not established"),
    ("AssociationEvent__AssociationEvent-f.jsonld", 0, _UNKNOWN),
    ("AssociationEvent__AssociationEvent-g.jsonld", 0, _UNKNOWN),
    ("Example-Type-sourceOrDestination_measurement_bizTransaction.jsonld", 0, _UNKNOWN),
    ("PersistentDisposition-example.jsonld", 0, _UNKNOWN),
    ("PersistentDisposition-example.jsonld", 1, _UNKNOWN),
    *[(f"WithFullCombinationOfFields__{t}_event_all_possible_fields.jsonld", 0, _UNKNOWN)
      for t in ("aggregation", "association", "transaction", "transformation")],
    *[(f"WithSensorData__SensorDataExample{n}.jsonld", 0, _UNKNOWN)
      for n in ("1", "1b", "2", "3", "4", "5", "6", "7", "8", "10", "11", "13", "17")],
]


def test_every_example_id_is_listed() -> None:
    """No example with a GS1-computed hash ID escapes the two lists above."""
    found = set()
    for path in sorted(EXAMPLES_DIR.glob("*.jsonld")):
        doc = json.loads(path.read_text("utf-8"))
        body = doc.get("epcisBody", {})
        if "queryResults" in body:
            body = body["queryResults"]["resultsBody"]
        events = body.get("eventList") or ([body["event"]] if "event" in body else [])
        found |= {(path.name, i) for i, ev in enumerate(events)
                  if str(ev.get("eventID", "")).startswith("ni:///sha-256;")}
    listed = set(REPRODUCED) | {(f, i) for f, i, _ in NOT_REPRODUCED}
    assert found == listed
    assert len(found) == 45


@pytest.mark.parametrize(("name", "index"), REPRODUCED)
def test_example_id_reproduced(name: str, index: int) -> None:
    events, context = _events(name)
    ev = events[index]
    assert event_hash_id(ev, context, draft=True) == ev["eventID"]


@pytest.mark.parametrize(("name", "index"), [
    pytest.param(f, i, marks=pytest.mark.xfail(strict=True, reason=why)) for f, i, why in NOT_REPRODUCED])
def test_example_id_not_reproduced(name: str, index: int) -> None:
    events, context = _events(name)
    ev = events[index]
    assert ev["eventID"] in (event_hash_id(ev, context, draft=True), event_hash_id(ev, context))


def test_inconsistent_examples() -> None:
    """Evidence for the first xfail reason: the events differ from Example 9.6.1 only in excluded fields."""
    base, ctx_b = _events("Example_9.6.1-ObjectEvent.jsonld")
    strip = {"eventID", "errorDeclaration", "rdfs:comment"}

    def core(ev: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in ev.items() if k not in strip}

    commented, ctx_c = _events("Example_9.6.1-with-comment.jsonld")
    declared, ctx_d = _events("WithErrorDeclaration__Example_9.6.1-ObjectEvent-with-error-declaration.jsonld")
    assert [core(e) for e in commented] == [core(e) for e in base]
    assert core(declared[0]) == core(base[0]) and "errorDeclaration" in declared[0]
    assert [e["eventID"] for e in commented] != [e["eventID"] for e in base]
    assert declared[0]["eventID"] != base[0]["eventID"]
    # and our IDs do not depend on those fields, as §8.9 requires
    assert event_hash_id(commented[1], ctx_c) == event_hash_id(base[1], ctx_b)
    assert event_hash_id(declared[0], ctx_d) == event_hash_id(base[0], ctx_b)


def test_example_pre_hash_is_the_draft_one() -> None:
    """Example 9.6.1, first event: the string GS1 hashed (sha-256 = the printed ID) and the CBV 2.0 one."""
    (ev, _), context = _events("Example_9.6.1-ObjectEvent.jsonld")
    draft = ("eventType=ObjectEventeventTime=2005-04-04T02:33:31.116ZeventTimeZoneOffset=-06:00"
             "epcListepc=urn:epc:id:sgtin:0614141.107346.2017epc=urn:epc:id:sgtin:0614141.107346.2018"
             "action=OBSERVEbizStep=urn:epcglobal:cbv:bizstep:shippingdisposition=urn:epcglobal:cbv:disp:in_transit"
             "readPointid=urn:epc:id:sgln:0614141.07346.1234"
             "bizTransactionListbizTransaction=http://transaction.acme.com/po/12345678type=urn:epcglobal:cbv:btt:po")
    assert prehash_string(ev, context, draft=True) == draft
    assert ev["eventID"] == "ni:///sha-256;" + hashlib.sha256(draft.encode()).hexdigest() + "?ver=CBV2.0"
    assert prehash_string(ev, context) == (
        "eventType=ObjectEventeventTime=2005-04-04T02:33:31.116ZeventTimeZoneOffset=-06:00"
        "epcListepc=https://id.gs1.org/01/10614141073464/21/2017epc=https://id.gs1.org/01/10614141073464/21/2018"
        "action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-shippingdisposition=https://ref.gs1.org/cbv/Disp-in_transit"
        "readPointid=https://id.gs1.org/414/0614141073467/254/1234"
        "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=http://transaction.acme.com/po/12345678")


# Reference implementation test vector (see module docstring): input events and their expected pre-hash strings.
_REF_CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"gs1": "https://gs1.org/voc/"}]
_REF_EVENTS = [
    ({"type": "ObjectEvent", "eventTime": "2022-02-16T12:50:00.000+01:00", "eventTimeZoneOffset": "+01:00",
      "epcList": ["urn:epc:id:sscc:4012345.1112223334"], "action": "OBSERVE", "bizStep": "departing",
      "readPoint": {"id": "urn:epc:id:sgln:4012345.00022.0"},
      "bizTransactionList": [{"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:ASN1099"}],
      "sourceList": [{"type": "possessing_party", "source": "urn:epc:id:pgln:4012345.00000"}],
      "destinationList": [{"type": "possessing_party", "destination": "urn:epc:id:pgln:4023333.00000"}]},
     "eventType=ObjectEventeventTime=2022-02-16T11:50:00.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/00/"
     "140123451122233341action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-departingreadPointid=https://id.gs1.org/"
     "414/4012345000221bizTransactionListtype=https://ref.gs1.org/cbv/BTT-desadvbizTransaction=urn:epcglobal:cbv:bt:"
     "4012345000009:ASN1099destinationListtype=https://ref.gs1.org/cbv/SDT-possessing_partydestination=https://id.gs1"
     ".org/417/4023333000000sourceListtype=https://ref.gs1.org/cbv/SDT-possessing_partysource=https://id.gs1.org/417/"
     "4012345000009"),
    ({"type": "ObjectEvent", "eventTime": "2022-02-16T16:50:00.000+01:00", "eventTimeZoneOffset": "+01:00",
      "epcList": ["urn:epc:id:sscc:4012345.1112223334"], "action": "OBSERVE", "bizStep": "transporting",
      "readPoint": {"id": "geo:47.506694,11.104301"}},
     "eventType=ObjectEventeventTime=2022-02-16T15:50:00.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/00/"
     "140123451122233341action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-transportingreadPointid=geo:47.506694,"
     "11.104301"),
]


@pytest.mark.parametrize(("event", "expected"), _REF_EVENTS)
def test_pre_hash_matches_reference_implementation(event: dict[str, Any], expected: str) -> None:
    assert prehash_string(event, _REF_CONTEXT) == expected
    assert event_hash_id(event, _REF_CONTEXT) == (
        "ni:///sha-256;" + hashlib.sha256(expected.encode()).hexdigest() + "?ver=CBV2.0")


def test_spelling_does_not_change_the_id() -> None:
    """URN vs Digital Link on another host, bare vs URI vocabulary, time zone, list order, ignored fields."""
    ev, _ = _REF_EVENTS[0]
    same = json.loads(json.dumps(ev))
    same.update(eventTime="2022-02-16T11:50:00Z", bizStep="https://ref.gs1.org/cbv/BizStep-departing",
                epcList=["https://example.com/00/140123451122233341?linkType=all"],
                readPoint={"id": "https://id.gs1.org/414/4012345000221"},
                eventID="urn:uuid:7d0c4a40-0000-4000-8000-000000000001", recordTime="2026-01-01T00:00:00Z",
                errorDeclaration={"declarationTime": "2026-01-02T00:00:00Z", "reason": "incorrect_data"})
    same["sourceList"] = [{"type": "urn:epcglobal:cbv:sdt:possessing_party",
                           "source": "https://id.gs1.org/417/4012345000009"}]
    assert event_hash_id(same, _REF_CONTEXT) == event_hash_id(ev, _REF_CONTEXT)
    assert event_hash_id({**ev, "bizStep": "shipping"}, _REF_CONTEXT) != event_hash_id(ev, _REF_CONTEXT)
    assert event_hash_id({**ev, "eventTime": "2022-02-16T12:50:00.001+01:00"}, _REF_CONTEXT) != \
        event_hash_id(ev, _REF_CONTEXT)


@pytest.mark.parametrize(("uri", "canonical"), [
    ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
    ("urn:epc:id:sgtin:4012345.011111.A(1)", "https://id.gs1.org/01/04012345111118/21/A%281%29"),
    ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
    ("urn:epc:idpat:sgtin:4012345.012345.*", "https://id.gs1.org/01/04012345123456"),
    ("urn:epc:id:sgln:0614141.07346.0", "https://id.gs1.org/414/0614141073467"),
    ("urn:epc:id:grai:4012345.55555.1234", "https://id.gs1.org/8003/040123455555541234"),  # check sum 86 -> 4
    ("https://brand.example.com/gtin/614141123452/lot/L1/ser/7?x=1", "https://id.gs1.org/01/00614141123452/21/7"),
    ("https://id.gs1.org/01/09520123456788/22/2A/10/ABC", "https://id.gs1.org/01/09520123456788/10/ABC"),
    ("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", None),
    ("https://example.com/not/a/gs1/key.html", None),
])
def test_identifier_normalisation(uri: str, canonical: str | None) -> None:
    """Constrained canonical Digital Link as the reference's dl_normaliser yields it (check digits per GS1 GS §7.9.1)."""
    assert dl_normalise(uri) == canonical
