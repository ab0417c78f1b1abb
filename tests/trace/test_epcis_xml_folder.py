"""GS1's own XML documents through zhijian's XML binding: the GS1 EPCIS repository's `XML/` folder.

Source: github gs1/EPCIS, commit 2b888be, `XML/` (vendored unmodified in tests/data/gs1-epcis/xml, a sub-folder
becoming a `Folder__` prefix; see README.md there). Each document is read as the capture reads it
(`document_from_xml`) and validated as the capture validates it — the JSON-LD schema and the CBV vocabularies for
an EPCISDocument, the master-data rules for an EPCISMasterDataDocument:

- 31 EPCISDocuments: 30 accepted; `WithSensorData/SensorDataExamples.xml` refused — the XSD makes
  `sensorReport/@type` optional, the standard's JSON schema requires `type`, and GS1's example has reports with
  only `exception` (docs/GS1_CONFORMANCE.md, note ²);
- 3 documents of master data (two EPCISMasterDataDocuments, one EPCISDocument with only header master data): 13, 5
  and 10 attribute rows;
- 4 capture-job documents: no capture documents, refused with the root they have;
- `WithEventHashID/`: GS1's event in seven spellings (six XML, one JSON-LD) meant to hash alike. Six do; the
  second has another time zone offset, which CBV 2.0 §8.9 hashes (`eventTimeZoneOffset` is in the canonical order,
  and the reference generator hashes it too), so its ID differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.master_data import is_master_document, validate_master_document, vocabulary_rows
from zhijian.trace.epcis.xml_read import document_from_xml
from zhijian.trace.event_hash import event_hash_id

FOLDER = Path(__file__).resolve().parents[1] / "data" / "gs1-epcis" / "xml"
MASTER_DATA = {"Mimasu__Example-masterData.xml": 13, "CBV__CBV-11.4-2020-06-16a.xml": 5,
               "WithFullCombinationOfFields__masterdata_all_possible_fields.xml": 10}
CAPTURE_JOBS = sorted(p.name for p in FOLDER.glob("CaptureJob__*.xml"))
REFUSED = "WithSensorData__SensorDataExamples.xml"
EVENT_DOCUMENTS = sorted(p.name for p in FOLDER.glob("*.xml")
                         if p.name not in MASTER_DATA and p.name not in CAPTURE_JOBS)


def test_the_folder_is_the_one_measured() -> None:
    assert (len(EVENT_DOCUMENTS), len(MASTER_DATA), len(CAPTURE_JOBS)) == (30, 3, 4)  # 30 + the EPCISDocument with only master data = 31


@pytest.mark.parametrize("name", [n for n in EVENT_DOCUMENTS if n != REFUSED])
def test_event_documents_are_accepted(name: str) -> None:
    doc = document_from_xml((FOLDER / name).read_bytes())
    E.validate_document(doc)
    assert E.document_events(doc) and not vocabulary_rows(doc)


def test_the_sensor_example_is_refused_by_the_json_schema() -> None:
    doc = document_from_xml((FOLDER / REFUSED).read_bytes())
    with pytest.raises(E.EpcisError) as err:
        E.validate_document(doc)
    assert err.value.status == 400 and "sensorElementList" in err.value.message_en


@pytest.mark.parametrize(("name", "rows"), sorted(MASTER_DATA.items()))
def test_master_data_documents_are_read(name: str, rows: int) -> None:
    doc = document_from_xml((FOLDER / name).read_bytes())
    if is_master_document(doc):
        validate_master_document(doc)
    else:
        E.validate_document(doc)
    assert len(vocabulary_rows(doc)) == rows


@pytest.mark.parametrize("name", CAPTURE_JOBS)
def test_capture_job_documents_are_no_capture_documents(name: str) -> None:
    with pytest.raises(E.EpcisError) as err:
        document_from_xml((FOLDER / name).read_bytes())
    assert err.value.status == 400 and "root element" in err.value.message_en


def test_the_same_event_in_seven_spellings() -> None:
    ids = {}
    for path in sorted(FOLDER.glob("WithEventHashID__*")):
        raw = path.read_bytes()
        doc = json.loads(raw) if path.suffix == ".json" else document_from_xml(raw)
        (event,) = E.document_events(doc)
        ids[path.stem[-1]] = event_hash_id(event, doc.get("@context"))
    assert len(ids) == 7
    assert len({ids[k] for k in "134567"}) == 1  # one event, one ID, whatever the spelling
    assert ids["2"] != ids["1"]  # -05:00 instead of -06:00: the offset is hashed
