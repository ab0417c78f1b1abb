"""Every query parameter of GS1's EPCIS 2.0 query schema is understood by GET /epcis/events.

Source: github gs1/EPCIS, commit 2b888be, `JSON-Schema/EPCIS-Query-JSON-Schema-root.json` (vendored unmodified in
tests/data/gs1-epcis, see README.md there): `definitions.EPCIS-Query` lists 61 fixed names (`@context` among
them, which is no parameter of the REST binding) and 108 pattern families (`^EQ_ILMD_[a-z][a-zA-Z0-9]*\\:\\w+$` …).
Each fixed name, and one instance of each pattern built from the pattern itself, is sent with a value of its
kind; the repository must answer 200 with an EPCISQueryDocument (an unknown parameter is a 400
QueryParameterException). The answers themselves are asserted in test_epcis.py, test_epcis_query_fields.py,
test_cbv_vocab.py and test_epcis_master_data.py; this test keeps the whole schema covered (issue #16 found 38 of
the 168 accepted)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "gs1-epcis" / "EPCIS-Query-JSON-Schema-root.json"
QUERY = json.loads(SCHEMA.read_text("utf-8"))["definitions"]["EPCIS-Query"]

# the variable parts of the schema's patterns, each with an instance (the schema escapes ':' twice: `\\:`)
_PARTS = [(r"[a-z][a-zA-Z0-9]*\\:\\w+", "example:myField"), (r"[a-z][a-zA-Z0-9_]+", "po"),
          (r"[A-Z0-9]{2,4}", "CEL")]


# The master-data families name an EPCIS field of a vocabulary type (EPCIS 2.0 §8.2.7.1: `HASATTR_readPoint`,
# `EQ_ATTR_bizLocation_sst`); the schema's patterns for them (a CURIE; any two words) admit names the standard's
# text does not, so their instances are the standard's.
_MASTER_DATA = {"^HASATTR_[a-z][a-zA-Z0-9]*\\\\:\\\\w+$": "HASATTR_readPoint",
                "^EQ_ATTR_\\\\w+_\\\\w+$": "EQ_ATTR_bizLocation_urn:epcglobal:cbv:mda:sst"}


def _instance(pattern: str) -> str:
    if pattern in _MASTER_DATA:
        return _MASTER_DATA[pattern]
    body = pattern.removeprefix("^").removesuffix("$")
    for part, example in _PARTS:
        if body.endswith(part):
            return body[: -len(part)] + example
    raise AssertionError(f"no instance for {pattern}")


def _value(name: str) -> str:
    """A value of the parameter's kind."""
    fixed = {"eventType": "ObjectEvent", "orderBy": "eventTime", "orderDirection": "ASC", "eventCountLimit": "5",
             "maxEventCount": "100000", "EQ_action": "OBSERVE", "EQ_booleanValue": "true", "EQ_hexBinaryValue": "0A1B",
             "EQ_bizStep": "shipping", "EQ_disposition": "in_transit", "EQ_errorReason": "did_not_occur"}
    if name in fixed:
        return fixed[name]
    if name.startswith("EXISTS_"):
        return ""
    if re.search(r"Time$|_Time$|^(GE|LT)_time$", name):
        return "2026-03-01T00:00:00Z"
    if name.startswith(("GT_", "GE_", "LT_", "LE_")) or "quantity" in name or "_value_" in name:
        return "1"
    if name.startswith("MATCH_"):
        return "urn:epc:id:sgtin:0614141.107346.*"
    return "urn:test:nothing"


NAMES = [n for n in QUERY["properties"] if n != "@context"] + [_instance(p) for p in QUERY["patternProperties"]]


def test_the_schema_is_the_one_measured() -> None:
    assert (len(QUERY["properties"]), len(QUERY["patternProperties"]), len(NAMES)) == (61, 108, 168)
    assert set(_MASTER_DATA) <= set(QUERY["patternProperties"])
    assert all(re.fullmatch(p.replace("\\\\", "\\"), _instance(p)) for p in QUERY["patternProperties"]
               if p not in _MASTER_DATA)


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_parameter_is_understood(client, admin_token, name: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/epcis/events", headers=admin_token, params={name: _value(name)})
    assert r.status_code == 200, r.text
    assert r.json()["type"] == "EPCISQueryDocument"
