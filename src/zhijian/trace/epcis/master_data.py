"""EPCIS master data (主数据, EPCIS 2.0 §7.4 / §6 "master data"): the vocabulary list a capture document carries in
`epcisHeader.epcisMasterData.vocabularyList`, stored per owner, and the SimpleEventQuery families that read it
(EPCIS 2.0 §8.2.7.1): `HASATTR_<field>` (the field's element has master data with one of the named attributes)
and `EQ_ATTR_<field>_<attr>` (…whose value is one of those given).

Which master data applies: the one declared by the event's own owner (an enterprise cannot label another's
locations in that one's queries); the latest declaration of an element replaces its attributes. The vocabulary
type matters, as in the standard's own master-data example where one SGLN is both a read point and a business
location with different attributes: `readPoint` reads `ReadPoint` master data, `bizLocation` reads
`BusinessLocation`, `epcClass` (the classes of quantity lists) reads `EPCClass`.

Attribute names in a query: the full IRI (`urn:epcglobal:cbv:mda:sst`, also `…mda#sst`), a CURIE of the standard
context (`cbvmda:sst`) or a bare local name (`sst`, matched after the last `:`/`#`/`/`). An underscore inside a
field or attribute name is ambiguous (the standard lets an implementation refuse it); the field is one of the
three names above, so everything after `EQ_ATTR_<field>_` is the attribute."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Index,
    String,
    and_,
    delete,
    exists,
    insert,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from zhijian.platform.db import Base, BigId
from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.index import number_of


class EpcisVocabularyAttr(Base):
    """One attribute of one vocabulary element (主数据属性), as declared by one owner; an element declared
    without attributes has one row with an empty `attr` (its master data exists, with nothing to match)."""

    __tablename__ = "epcis_vocabulary_attr"
    __table_args__ = (Index("ix_epcis_vocabulary_attr_element", "vtype", "element"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    owner_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    vtype: Mapped[str] = mapped_column(String(64))  # ReadPoint, BusinessLocation, EPCClass, … (local name)
    element: Mapped[str] = mapped_column(String(255))  # the element id, canonical (Digital Link where one exists)
    attr: Mapped[str] = mapped_column(String(255))  # the attribute IRI, CURIEs expanded
    attr_name: Mapped[str] = mapped_column(String(128))  # its local name (`sst`), for bare names in queries
    value: Mapped[str] = mapped_column(String(255))  # text (an object value as JSON)
    num: Mapped[float | None] = mapped_column(Float)


# ---------------------------------------------------------------- pure: the rows of a document

_VTYPE_PREFIXES = ("urn:epcglobal:epcis:vtype:", "https://ref.gs1.org/epcis/vtype/", "epcis:vtype:")


def vtype_name(vtype: str) -> str:
    """`urn:epcglobal:epcis:vtype:BusinessLocation` (or the bare term) → `BusinessLocation`."""
    for prefix in _VTYPE_PREFIXES:
        if vtype.startswith(prefix):
            return vtype[len(prefix):]
    return vtype


def attribute_iri(attr: str, namespaces: dict[str, str]) -> str:
    """An attribute id as one IRI: CURIEs expanded (document prefixes, then the standard context's); the CBV's
    `urn:epcglobal:cbv:mda#x` written as `urn:epcglobal:cbv:mda:x` (CBV 2.0 uses the colon form)."""
    prefix, sep, rest = attr.partition(":")
    if sep and not rest.startswith("//") and prefix in namespaces and prefix not in ("urn", "http", "https"):
        attr = namespaces[prefix] + rest
    if attr.startswith("urn:epcglobal:cbv:mda#"):
        attr = "urn:epcglobal:cbv:mda:" + attr[len("urn:epcglobal:cbv:mda#"):]
    return attr


def local_name(iri: str) -> str:
    return re.split(r"[:#/]", iri)[-1]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


MasterRow = tuple[str, str, str, str, float | None]
"""(vocabulary type, element id, attribute IRI, text value, numeric value)."""


def vocabulary_rows(doc: dict[str, Any]) -> list[MasterRow]:
    """Every attribute of every vocabulary element in the document's header (pure)."""
    header = doc.get("epcisHeader") if isinstance(doc, dict) else None
    master = header.get("epcisMasterData") if isinstance(header, dict) else None
    vocabularies = master.get("vocabularyList") if isinstance(master, dict) else None
    ns = {**E.standard_prefixes(), **E.context_namespaces(doc.get("@context"))}
    out: list[MasterRow] = []
    for vocab in vocabularies if isinstance(vocabularies, list) else []:
        if not isinstance(vocab, dict) or not isinstance(vocab.get("type"), str):
            continue
        vtype = vtype_name(vocab["type"])
        for el in vocab.get("vocabularyElementList") or []:
            if not isinstance(el, dict) or not isinstance(el.get("id"), str):
                continue
            element = E.canonical_id(el["id"])
            attrs = [a for a in el.get("attributes") or [] if isinstance(a, dict) and isinstance(a.get("id"), str)]
            if not attrs:
                out.append((vtype, element, "", "", None))
            for a in attrs:
                value = a.get("attribute", "")
                out.append((vtype, element, attribute_iri(a["id"], ns), _text(value),
                            None if isinstance(value, dict | list) else number_of(value)))
    return out


# ---------------------------------------------------------------- EPCISMasterDataDocument (master data without events)

MASTER_DOCUMENT = "EPCISMasterDataDocument"
VTYPES = frozenset({
    "ReadPoint", "BusinessLocation", "BusinessStep", "Disposition", "BusinessTransaction", "BusinessTransactionType",
    "EPCClass", "SourceDestType", "SourceDest", "Location", "Party", "ErrorReason", "SensorPropertyType",
    "Microorganism", "ChemicalSubstance", "Resource"})
"""The standard's vocabulary types (`urn:epcglobal:epcis:vtype:<name>`, EPCIS 2.0 §7.2; the same list in GS1
France's epcis2.js `cbv/vtype`). A type in the standard's namespace must be one of them; a user vocabulary's type
is any other absolute URI."""


def is_master_document(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("type") == MASTER_DOCUMENT


@lru_cache(maxsize=1)
def _document_validator() -> Any:
    """The EPCIS 2.0 JSON schema's EPCISDocument envelope, with master data in place of events: the same
    header definitions (`epcisHeader`, `vocabulary`, `vocabularyElement`, `attribute`), the vocabulary list required."""
    from jsonschema import Draft7Validator

    full = E.schema()
    envelope = full["definitions"]["epcisDocument"]
    header = {"allOf": [{"$ref": "#/definitions/epcisHeader"},
                        {"required": ["epcisMasterData"],
                         "properties": {"epcisMasterData": {"required": ["vocabularyList"]}}}]}
    doc = {**envelope, "properties": {**envelope["properties"], "type": {"type": "string", "enum": [MASTER_DOCUMENT]},
                                      "epcisHeader": header},
           "required": ["@context", "type", "schemaVersion", "creationDate", "epcisHeader"],
           "definitions": full["definitions"]}
    return Draft7Validator(doc)


def _vtype_problem(vtype: str) -> str | None:
    name = vtype_name(vtype)
    if name != vtype or ":" not in vtype:  # the standard's namespace (or a bare term): one of its types
        return None if name in VTYPES else vtype
    return None  # a user vocabulary (any other URI)


def master_document_errors(doc: Any) -> list[str]:
    """What makes a document not an EPCISMasterDataDocument (empty when valid): the schema, an element without an
    id, an attribute without an id, an unknown type in the standard's namespace, events in it."""
    if not is_master_document(doc):
        return ["type: must be EPCISMasterDataDocument"]
    errors = sorted(_document_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    out = [f"{'/'.join(str(p) for p in e.absolute_path) or '(document)'}: {e.message[:300]}" for e in errors[:10]]
    if out:
        return out
    if E.document_events(doc):
        out.append("epcisBody: a master-data document carries no events (send them in an EPCISDocument)")
    for i, vocab in enumerate(doc["epcisHeader"]["epcisMasterData"]["vocabularyList"]):
        where = f"epcisHeader/epcisMasterData/vocabularyList/{i}"
        bad = _vtype_problem(vocab["type"])
        if bad is not None:
            out.append(f"{where}/type: unknown vocabulary type {bad!r}")
        for j, el in enumerate(vocab.get("vocabularyElementList") or []):
            if not el["id"].strip():
                out.append(f"{where}/vocabularyElementList/{j}/id: empty element id")
            for k, a in enumerate(el.get("attributes") or []):
                if not a["id"].strip():
                    out.append(f"{where}/vocabularyElementList/{j}/attributes/{k}/id: empty attribute id")
    return out


def validate_master_document(doc: Any) -> None:
    """ValidationException (400) unless the document is a valid EPCISMasterDataDocument."""
    errors = master_document_errors(doc)
    if errors:
        raise E.validation_error(f"主数据文档不符合标准：{errors[0]}",
                                 f"EPCISMasterDataDocument is not valid: {errors[0]}", errors=errors)


# ---------------------------------------------------------------- capture


def store_master_data(session: Session, doc: dict[str, Any], owner_id: int | None) -> int:
    """Store the header's master data for its owner; an element declared again replaces its attributes.
    Returns the number of attribute rows written."""
    rows = vocabulary_rows(doc)
    if not rows:
        return 0
    elements = sorted({(vtype[:64], element[:255]) for vtype, element, *_ in rows})
    owner = (EpcisVocabularyAttr.owner_id.is_(None) if owner_id is None
             else EpcisVocabularyAttr.owner_id == owner_id)
    for i in range(0, len(elements), 200):
        session.execute(delete(EpcisVocabularyAttr).where(
            owner, tuple_(EpcisVocabularyAttr.vtype, EpcisVocabularyAttr.element).in_(elements[i:i + 200])))
    unique = {(v[:64], el[:255], a[:255]): (t, n) for v, el, a, t, n in rows}  # a repeated attribute: the last
    session.execute(insert(EpcisVocabularyAttr), [
        {"owner_id": owner_id, "vtype": v, "element": el, "attr": a, "attr_name": local_name(a)[:128] if a else "",
         "value": t[:255], "num": n} for (v, el, a), (t, n) in unique.items()])
    return len(unique)


# ---------------------------------------------------------------- reading it back (zhijian's own endpoint)
# The EPCIS 2.0 REST binding's OpenAPI defines no vocabulary endpoints; `GET /api/v1/trace/vocabularies` answers
# the capturing organisation's own master data as an EPCISMasterDataDocument (so it can be captured again as is).


def _owner(owner_id: int | None) -> ColumnElement[bool]:
    return EpcisVocabularyAttr.owner_id.is_(None) if owner_id is None else EpcisVocabularyAttr.owner_id == owner_id


def _value_out(text: str) -> Any:
    """The stored text of an attribute; an object value (stored as its JSON) as the object again."""
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if isinstance(value, dict) else text
    return text


def _cursor(after: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(after), ensure_ascii=False).encode()).decode().rstrip("=")


def _after(cursor: str) -> tuple[str, str]:
    try:
        vtype, element = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(vtype), str(element)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise E.EpcisError("QueryParameterException", "cursor 无效", "invalid cursor", field="cursor") from None


def read_master_data(session: Session, owner_id: int | None, *, vtype: str | None = None,
                     element: str | None = None, limit: int = 100,
                     cursor: str | None = None) -> tuple[dict[str, Any], str | None]:
    """One page (`limit` elements, in (type, id) order) of one owner's master data as an EPCISMasterDataDocument,
    and the cursor of the next page (None on the last). `vtype`: a type (URN or bare name); `element`: an element
    id (EPC URN or Digital Link, compared canonically). Values come back as stored: text (a number as its text),
    an object as the object; `children` are not per owner and are not answered."""
    V = EpcisVocabularyAttr
    conds = [_owner(owner_id)]
    if vtype:
        conds.append(V.vtype == vtype_name(vtype))
    if element:
        conds.append(V.element == E.canonical_id(element))
    if cursor:
        last_type, last_element = _after(cursor)
        conds.append(or_(V.vtype > last_type, and_(V.vtype == last_type, V.element > last_element)))
    keys = [(str(t), str(e)) for t, e in session.execute(
        select(V.vtype, V.element).where(*conds).distinct().order_by(V.vtype, V.element).limit(limit + 1))]
    more, keys = len(keys) > limit, keys[:limit]
    vocabularies: dict[str, dict[str, dict[str, Any]]] = {}
    if keys:
        rows = session.execute(select(V.vtype, V.element, V.attr, V.value)
                               .where(_owner(owner_id), tuple_(V.vtype, V.element).in_(keys))
                               .order_by(V.vtype, V.element, V.id))
        for t, el, attr, value in rows:
            item = vocabularies.setdefault(t, {}).setdefault(el, {"id": el})
            if attr:
                item.setdefault("attributes", []).append({"id": attr, "attribute": _value_out(value)})
    doc = {"@context": [E.EPCIS_CONTEXT], "type": MASTER_DOCUMENT, "schemaVersion": "2.0",
           "creationDate": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
           "epcisHeader": {"epcisMasterData": {"vocabularyList": [
               {"type": t if ":" in t else _VTYPE_PREFIXES[0] + t, "vocabularyElementList": list(els.values())}
               for t, els in vocabularies.items()]}}}
    return doc, (_cursor(keys[-1]) if more else None)


# ---------------------------------------------------------------- SimpleEventQuery: HASATTR_ / EQ_ATTR_

FIELDS = {"readPoint": "ReadPoint", "bizLocation": "BusinessLocation", "epcClass": "EPCClass"}
_PARAM = re.compile(r"^(HASATTR_|EQ_ATTR_)(readPoint|bizLocation|epcClass)(?:_(.+))?$")


def is_attr_param(name: str) -> bool:
    """HASATTR_<field> or EQ_ATTR_<field>_<attr> — the master-data families (names of other fields refused)."""
    m = _PARAM.match(name)
    return bool(m and ((m.group(1) == "HASATTR_") == (m.group(3) is None)))


def _attr_match(names: Iterable[str]) -> ColumnElement[bool]:
    """Attribute names as a query gives them: IRIs and CURIEs by IRI, bare names by local name."""
    ns = E.standard_prefixes()
    iris: list[str] = []
    bare: list[str] = []
    for n in names:
        (iris if (":" in n or "/" in n or "#" in n) else bare).append(attribute_iri(n, ns) if ":" in n else n)
    conds: list[ColumnElement[bool]] = []
    if iris:
        conds.append(EpcisVocabularyAttr.attr.in_(iris))
    if bare:
        conds.append(EpcisVocabularyAttr.attr_name.in_(bare))
    return or_(*conds)


def attr_condition(name: str, values: list[str]) -> ColumnElement[bool]:
    """The WHERE condition of one HASATTR_/EQ_ATTR_ parameter over `epcis_event`."""
    from zhijian.trace.models import EpcisEpc, EpcisEvent

    m = _PARAM.match(name)
    if m is None or not is_attr_param(name):
        raise E.EpcisError("QueryParameterException", f"不支持的查询参数：{name}",
                           f"unknown or unsupported query parameter: {name}", field=name)
    family, field, attr = m.groups()
    if family == "HASATTR_":
        match = _attr_match(values)
    else:
        nums = [n for n in (number_of(v) for v in values) if n is not None]
        value = or_(EpcisVocabularyAttr.value.in_(values), EpcisVocabularyAttr.num.in_(nums)) if nums \
            else EpcisVocabularyAttr.value.in_(values)
        match = _attr_match([attr]) & value
    same_owner = EpcisVocabularyAttr.owner_id.is_not_distinct_from(EpcisEvent.owner_id)
    master = [EpcisVocabularyAttr.vtype == FIELDS[field], same_owner, match]
    if field == "epcClass":
        return exists().where(EpcisEpc.event_pk == EpcisEvent.id,
                              EpcisEpc.role.in_(("epcClass", "childClass", "inputClass", "outputClass")),
                              # correlated to the event two levels up, not only to the EPC row around it
                              exists().where(EpcisVocabularyAttr.element == EpcisEpc.epc, *master)
                              .correlate(EpcisEpc, EpcisEvent))
    column = EpcisEvent.read_point if field == "readPoint" else EpcisEvent.biz_location
    return exists().where(EpcisVocabularyAttr.element == column, *master)
