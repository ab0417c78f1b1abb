"""OpenEPCIS' EPCIS 2.0 test documents through zhijian's capture path (without storing).

Source: github openepcis/openepcis-test-resources, commit 901e5d3 (Apache-2.0; vendored unmodified in
tests/data/openepcis-test-resources, see README.md there). Each document is taken as the capture takes it — XML read
by the XML binding, validated (JSON-LD schema, CBV vocabularies) and prepared (times parsed, CBV 2.0 §8.9 hash IDs)
— and:

- every valid document is accepted, but for the refusals in `REFUSED` (each with why zhijian is right to refuse);
- every invalid document is refused, but for `ACCEPTED` (each with why);
- a document in both syntaxes (35 of them, 63 events) gives each event the same hash ID in both, but for
  `HASHED_APART`.

Found on main (2026-12-04), now fixed: the XML binding dropped the attributes of user elements without text
(`<example2:furtherData example2:assemblyLine="2" example2:workingShift="1"/>`, which the JSON twin writes as
fields), so the stored event lost them and hashed apart from its JSON-LD twin
(`TransformationEvent_with_userExtensions`, `SensorData_with_combined_events` event 11)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from zhijian.trace.epcis import EPCIS_CONTEXT
from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis import service as S
from zhijian.trace.epcis.xml_read import document_from_xml

ROOT = Path(__file__).resolve().parents[1] / "data" / "openepcis-test-resources" / "2.0" / "EPCIS"

_SENSOR_TYPE = ("a sensorReport with only `exception`: the standard's JSON schema requires `type` (the XSD does not); "
                "the same refusal as GS1's own SensorDataExamples.xml")
REFUSED = {
    "JSON/SensorData_with_combined_events.json": _SENSOR_TYPE,
    "XML/SensorData_with_combined_events.xml": _SENSOR_TYPE,
    "XML/Namespace_document.xml": "the standard's fields written in the EPCIS namespace (`<epcis:eventTime>`); the "
                                  "XSD's event fields are unqualified, so these are unknown extension elements",
    "XML/epcisDocWithAllGS1Keys.xml": "its epcList names urn:epc:id:sscc:4012345.0000000333 twice (the JSON twin has "
                                      "the URN and the Digital Link once each): the JSON schema's uniqueItems",
}
ACCEPTED = {
    "XML/ObjectEvent_with_wrong_element_order.xml": "zhijian reads XML into JSON-LD, where fields have no order, and "
                                                    "validates that form (not the XSD's sequence)",
}
_NOT_A_TERM = ("a sensor type that is no term of GS1's measurement-type context (EffectiveDoseRate, "
               "Molar_concentration): the XML says `gs1:…` (an IRI), the JSON twin the bare word (no IRI at all); the "
               "reference generator hashes the two apart too (its SensorDataExamples.xml vector)")
HASHED_APART = {("SensorData_with_combined_events", 7): _NOT_A_TERM, ("SensorData_with_combined_events", 10): _NOT_A_TERM,
                ("TransactionEvent_with_userExtensions", 0): _NOT_A_TERM}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8")) if path.suffix == ".json" else document_from_xml(path.read_bytes())


def _take(path: Path) -> list[str]:
    """What the capture does before it stores: read, validate, prepare; the events' hash IDs."""
    E.validate_document(_load(path))
    return _hashes(path)


def _hashes(path: Path) -> list[str]:
    """The events' hash IDs as the capture prepares them (read, times parsed, hashed)."""
    doc = _load(path)
    context = doc.get("@context")
    prepared, _dups = S._prepare(E.document_events(doc), context if isinstance(context, list) else [EPCIS_CONTEXT])
    return [p.hash_id for p in prepared]


def _key(path: Path) -> str:
    return f"{path.parts[-4]}/{path.name}"


def _params(folder: str, exceptions: dict[str, str]) -> list[Any]:
    paths = sorted((ROOT / "JSON" / "Capture" / folder).glob("*.json")) + sorted(
        (ROOT / "XML" / "Capture" / folder).glob("*.xml"))
    return [pytest.param(p, marks=[pytest.mark.xfail(strict=True, reason=exceptions[_key(p)])] if _key(p) in exceptions
                         else [], id=_key(p)) for p in paths]


def test_the_resources_are_all_here() -> None:
    counts = [len(list((ROOT / s / "Capture" / f).iterdir())) for s in ("JSON", "XML") for f in ("Documents", "Invalid")]
    assert counts == [38, 15, 37, 7]


@pytest.mark.parametrize("path", _params("Documents", REFUSED))
def test_valid_documents_are_accepted(path: Path) -> None:
    assert _take(path)


@pytest.mark.parametrize("path", _params("Invalid", ACCEPTED))
def test_invalid_documents_are_refused(path: Path) -> None:
    with pytest.raises(E.EpcisError) as err:
        _take(path)
    assert err.value.status == 400


def twin_params(json_dir: Path, xml_dir: Path, count: Callable[[Path], int],
                apart: dict[tuple[str, int], str]) -> list[Any]:
    """(JSON-LD document, its XML twin of the same name, event index) for every event of a document written in both
    syntaxes; `apart` names the known differences (strict xfails with their reason)."""
    out = []
    for j in sorted(json_dir.glob("*.json")):
        x = xml_dir / f"{j.stem}.xml"
        if not x.exists():
            continue
        for i in range(count(j)):
            reason = apart.get((j.stem, i))
            out.append(pytest.param(j, x, i, id=f"{j.stem}-{i}",
                                    marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else []))
    return out


@pytest.mark.parametrize(("json_doc", "xml_doc", "index"), twin_params(
    ROOT / "JSON" / "Capture" / "Documents", ROOT / "XML" / "Capture" / "Documents",
    lambda j: len(E.document_events(_load(j))), HASHED_APART))
def test_an_event_hashes_alike_in_both_syntaxes(json_doc: Path, xml_doc: Path, index: int) -> None:
    assert _hashes(json_doc)[index] == _hashes(xml_doc)[index]


_DOC = """<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://ns.example.com/epcis/"
  schemaVersion="2.0" creationDate="2026-03-01T00:00:00Z"><EPCISBody><EventList><ObjectEvent>
  <eventTime>2026-03-01T08:00:00.000+08:00</eventTime><eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
  <epcList><epc>urn:epc:id:sgtin:0614141.107346.2018</epc></epcList><action>OBSERVE</action>
  {ext}</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""


def test_attributes_of_a_user_element_are_its_fields() -> None:
    doc = document_from_xml(_DOC.format(ext='<ex:line ex:no="3" shift="B"><ex:lead>张三</ex:lead></ex:line>'))
    assert E.document_events(doc)[0]["ex:line"] == {"ex:lead": "张三", "ex:no": "3", "shift": "B"}


def test_a_user_element_with_text_is_its_text_as_gs1s_twins_write_it() -> None:
    """GS1's JSON-LD twin of `<cbvmda:drainedWeight measurementUnitCode="KGM">3.5</…>` is `"3.5"`
    (tests/data/gs1-epcis: WithFullCombinationOfFields, transformation_event_all_possible_fields)."""
    doc = document_from_xml(_DOC.format(ext='<ex:line ex:no="3">A</ex:line>'))
    assert E.document_events(doc)[0]["ex:line"] == "A"
