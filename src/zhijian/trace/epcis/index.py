"""The index rows of one event (事件索引): the identifiers by role, the classes with quantities, and every
queryable field (ILMD, extensions, sensor reports, error declarations, locations) as (kind, name, text, number) —
what SimpleEventQuery's EQ_/GT_/EXISTS_ field parameters filter on (EPCIS 2.0 §8.2.7.1). Pure functions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from zhijian.trace.epcis.rules import STANDARD_FIELDS, EpcisError, canonical_id, parse_time, utc_ms, vocab_short

# ---------------------------------------------------------------- index rows of one event


@dataclass
class EventIndex:
    """What the repository indexes of one event (the event itself is stored verbatim)."""

    event_type: str
    event_time: dt.datetime
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    transformation_id: str | None
    error_declared: bool
    epcs: list[tuple[str, str, float | None, str | None]] = field(default_factory=list)  # role, id, qty, uom
    attrs: list[tuple[str, str, str]] = field(default_factory=list)  # kind, type, value
    # queryable fields (extensions, ILMD, sensor data …): kind, field name, text value, numeric value
    fields: list[tuple[str, str, str, float | None]] = field(default_factory=list)


_short = lru_cache(maxsize=8192)(vocab_short)  # a document repeats its few bizSteps and dispositions


def _vocab(kind: str, value: Any) -> str:
    return _short(kind, value) if type(value) is str else vocab_short(kind, value)


_EPC_ROLES = (("epcList", "epc"), ("childEPCs", "child"), ("inputEPCList", "input"), ("outputEPCList", "output"))
_QTY_ROLES = (("quantityList", "epcClass"), ("childQuantityList", "childClass"),
              ("inputQuantityList", "inputClass"), ("outputQuantityList", "outputClass"))


def index_event(event: dict[str, Any], event_time: dt.datetime | None = None) -> EventIndex:
    """The index rows of one event; `event_time` when the capture has parsed it already (it refuses an invalid
    time before anything is stored, and indexes later, while the rows stream to the database)."""
    get = event.get
    step, disp, rp, bl = get("bizStep"), get("disposition"), get("readPoint"), get("bizLocation")
    idx = EventIndex(
        event_type=event["type"],
        event_time=parse_time(event["eventTime"]) if event_time is None else event_time, action=get("action"),
        biz_step=_vocab("bizStep", step) if step else None,
        disposition=_vocab("disposition", disp) if disp else None,
        read_point=canonical_id(rp["id"]) if isinstance(rp, dict) and rp.get("id") else None,
        biz_location=canonical_id(bl["id"]) if isinstance(bl, dict) and bl.get("id") else None,
        transformation_id=get("transformationID"), error_declared="errorDeclaration" in event)
    _identifiers(event, idx.epcs)
    if not event.keys().isdisjoint(_ATTR_KEYS):
        _attrs(event, idx.attrs)
    _index_fields(event, idx.fields)
    return idx


def _identifiers(event: dict[str, Any], epcs: list[tuple[str, str, float | None, str | None]]) -> None:
    get = event.get
    for key, role in _EPC_ROLES:
        ids = get(key)
        if ids:
            epcs.extend([(role, canonical_id(e), None, None) for e in ids])
    if get("parentID"):
        epcs.append(("parent", canonical_id(event["parentID"]), None, None))
    for key, role in _QTY_ROLES:
        for q in get(key) or []:
            if isinstance(q, dict) and q.get("epcClass"):
                qty = q.get("quantity")
                epcs.append((role, canonical_id(q["epcClass"]), float(qty) if qty is not None else None,
                             q.get("uom")))


_ATTR_KEYS = frozenset({"bizTransactionList", "sourceList", "destinationList", "errorDeclaration"})


def _attrs(event: dict[str, Any], attrs: list[tuple[str, str, str]]) -> None:
    for bt in event.get("bizTransactionList") or []:
        attrs.append(("bizTransaction", _vocab("bizTransaction", bt.get("type", "")) if bt.get("type")
                      else "", bt["bizTransaction"]))
    for key, item, kind in (("sourceList", "source", "source"), ("destinationList", "destination", "destination")):
        for sd in event.get(key) or []:
            attrs.append((kind, _vocab("sourceDest", sd["type"]), canonical_id(sd[item])))
    err = event.get("errorDeclaration")
    if isinstance(err, dict):
        if err.get("reason"):
            attrs.append(("errorReason", "", _vocab("errorReason", err["reason"])))
        for cid in err.get("correctiveEventIDs") or []:
            attrs.append(("correctiveEventID", "", cid))


# ---------------------------------------------------------------- queryable fields (SimpleEventQuery §8.2.7.1)

SENSOR_NUMBERS = ("value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue")
_TIME_FIELDS = frozenset({"time", "startTime", "endTime", "declarationTime"})
_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def number_of(value: Any) -> float | None:
    """The numeric value of a scalar (JSON number, or a string that is one), for GT_/GE_/LT_/LE_ queries."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _NUMERIC.match(value.strip()):
        return float(value)
    return None


def _scalar_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in _TIME_FIELDS and isinstance(value, str):
        try:
            return utc_ms(value)
        except EpcisError:
            return value
    return str(value)


def _add(out: list[tuple[str, str, str, float | None]], kind: str, name: str, value: Any) -> None:
    if isinstance(value, dict | list):
        return
    out.append((kind, name[:128], _scalar_text(name, value)[:255], number_of(value)))


def _inner(out: list[tuple[str, str, str, float | None]], kind: str, value: Any) -> None:
    """Every field nested below a top-level extension element (EQ_INNER_…), at any depth."""
    if isinstance(value, list):
        for v in value:
            _inner(out, kind, v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k.startswith("@"):
                continue
            for item in v if isinstance(v, list) else [v]:
                if isinstance(item, dict | list):
                    out.append((kind, k[:128], "", None))
                    _inner(out, kind, item)
                else:
                    _add(out, kind, k, item)


def _extensions(out: list[tuple[str, str, str, float | None]], kind: str, obj: Any, standard: frozenset[str]) -> None:
    if not isinstance(obj, dict):
        return
    for k, v in obj.items():
        if k in standard or k.startswith("@"):
            continue
        for item in v if isinstance(v, list) else [v]:
            if isinstance(item, dict | list):
                out.append((kind, k[:128], "", None))  # the element exists (EXISTS_…)
                _inner(out, kind + "Inner", item)
            else:
                _add(out, kind, k, item)


_ERR_STD = frozenset({"declarationTime", "reason", "correctiveEventIDs"})
_META_STD: frozenset[str] = frozenset()
_LOC_STD = frozenset({"id"})


_PLAIN = STANDARD_FIELDS - {"ilmd", "errorDeclaration", "persistentDisposition", "sensorElementList"}
_ID_ONLY = frozenset({"id"})


def _id_only(v: Any) -> bool:
    return not isinstance(v, dict) or v.keys() <= _ID_ONLY


def _index_fields(event: dict[str, Any], out: list[tuple[str, str, str, float | None]]) -> None:
    if event.keys() <= _PLAIN and _id_only(event.get("readPoint")) and _id_only(event.get("bizLocation")):
        return  # most events: no extension, ILMD, error declaration, persistent disposition, sensor data, nothing below
    _extensions(out, "ext", event, STANDARD_FIELDS)
    _extensions(out, "ilmd", event.get("ilmd"), frozenset())
    err = event.get("errorDeclaration")
    if isinstance(err, dict):
        _extensions(out, "err", err, _ERR_STD)
        if err.get("declarationTime"):
            _add(out, "errTime", "declarationTime", err["declarationTime"])
    for key, kind in (("readPoint", "rp"), ("bizLocation", "bl")):
        _extensions(out, kind, event.get(key), _LOC_STD)
    pd = event.get("persistentDisposition")
    if isinstance(pd, dict):
        for key, kind in (("set", "pdSet"), ("unset", "pdUnset")):
            for v in pd.get(key) or []:
                _add(out, kind, "", _vocab("disposition", v))
    for el in event.get("sensorElementList") or []:
        if not isinstance(el, dict):
            continue
        _extensions(out, "se", el, frozenset({"sensorMetadata", "sensorReport"}))
        _extensions(out, "sMeta", el.get("sensorMetadata"), _META_STD)
        for rep in el.get("sensorReport") or []:
            if not isinstance(rep, dict):
                continue
            _extensions(out, "sRep", {k: (sensor_type(v) if k == "type" else v) for k, v in rep.items()}, frozenset())
            uom = rep.get("uom")
            if isinstance(uom, str):
                for name in SENSOR_NUMBERS:
                    if name in rep:
                        _add(out, "sRep", f"{name}_{uom}", rep[name])


def sensor_type(value: Any) -> Any:
    """A measurement type in its short form (`Temperature`), from `gs1:Temperature` or the full URI."""
    if isinstance(value, str):
        for prefix in ("gs1:", "https://gs1.org/voc/", "http://gs1.org/voc/"):
            if value.startswith(prefix):
                return value[len(prefix):]
    return value


def master_data_children(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(parent, child) location pairs from the header's master data (for WD_readPoint / WD_bizLocation)."""
    out: list[tuple[str, str]] = []
    header = doc.get("epcisHeader") or {}
    for vocab in ((header.get("epcisMasterData") or {}).get("vocabularyList") or []):
        for el in vocab.get("vocabularyElementList") or []:
            for child in el.get("children") or []:
                out.append((canonical_id(el["id"]), canonical_id(child)))
    return out


