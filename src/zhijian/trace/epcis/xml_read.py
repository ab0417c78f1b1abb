"""XML → JSON-LD (读取 EPCIS XML): an XML `EPCISDocument`, `EPCISQueryDocument` or single event into exactly the
JSON-LD dict the JSON capture accepts. Parsing is hardened (no DTD, no entities, no network, a depth limit);
every error is the EPCIS `ValidationException` problem with the line number. See `zhijian.trace.epcis.xml`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type stubs (lxml-stubs is no dependency)

from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.event_hash import _vocabulary
from zhijian.trace.epcis.index import sensor_type
from zhijian.trace.epcis.xml_names import (
    _EPCIS_NS,
    _GS1_VOC,
    _ID_LISTS,
    _IGNORED_NS,
    _INT,
    _NS_TO_STD,
    _QTY_LISTS,
    _SENSOR_NUMBERS,
    _STD_NS,
    _TEXT,
    _VOCAB,
    _XSI,
    MAX_BYTES,
    MAX_DEPTH,
    NS,
    NS_MD,
    NS_SBDH,
)

# ---------------------------------------------------------------- errors and secure parsing


def _error(en: str, zh: str, line: int | None = None, field: str | None = None) -> E.EpcisError:
    where = f"line {line}: " if line else ""
    return E.EpcisError("ValidationException", f"XML 文档无效：{where}{zh}", f"invalid XML document: {where}{en}",
                        field=field, extra={"errors": [where + en], "line": line})


def parse(raw: bytes | str) -> etree._Element:
    """The root element of an XML document, parsed without DTDs, entities or network access."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_BYTES:
        raise _error(f"document larger than {MAX_BYTES} bytes", f"文档超过 {MAX_BYTES} 字节")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise _error(str(err.msg or err), f"不是格式良好的 XML（{err.msg or err}）", err.lineno or None) from None
    info = root.getroottree().docinfo
    dtd = info.internalDTD
    if info.system_url or info.public_id or (dtd is not None and (list(dtd.iterentities())
                                                                  or list(dtd.iterelements()))):
        raise _error("DTDs and entity declarations are not accepted", "不接受 DTD 与实体声明", 1)
    return root


def _local(el: etree._Element) -> str:
    return str(etree.QName(el).localname)


def _ns(el: etree._Element) -> str | None:
    ns = etree.QName(el).namespace
    return None if ns is None else str(ns)


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


def _children(el: etree._Element, depth: int) -> list[etree._Element]:
    """Element children, the 1.2 `<extension>`/`<baseExtension>` wrappers flattened; entity nodes refused."""
    if depth > MAX_DEPTH:
        raise _error(f"elements nested deeper than {MAX_DEPTH}", f"元素嵌套超过 {MAX_DEPTH} 层", el.sourceline)
    out: list[etree._Element] = []
    for c in el:
        if isinstance(c, etree._Entity):
            raise _error("entity references are not accepted", "不接受实体引用", c.sourceline)
        if not isinstance(c.tag, str):
            continue
        if _ns(c) in (None, *_EPCIS_NS) and _local(c) in ("extension", "baseExtension"):
            out.extend(_children(c, depth + 1))
        else:
            out.append(c)
    return out


def _number(text: str, el: etree._Element, name: str) -> int | float:
    try:
        return int(text) if _INT.match(text) else float(text)
    except ValueError:
        raise _error(f"{name} must be a number: {text!r}", f"{name} 应为数值：{text!r}", el.sourceline,
                     name) from None



# ---------------------------------------------------------------- XML → JSON-LD


class _Names:
    """Namespace URI ↔ JSON-LD prefix for one document: the sender's prefixes where they are free."""

    def __init__(self) -> None:
        self.ctx: dict[str, str] = {}
        self._by_uri: dict[str, str] = {}

    def key(self, el_ns: str | None, local: str, hint: str | None, line: int | None) -> str:
        if not el_ns:
            raise _error(f"'{local}' is not an EPCIS element and has no namespace (extensions must be namespaced)",
                         f"「{local}」不是 EPCIS 元素，且没有命名空间（扩展字段须有命名空间）", line, local)
        return f"{self.prefix(el_ns, hint)}:{local}"

    def prefix(self, uri: str, hint: str | None) -> str:
        if uri in self._by_uri:
            return self._by_uri[uri]
        std = _NS_TO_STD.get(uri) or _NS_TO_STD.get(uri.rstrip(":"))
        if std:
            self._by_uri[uri] = std
            return std
        p = hint if hint and hint not in _STD_NS and hint not in self.ctx and hint not in ("xsd", "xsi") else None
        n = 1
        while p is None:
            cand = f"ns{n}"
            p = cand if cand not in self.ctx else None
            n += 1
        self.ctx[p] = uri
        self._by_uri[uri] = p
        return p


def _ext_value(el: etree._Element, names: _Names, depth: int) -> Any:
    """A user element's value: its text, or an object of its children — and of its attributes, which are fields
    too (`<ex:furtherData ex:line="2"/>` is `{"ex:line": "2"}`, as OpenEPCIS' JSON twins write it; they were
    dropped before). An element with text is its text, attributes or not: GS1's own JSON-LD twin of
    `<cbvmda:drainedWeight measurementUnitCode="KGM">3.5</…>` is `"3.5"` (EPCIS repository,
    WithFullCombinationOfFields), and the event hash must agree with it."""
    kids = _children(el, depth + 1)
    if not kids:
        text = _text(el)
        return text or _ext_attrs(el, names) or text
    out = _ext_object(kids, names, depth + 1, inner=True)
    for key, value in _ext_attrs(el, names).items():
        _put(out, key, value)
    return out


def _ext_attrs(el: etree._Element, names: _Names) -> dict[str, str]:
    """The attributes of a user element as fields: namespaced ones by prefix, unqualified ones by bare name."""
    return {_attr_key(el, q, names): value.strip() for q, value in _attributes(el)}


def _attributes(el: etree._Element) -> list[tuple[etree.QName, str]]:
    """An element's attributes but those of the XML Schema instance and SBDH namespaces."""
    return [(q, value) for q, value in ((etree.QName(n), v) for n, v in el.attrib.items())
            if q.namespace not in _IGNORED_NS]


def _attr_key(el: etree._Element, q: etree.QName, names: _Names) -> str:
    """A namespaced attribute's JSON-LD name (`prefix:local`, the sender's prefix where free); else its own."""
    if not q.namespace:
        return str(q.localname)
    prefix = next((p for p, u in el.nsmap.items() if u == q.namespace and p), None)
    return f"{names.prefix(q.namespace, prefix)}:{q.localname}"


def _put(obj: dict[str, Any], key: str, value: Any) -> None:
    """Repeated elements become a list (an element's own value is never a list)."""
    if key not in obj:
        obj[key] = value
    elif isinstance(obj[key], list):
        obj[key].append(value)
    else:
        obj[key] = [obj[key], value]


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    return obj


def _ext_object(kids: list[etree._Element], names: _Names, depth: int, *, inner: bool = False) -> dict[str, Any]:
    """Children of an extension (or ILMD): namespaced at the top; inside a user element its own unqualified
    children are allowed (the XSD's lax ##other content) and keep their bare names, as in JSON-LD."""
    out: dict[str, Any] = {}
    for c in kids:
        key = _local(c) if inner and _ns(c) is None else names.key(_ns(c), _local(c), c.prefix, c.sourceline)
        _put(out, key, _ext_value(c, names, depth))
    return _clean(out)


def _attrs(el: etree._Element, names: _Names, numbers: frozenset[str] = frozenset()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q, value in _attributes(el):
        if q.namespace:
            out[_attr_key(el, q, names)] = value
        elif q.localname in numbers:
            out[q.localname] = _number(value.strip(), el, q.localname)
        elif q.localname == "booleanValue":
            out[q.localname] = value.strip() in ("true", "1")
        elif q.localname in ("type", "exception"):
            out[q.localname] = _sensor_term(value.strip())
        else:
            out[q.localname] = value.strip()
    return out


def _sensor_term(value: str) -> str:
    """A sensor report's `type` / `exception` in its JSON-LD spelling: a term of GS1's measurement-type and
    alert-type contexts bare (`gs1:Temperature` → `Temperature`), anything else as written — `gs1:MT-Humidity`
    is no term of the context, and bare it would be a relative IRI (the reference generator's
    `SensorDataExamples.xml` hashes it as `https://gs1.org/voc/MT-Humidity`)."""
    short = sensor_type(value)
    return short if short != value and _vocabulary().get(short) == _GS1_VOC + short else value


def _quantity(el: etree._Element, depth: int) -> dict[str, Any]:
    q: dict[str, Any] = {}
    for c in _children(el, depth + 1):
        name = _local(c)
        if name == "quantity" and c.get(f"{{{_XSI}}}nil") in ("true", "1") and not _text(c):
            continue  # xsi:nil: the quantity is unknown (JSON-LD omits it)
        if name == "quantity":
            q[name] = _number(_text(c), c, "quantity")
        elif name in ("epcClass", "uom"):
            q[name] = _text(c)
    return q


def _where(el: etree._Element, names: _Names, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in _children(el, depth + 1):
        if _ns(c) is None and _local(c) == "id":
            out["id"] = _text(c)
        else:
            _put(out, names.key(_ns(c), _local(c), c.prefix, c.sourceline), _ext_value(c, names, depth + 1))
    return _clean(out)


def _pairs(el: etree._Element, item: str, kind: str, depth: int) -> list[dict[str, Any]]:
    out = []
    for c in _children(el, depth + 1):
        pair: dict[str, Any] = {}
        if c.get("type"):
            pair["type"] = E.vocab_short(kind, c.get("type", "").strip())
        pair[item] = _text(c)
        out.append(pair)
    return out


def _sensor_element(el: etree._Element, names: _Names, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in _children(el, depth + 1):
        name = _local(c)
        if _ns(c) is None and name == "sensorMetadata":
            out["sensorMetadata"] = _attrs(c, names)
        elif _ns(c) is None and name == "sensorReport":
            out.setdefault("sensorReport", []).append(_attrs(c, names, _SENSOR_NUMBERS))
        else:
            _put(out, names.key(_ns(c), name, c.prefix, c.sourceline), _ext_value(c, names, depth + 1))
    return _clean(out)


def _error_declaration(el: etree._Element, names: _Names, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in _children(el, depth + 1):
        name = _local(c)
        if _ns(c) is None and name == "declarationTime":
            out[name] = _text(c)
        elif _ns(c) is None and name == "reason":
            out[name] = E.vocab_short("errorReason", _text(c))
        elif _ns(c) is None and name == "correctiveEventIDs":
            out[name] = [_text(i) for i in _children(c, depth + 2)]
        else:
            _put(out, names.key(_ns(c), name, c.prefix, c.sourceline), _ext_value(c, names, depth + 1))
    return _clean(out)




def _texts(c: etree._Element, depth: int) -> list[str]:
    return [_text(i) for i in _children(c, depth + 1)]


def _persistent_disposition(c: etree._Element, depth: int) -> dict[str, list[str]]:
    pd: dict[str, list[str]] = {}
    for s in _children(c, depth + 1):
        pd.setdefault(_local(s), []).append(E.vocab_short("disposition", _text(s)))
    return pd


_Reader = Callable[[etree._Element, _Names, int], Any]


def _vocab_reader(kind: str) -> _Reader:
    return lambda c, names, depth: E.vocab_short(kind, _text(c))


def _pairs_reader(item: str, kind: str) -> _Reader:
    return lambda c, names, depth: _pairs(c, item, kind, depth)


_READERS: dict[str, _Reader] = {
    **{name: (lambda c, names, depth: _text(c)) for name in _TEXT},
    **{name: _vocab_reader(kind) for name, kind in _VOCAB.items()},
    **{name: (lambda c, names, depth: _texts(c, depth)) for name in _ID_LISTS},
    **{name: (lambda c, names, depth: [_quantity(q, depth + 1) for q in _children(c, depth + 1)]) for name in _QTY_LISTS},
    "readPoint": _where,
    "bizLocation": _where,
    "bizTransactionList": _pairs_reader("bizTransaction", "bizTransaction"),
    "sourceList": _pairs_reader("source", "sourceDest"),
    "destinationList": _pairs_reader("destination", "sourceDest"),
    "sensorElementList": lambda c, names, depth: [_sensor_element(s, names, depth + 1)
                                                  for s in _children(c, depth + 1)],
    "persistentDisposition": lambda c, names, depth: _persistent_disposition(c, depth),
    "ilmd": lambda c, names, depth: _ext_object(_children(c, depth + 1), names, depth + 1),
    "errorDeclaration": _error_declaration,
}
"""How each standard (unqualified) child of an event element is read: element → JSON-LD value."""


def event_from_element(el: etree._Element, names: _Names, depth: int = 2) -> dict[str, Any]:
    """One event element → its JSON-LD object (the form `epcis.event_errors` validates)."""
    etype = _local(el)
    if etype not in E.EVENT_TYPES:
        raise _error(f"'{etype}' is not an EPCIS 2.0 event type", f"「{etype}」不是 EPCIS 2.0 事件类型",
                     el.sourceline, "type")
    ev: dict[str, Any] = {"type": etype}
    for c in _children(el, depth):
        name, ns = _local(c), _ns(c)
        if ns is not None:
            _put(ev, names.key(ns, name, c.prefix, c.sourceline), _ext_value(c, names, depth))
            continue
        reader = _READERS.get(name)
        if reader is None:
            raise _error(f"'{name}' is not an element of {etype} (extensions must be namespaced)",
                         f"「{name}」不是 {etype} 的元素（扩展字段须有命名空间）", c.sourceline, name)
        ev[name] = reader(c, names, depth)
    return _clean(ev)


def _master_data(el: etree._Element, names: _Names, depth: int) -> dict[str, Any]:
    vocabularies = []
    for vlist in _children(el, depth + 1):
        for voc in _children(vlist, depth + 2):
            v: dict[str, Any] = {"type": voc.get("type", "")}
            elements = []
            for vel_list in _children(voc, depth + 3):
                for vel in _children(vel_list, depth + 4):
                    item: dict[str, Any] = {"id": vel.get("id", "")}
                    for part in _children(vel, depth + 5):
                        if _local(part) == "attribute":
                            kids = _children(part, depth + 6)
                            value = _ext_object(kids, names, depth + 6) if kids else _text(part)
                            item.setdefault("attributes", []).append({"id": part.get("id", ""), "attribute": value})
                        elif _local(part) == "children":
                            item["children"] = [_text(i) for i in _children(part, depth + 6)]
                    elements.append(item)
            if elements:
                v["vocabularyElementList"] = elements
            vocabularies.append(v)
    return {"vocabularyList": vocabularies}


def _sbdh(el: etree._Element, doc: dict[str, Any]) -> None:
    """sender / receiver / instanceIdentifier of the JSON-LD document from the Standard Business Document Header."""
    def first(path: str) -> str | None:
        found = el.find(path, {"s": NS_SBDH})
        return _text(found) if found is not None and _text(found) else None

    for key, path in (("sender", "s:Sender/s:Identifier"), ("receiver", "s:Receiver/s:Identifier"),
                      ("instanceIdentifier", "s:DocumentIdentification/s:InstanceIdentifier")):
        value = first(path)
        if value:
            doc[key] = value


def _declared(root: etree._Element, names: _Names) -> None:
    """Prefixes declared on the root enter the @context even when only values use them (CURIEs such as a
    sensor type `example:Abc` or a component, which the event hash expands through the context)."""
    for prefix, uri in root.nsmap.items():
        if prefix and uri not in _EPCIS_NS and uri not in _IGNORED_NS and prefix not in ("xsd", "xsi"):
            names.prefix(uri, prefix)




def _header(part: etree._Element, names: _Names, doc: dict[str, Any]) -> None:
    for h in _children(part, 2):
        if _ns(h) == NS_SBDH:
            _sbdh(h, doc)
        elif _local(h) == "EPCISMasterData":
            doc["epcisHeader"] = {"epcisMasterData": _master_data(h, names, 3)}


def _query_results(b: etree._Element, names: _Names, events: list[dict[str, Any]]) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for q in _children(b, 3):
        if _local(q) in ("queryName", "subscriptionID"):
            query[_local(q)] = _text(q)
        elif _local(q) == "resultsBody":
            for lst in _children(q, 4):
                if _local(lst) == "EventList":
                    events.extend(event_from_element(e, names, 6) for e in _children(lst, 5))
    return query


def _body(part: etree._Element, names: _Names, events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The events of an EPCISBody (appended to `events`) and its QueryResults header, if any."""
    query: dict[str, Any] | None = None
    for b in _children(part, 2):
        if _local(b) == "EventList":
            events.extend(event_from_element(e, names, 4) for e in _children(b, 3))
        elif _local(b) == "QueryResults":
            query = _query_results(b, names, events)
        elif _ns(b) in _EPCIS_NS and _local(b) in _QUERY_REQUESTS:
            raise _error(f"EPCISBody holds {_local(b)}, a request of the EPCIS query interface's XML (SOAP) binding, "
                         "not results: the REST binding queries by GET /epcis/events?… or POST /epcis/queries",
                         f"EPCISBody 中是查询请求 {_local(b)}（查询接口的 XML/SOAP 绑定），不是查询结果；REST 绑定用 "
                         "GET /epcis/events?… 或 POST /epcis/queries 查询", b.sourceline)
    return query


_QUERY_REQUESTS = frozenset({"Poll", "Subscribe", "Unsubscribe", "GetQueryNames", "GetSubscriptionIDs",
                             "GetStandardVersion", "GetVendorVersion"})
"""The EPCIS 1.2/2.0 query interface's messages (XSD `EPCglobal-epcis-query-2_0.xsd`) other than QueryResults."""


def _context(names: _Names) -> list[Any]:
    return [E.EPCIS_CONTEXT, dict(names.ctx)] if names.ctx else [E.EPCIS_CONTEXT]


def _master_document(root: etree._Element, names: _Names, doc: dict[str, Any]) -> dict[str, Any]:
    """`epcismd:EPCISMasterDataDocument` (EPCIS 2.0 §9.5, XSD `EPCglobal-epcis-masterdata-2_0.xsd`): its
    `EPCISBody/VocabularyList` becomes `epcisHeader.epcisMasterData.vocabularyList`, the JSON-LD form."""
    master: dict[str, Any] | None = None
    for part in _children(root, 1):
        if _local(part) == "EPCISHeader":
            for h in _children(part, 2):
                if _ns(h) == NS_SBDH:
                    _sbdh(h, doc)
        elif _local(part) == "EPCISBody":
            master = _master_data(part, names, 1)
    if master is not None:
        doc["epcisHeader"] = {"epcisMasterData": master}
    doc["@context"] = _context(names)
    return doc


_ROOTS = ("EPCISDocument", "EPCISQueryDocument", "EPCISMasterDataDocument")


def document_from_xml(raw: bytes | str) -> dict[str, Any]:
    """An XML EPCISDocument, EPCISQueryDocument or EPCISMasterDataDocument → the JSON-LD document (what
    `epcis_service.capture` takes)."""
    root = parse(raw)
    kind = _local(root)
    if kind not in _ROOTS or _ns(root) not in _EPCIS_NS:
        raise _error(f"root element must be epcis:EPCISDocument, epcisq:EPCISQueryDocument or "
                     f"epcismd:EPCISMasterDataDocument (namespace {NS}, {NS_MD}), not {root.tag}",
                     f"根元素应为 EPCISDocument、EPCISQueryDocument 或 EPCISMasterDataDocument（命名空间 {NS}、{NS_MD}）",
                     root.sourceline)
    names = _Names()
    _declared(root, names)
    doc: dict[str, Any] = {"type": kind}
    for attr in ("schemaVersion", "creationDate"):
        if root.get(attr):
            doc[attr] = root.get(attr)
    if kind == "EPCISMasterDataDocument":
        return _master_document(root, names, doc)
    events: list[dict[str, Any]] = []
    query: dict[str, Any] | None = None
    for part in _children(root, 1):
        name = _local(part)
        if name == "EPCISHeader":
            _header(part, names, doc)
        elif name == "EPCISBody":
            query = _body(part, names, events) or query
    if kind == "EPCISQueryDocument":
        doc["epcisBody"] = {"queryResults": {**(query or {}), "resultsBody": {"eventList": events}}}
    else:
        doc["epcisBody"] = {"eventList": events}
    doc["@context"] = _context(names)
    return doc


def event_from_xml(raw: bytes | str) -> dict[str, Any]:
    """One event for `POST /events`: a bare event element, or an EPCISDocument holding exactly one event."""
    root = parse(raw)
    if _local(root) in E.EVENT_TYPES:
        names = _Names()
        _declared(root, names)
        ev = event_from_element(root, names, 1)
        ev["@context"] = _context(names)
        return ev
    doc = document_from_xml(raw)
    events = E.document_events(doc)
    if len(events) != 1:
        raise _error(f"POST /events takes one event, the document has {len(events)}",
                     f"POST /events 只接受一个事件，文档中有 {len(events)} 个", root.sourceline)
    return {**events[0], "@context": doc["@context"]}

