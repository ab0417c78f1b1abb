"""EPCIS 2.0 XML binding ↔ the JSON-LD binding, in pure functions (lxml).

Why: most warehouse and pharma systems (WMS, 药品追溯 platforms built on EPCIS 1.2) send XML. Capture converts an
XML `EPCISDocument` into exactly the JSON-LD dict the JSON capture accepts, so XML and JSON-LD events are one
thing to validation, the index, queries and the event hash; queries convert their JSON-LD answer back into an
`EPCISQueryDocument` when XML is asked for.

Mapping (EPCIS 2.0 §9 XML binding, element order from GS1's `EPCglobal-epcis-2_0.xsd`):
- standard elements are unqualified; an event's element name is its `type`;
- CBV terms in XML are URIs (`urn:epcglobal:cbv:bizstep:shipping`), in JSON-LD bare (`shipping`): the converter
  maps through `epcis.vocab_short` / the CBV 1.x URN form; sensor types `gs1:Temperature` ↔ `Temperature`;
- user extensions are elements of another namespace: `<ext1:foo>` ↔ `"ext1:foo"`, the prefix declared in the
  JSON-LD `@context` (the standard namespaces `cbvmda`, `gs1`, … are known); repeated elements ↔ a list,
  nested elements ↔ an object, leaf values are strings (xsi:type is neither read nor written);
- the EPCIS 1.2 `<extension>` / `<baseExtension>` wrappers (quantityList, ilmd, eventID, errorDeclaration, a
  TransformationEvent in `EventList/extension`) are read as if their children stood in the parent.

Parsing is hardened: no DTD internal subset, no entities (XXE, billion laughs), no network, lxml's default
depth/size limits (huge_tree off) plus our own depth limit; every error is the EPCIS `ValidationException`
problem with the line number (`line`).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from zhijian.trace import epcis as E

NS = "urn:epcglobal:epcis:xsd:2"
NS_QUERY = "urn:epcglobal:epcis-query:xsd:2"
NS_MD = "urn:epcglobal:epcis-masterdata:xsd:2"
NS_SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
_EPCIS_NS = {NS, NS_QUERY, NS_MD, "urn:epcglobal:epcis:xsd:1", "urn:epcglobal:epcis-query:xsd:1",
             "urn:epcglobal:epcis-masterdata:xsd:1"}
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_IGNORED_NS = {_XSI, "http://www.w3.org/2001/XMLSchema", NS_SBDH}
XML_TYPES = ("application/xml", "text/xml")
MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 48
"""Nesting allowed below the root (the deepest standard path is 7; extensions get the rest)."""

# XML namespace URIs of the standard JSON-LD prefixes (XML writes cbvmda without the trailing colon)
_STD_NS = {"cbvmda": "urn:epcglobal:cbv:mda", "gs1": "https://gs1.org/voc/", "cbv": "https://ref.gs1.org/cbv/",
           "epcis": "https://ref.gs1.org/epcis/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
           "owl": "http://www.w3.org/2002/07/owl#", "dcterms": "http://purl.org/dc/terms/"}
_NS_TO_STD = {v.rstrip(":"): k for k, v in _STD_NS.items()} | {"urn:epcglobal:cbv:mda:": "cbvmda"}

_ID_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QTY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_TEXT = ("eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "certificationInfo", "action", "parentID",
         "transformationID")
_VOCAB = {"bizStep": "bizStep", "disposition": "disposition"}
_BASE = ["eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "errorDeclaration", "certificationInfo"]
_COMMON_TAIL = ["sourceList", "destinationList", "sensorElementList", "persistentDisposition"]
_WHERE = ["bizStep", "disposition", "readPoint", "bizLocation"]
ORDER: dict[str, list[str]] = {
    "ObjectEvent": _BASE + ["epcList", "action", *_WHERE, "bizTransactionList", "quantityList", *_COMMON_TAIL,
                            "ilmd"],
    "AggregationEvent": _BASE + ["parentID", "childEPCs", "action", *_WHERE, "bizTransactionList",
                                 "childQuantityList", *_COMMON_TAIL],
    "TransactionEvent": _BASE + ["bizTransactionList", "parentID", "epcList", "action", *_WHERE, "quantityList",
                                 *_COMMON_TAIL],
    "TransformationEvent": _BASE + ["inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList",
                                    "transformationID", *_WHERE, "bizTransactionList", *_COMMON_TAIL, "ilmd"],
    "AssociationEvent": _BASE + ["parentID", "childEPCs", "childQuantityList", "action", *_WHERE,
                                 "bizTransactionList", *_COMMON_TAIL],
}
"""Standard children of each event type in the XSD's sequence order (user extensions follow, ##other)."""
_STANDARD = frozenset(k for v in ORDER.values() for k in v)
_SENSOR_NUMBERS = frozenset({"value", "minValue", "maxValue", "sDev", "meanValue", "percRank", "percValue"})
_INT = re.compile(r"^[+-]?\d+$")
_CBV_URN = {"bizStep": "urn:epcglobal:cbv:bizstep:", "disposition": "urn:epcglobal:cbv:disp:",
            "bizTransaction": "urn:epcglobal:cbv:btt:", "sourceDest": "urn:epcglobal:cbv:sdt:",
            "errorReason": "urn:epcglobal:cbv:er:"}


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
    return etree.QName(el).localname


def _ns(el: etree._Element) -> str | None:
    return etree.QName(el).namespace


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
    kids = _children(el, depth + 1)
    if not kids:
        return _text(el)
    return _ext_object(kids, names, depth + 1, inner=True)


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
    for name, value in el.attrib.items():
        q = etree.QName(name)
        if q.namespace in _IGNORED_NS:
            continue
        if q.namespace:
            prefix = next((p for p, u in el.nsmap.items() if u == q.namespace and p), None)
            key = f"{names.prefix(q.namespace, prefix)}:{q.localname}"
            out[key] = value
        elif q.localname in numbers:
            out[q.localname] = _number(value.strip(), el, q.localname)
        elif q.localname == "booleanValue":
            out[q.localname] = value.strip() in ("true", "1")
        elif q.localname in ("type", "exception"):
            out[q.localname] = E.sensor_type(value.strip())
        else:
            out[q.localname] = value.strip()
    return out


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
        elif name in _TEXT:
            ev[name] = _text(c)
        elif name in _VOCAB:
            ev[name] = E.vocab_short(_VOCAB[name], _text(c))
        elif name in _ID_LISTS:
            ev[name] = [_text(i) for i in _children(c, depth + 1)]
        elif name in _QTY_LISTS:
            ev[name] = [_quantity(q, depth + 1) for q in _children(c, depth + 1)]
        elif name in ("readPoint", "bizLocation"):
            ev[name] = _where(c, names, depth)
        elif name == "bizTransactionList":
            ev[name] = _pairs(c, "bizTransaction", "bizTransaction", depth)
        elif name == "sourceList":
            ev[name] = _pairs(c, "source", "sourceDest", depth)
        elif name == "destinationList":
            ev[name] = _pairs(c, "destination", "sourceDest", depth)
        elif name == "sensorElementList":
            ev[name] = [_sensor_element(s, names, depth + 1) for s in _children(c, depth + 1)]
        elif name == "persistentDisposition":
            pd: dict[str, list[str]] = {}
            for s in _children(c, depth + 1):
                pd.setdefault(_local(s), []).append(E.vocab_short("disposition", _text(s)))
            ev[name] = pd
        elif name == "ilmd":
            ev[name] = _ext_object(_children(c, depth + 1), names, depth + 1)
        elif name == "errorDeclaration":
            ev[name] = _error_declaration(c, names, depth)
        else:
            raise _error(f"'{name}' is not an element of {etype} (extensions must be namespaced)",
                         f"「{name}」不是 {etype} 的元素（扩展字段须有命名空间）", c.sourceline, name)
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


def document_from_xml(raw: bytes | str) -> dict[str, Any]:
    """An XML EPCISDocument or EPCISQueryDocument → the JSON-LD document (what `epcis_service.capture` takes)."""
    root = parse(raw)
    kind = _local(root)
    if kind not in ("EPCISDocument", "EPCISQueryDocument") or _ns(root) not in _EPCIS_NS:
        raise _error(f"root element must be epcis:EPCISDocument or epcisq:EPCISQueryDocument (namespace {NS}), "
                     f"not {root.tag}", f"根元素应为 EPCISDocument 或 EPCISQueryDocument（命名空间 {NS}）",
                     root.sourceline)
    names = _Names()
    _declared(root, names)
    doc: dict[str, Any] = {"type": kind}
    for attr in ("schemaVersion", "creationDate"):
        if root.get(attr):
            doc[attr] = root.get(attr)
    events: list[dict[str, Any]] = []
    query: dict[str, Any] | None = None
    for part in _children(root, 1):
        name = _local(part)
        if name == "EPCISHeader":
            for h in _children(part, 2):
                if _ns(h) == NS_SBDH:
                    _sbdh(h, doc)
                elif _local(h) == "EPCISMasterData":
                    doc["epcisHeader"] = {"epcisMasterData": _master_data(h, names, 3)}
        elif name == "EPCISBody":
            for b in _children(part, 2):
                if _local(b) == "EventList":
                    events.extend(event_from_element(e, names, 4) for e in _children(b, 3))
                elif _local(b) == "QueryResults":
                    query = {}
                    for q in _children(b, 3):
                        if _local(q) in ("queryName", "subscriptionID"):
                            query[_local(q)] = _text(q)
                        elif _local(q) == "resultsBody":
                            for lst in _children(q, 4):
                                if _local(lst) == "EventList":
                                    events.extend(event_from_element(e, names, 6) for e in _children(lst, 5))
    if kind == "EPCISQueryDocument":
        doc["epcisBody"] = {"queryResults": {**(query or {}), "resultsBody": {"eventList": events}}}
    else:
        doc["epcisBody"] = {"eventList": events}
    doc["@context"] = [E.EPCIS_CONTEXT, dict(names.ctx)] if names.ctx else [E.EPCIS_CONTEXT]
    return doc


def event_from_xml(raw: bytes | str) -> dict[str, Any]:
    """One event for `POST /events`: a bare event element, or an EPCISDocument holding exactly one event."""
    root = parse(raw)
    if _local(root) in E.EVENT_TYPES:
        names = _Names()
        _declared(root, names)
        ev = event_from_element(root, names, 1)
        ev["@context"] = [E.EPCIS_CONTEXT, dict(names.ctx)] if names.ctx else [E.EPCIS_CONTEXT]
        return ev
    doc = document_from_xml(raw)
    events = E.document_events(doc)
    if len(events) != 1:
        raise _error(f"POST /events takes one event, the document has {len(events)}",
                     f"POST /events 只接受一个事件，文档中有 {len(events)} 个", root.sourceline)
    return {**events[0], "@context": doc["@context"]}


# ---------------------------------------------------------------- JSON-LD → XML


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    return str(v)


CBV_XML_FORMATS = ("No_Preference", "Always_Web_URI", "Always_URN", "Never_Translates")
"""GS1-CBV-XML-Format (REST binding, XML answers only)."""


def negotiate_cbv_format(requested: str | None) -> str:
    fmt = (requested or "No_Preference").strip()
    if fmt not in CBV_XML_FORMATS:
        raise E.EpcisError("QueryParameterException", f"GS1-CBV-XML-Format 取值无效：{fmt}",
                           f"invalid GS1-CBV-XML-Format: {fmt}", field="GS1-CBV-XML-Format")
    return fmt


def _term_uri(kind: str, value: str, fmt: str = "No_Preference") -> str:
    """A CBV term as the XML binding writes it: its URN (`urn:epcglobal:cbv:bizstep:shipping`, what 1.2-era
    receivers read; also for No_Preference), its CBV 2.0 Web URI on request, or as stored (Never_Translates:
    a captured URI is kept, a bare JSON-LD term still needs a URI in XML). User vocabulary is unchanged."""
    short = E.vocab_short(kind, value)
    if short not in E.vocabularies()[kind]:
        return value
    if fmt == "Always_Web_URI":
        return E.VOC_PREFIX[kind] + short
    if fmt == "Never_Translates" and ":" in value:
        return value
    return _CBV_URN[kind] + short


class _Writer:
    """JSON-LD prefixes → XML namespaces for one output document."""

    def __init__(self, contexts: list[Any], cbv_format: str = "No_Preference") -> None:
        self.cbv = cbv_format
        self.ns: dict[str, str] = dict(_STD_NS)
        for ctx in contexts:
            self.ns.update({k: v for k, v in E.context_namespaces(ctx).items() if not k.startswith("@")})
        self.used: dict[str, str] = {}

    def qname(self, key: str) -> str:
        if key.startswith(("http://", "https://", "urn:")):
            cut = max(key.rfind("/"), key.rfind("#"), key.rfind(":")) + 1
            uri, local = key[:cut], key[cut:]
            prefix = next((p for p, u in self.used.items() if u == uri), f"ns{len(self.used) + 1}")
        else:
            prefix, _, local = key.partition(":")
            if not local or prefix not in self.ns:
                raise E.validation_error(f"字段「{key}」没有已声明的命名空间，无法写成 XML",
                                         f"field '{key}' has no declared namespace and cannot be written as XML",
                                         field=key)
            uri = self.ns[prefix]
        if not re.match(r"^[^\W\d][\w.-]*$", local) or prefix.lower().startswith("xml"):
            raise E.validation_error(f"字段「{key}」不能作为 XML 元素名", f"field '{key}' is not a valid XML name",
                                     field=key)
        self.used[prefix] = uri
        return f"{{{uri}}}{local}"


def _sub(parent: etree._Element, tag: str, text: Any = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = _scalar(text)
    return el


def _write_ext(parent: etree._Element, key: str, value: Any, w: _Writer, *, inner: bool = False) -> None:
    """A user field as elements; inside a user element a bare key is an unqualified child."""
    bare = inner and ":" not in key and re.match(r"^[^\W\d][\w.-]*$", key) is not None
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, list):
            _write_ext(parent, key, item, w, inner=inner)
            continue
        el = _sub(parent, key if bare else w.qname(key))
        if isinstance(item, dict):
            for k, v in item.items():
                if not k.startswith("@"):
                    _write_ext(el, k, v, w, inner=True)
        else:
            el.text = _scalar(item)


def _write_attrs(el: etree._Element, obj: dict[str, Any], w: _Writer) -> None:
    for k, v in obj.items():
        if k.startswith("@") or isinstance(v, dict | list):
            continue
        if k in ("type", "exception") and isinstance(v, str) and ":" not in v:
            v = "gs1:" + v
        el.set(w.qname(k) if ":" in k else k, _scalar(v))


def _write_event(parent: etree._Element, ev: dict[str, Any], w: _Writer) -> None:
    etype = ev.get("type")
    if etype not in ORDER:
        raise E.validation_error(f"未知的事件类型：{etype}", f"unknown event type: {etype}", field="type")
    el = _sub(parent, str(etype))
    for name in ORDER[str(etype)]:
        if name not in ev or ev[name] is None:
            continue
        v = ev[name]
        if name in _VOCAB:
            _sub(el, name, _term_uri(_VOCAB[name], v, w.cbv))
        elif name in _ID_LISTS:
            lst = _sub(el, name)
            for epc in v:
                _sub(lst, "epc", epc)
        elif name in _QTY_LISTS:
            lst = _sub(el, name)
            for q in v:
                qe = _sub(lst, "quantityElement")
                for k in ("epcClass", "quantity", "uom"):
                    if k in q:
                        _sub(qe, k, q[k])
        elif name in ("readPoint", "bizLocation"):
            where = _sub(el, name)
            _sub(where, "id", v.get("id"))
            for k, x in v.items():
                if k != "id" and not k.startswith("@"):
                    _write_ext(where, k, x, w)
        elif name == "bizTransactionList":
            lst = _sub(el, name)
            for bt in v:
                b = _sub(lst, "bizTransaction", bt.get("bizTransaction"))
                if bt.get("type"):
                    b.set("type", _term_uri("bizTransaction", bt["type"], w.cbv))
        elif name in ("sourceList", "destinationList"):
            item = "source" if name == "sourceList" else "destination"
            lst = _sub(el, name)
            for sd in v:
                _sub(lst, item, sd.get(item)).set("type", _term_uri("sourceDest", sd.get("type", ""), w.cbv))
        elif name == "sensorElementList":
            lst = _sub(el, name)
            for se in v:
                s = _sub(lst, "sensorElement")
                if isinstance(se.get("sensorMetadata"), dict):
                    _write_attrs(_sub(s, "sensorMetadata"), se["sensorMetadata"], w)
                for rep in se.get("sensorReport") or []:
                    _write_attrs(_sub(s, "sensorReport"), rep, w)
                for k, x in se.items():
                    if k not in ("sensorMetadata", "sensorReport") and not k.startswith("@"):
                        _write_ext(s, k, x, w)
        elif name == "persistentDisposition":
            pd = _sub(el, name)
            for key in ("unset", "set"):  # XSD order: unset before set
                for d in v.get(key) or []:
                    _sub(pd, key, _term_uri("disposition", d, w.cbv))
        elif name == "ilmd":
            ilmd = _sub(el, name)
            for k, x in v.items():
                if not k.startswith("@"):
                    _write_ext(ilmd, k, x, w)
        elif name == "errorDeclaration":
            err = _sub(el, name)
            if "declarationTime" in v:
                _sub(err, "declarationTime", v["declarationTime"])
            if v.get("reason"):
                _sub(err, "reason", _term_uri("errorReason", v["reason"], w.cbv))
            if v.get("correctiveEventIDs"):
                ids = _sub(err, "correctiveEventIDs")
                for cid in v["correctiveEventIDs"]:
                    _sub(ids, "correctiveEventID", cid)
            for k, x in v.items():
                if k not in ("declarationTime", "reason", "correctiveEventIDs") and not k.startswith("@"):
                    _write_ext(err, k, x, w)
        else:
            _sub(el, name, v)
    for k, x in ev.items():
        if k not in _STANDARD and k != "type" and not k.startswith("@"):
            _write_ext(el, k, x, w)


def _write_master_data(parent: etree._Element, md: dict[str, Any], w: _Writer) -> None:
    vlist = _sub(_sub(_sub(parent, "extension"), "EPCISMasterData"), "VocabularyList")
    for voc in md.get("vocabularyList") or []:
        v = _sub(vlist, "Vocabulary")
        v.set("type", str(voc.get("type", "")))
        if voc.get("vocabularyElementList"):
            els = _sub(v, "VocabularyElementList")
            for item in voc["vocabularyElementList"]:
                ve = _sub(els, "VocabularyElement")
                ve.set("id", str(item.get("id", "")))
                for a in item.get("attributes") or []:
                    at = _sub(ve, "attribute")
                    at.set("id", str(a.get("id", "")))
                    value = a.get("attribute")
                    if isinstance(value, dict):
                        for k, x in value.items():
                            if not k.startswith("@"):
                                _write_ext(at, k, x, w)
                    else:
                        at.text = _scalar(value)
                if item.get("children"):
                    ch = _sub(ve, "children")
                    for c in item["children"]:
                        _sub(ch, "id", c)


def _xml_prefix(p: str) -> bool:
    return bool(re.match(r"^[^\W\d][\w.-]*$", p)) and not p.lower().startswith("xml")


def _finish(root: etree._Element, w: _Writer) -> bytes:
    """Declare the namespaces used on the root (the readable form) and serialise."""
    nsmap = {p: u for p, u in w.ns.items() if p not in _STD_NS and _xml_prefix(p)} | dict(w.used)
    nsmap[root.prefix or "epcis"] = etree.QName(root).namespace or NS
    out = etree.Element(root.tag, nsmap=nsmap, attrib=dict(root.attrib))
    out.extend(list(root))
    etree.cleanup_namespaces(out, top_nsmap=nsmap, keep_ns_prefixes=list(nsmap))
    return etree.tostring(out, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def document_to_xml(doc: dict[str, Any], cbv_format: str = "No_Preference") -> bytes:
    """A JSON-LD EPCISDocument or EPCISQueryDocument → its XML form (the XSD's element order); CBV terms in the
    form GS1-CBV-XML-Format asks for."""
    try:
        return _document_to_xml(doc, negotiate_cbv_format(cbv_format))
    except (ValueError, TypeError, AttributeError) as err:  # text XML cannot carry (control characters …), bad shapes
        raise E.validation_error(f"文档无法写成 EPCIS XML：{err}", f"the document cannot be written as EPCIS XML: {err}") \
            from None


def _document_to_xml(doc: dict[str, Any], cbv_format: str) -> bytes:
    if not isinstance(doc, dict):
        raise E.validation_error("EPCIS 文档必须是 JSON 对象", "an EPCIS document must be a JSON object")
    query = doc.get("type") == "EPCISQueryDocument" or "queryResults" in (doc.get("epcisBody") or {})
    events = E.document_events(doc)
    contexts: list[Any] = [doc.get("@context")] + [ev.get("@context") for ev in events if isinstance(ev, dict)]
    w = _Writer(contexts, cbv_format)
    ns = NS_QUERY if query else NS
    root = etree.Element(f"{{{ns}}}{'EPCISQueryDocument' if query else 'EPCISDocument'}",
                         nsmap={"epcisq" if query else "epcis": ns})
    root.set("schemaVersion", str(doc.get("schemaVersion", "2.0")))
    if doc.get("creationDate"):
        root.set("creationDate", str(doc["creationDate"]))
    md = (doc.get("epcisHeader") or {}).get("epcisMasterData")
    if isinstance(md, dict):
        _write_master_data(_sub(root, "EPCISHeader"), md, w)
    body = _sub(root, "EPCISBody")
    if query:
        qr = (doc.get("epcisBody") or {}).get("queryResults") or {}
        results = _sub(body, f"{{{NS_QUERY}}}QueryResults")
        _sub(results, "queryName", qr.get("queryName", "SimpleEventQuery"))
        if qr.get("subscriptionID"):
            _sub(results, "subscriptionID", qr["subscriptionID"])
        event_list = _sub(_sub(results, "resultsBody"), "EventList")
    else:
        event_list = _sub(body, "EventList")
    for ev in events:
        if not isinstance(ev, dict):
            raise E.validation_error("事件必须是 JSON 对象", "an event must be a JSON object", field="eventList")
        _write_event(event_list, ev, w)
    return _finish(root, w)


def event_to_xml(event: dict[str, Any], cbv_format: str = "No_Preference") -> bytes:
    """One event as an XML EPCISDocument (GET /events/{id} with Accept: application/xml)."""
    return document_to_xml({"type": "EPCISDocument", "schemaVersion": "2.0", "@context": event.get("@context"),
                            "epcisBody": {"eventList": [event]}}, cbv_format)


# ---------------------------------------------------------------- content negotiation helpers


def media_type(header: str | None) -> str:
    return (header or "").split(";")[0].strip().lower()


def is_xml(header: str | None) -> bool:
    m = media_type(header)
    return m in XML_TYPES or m.endswith("+xml")


def prefers_xml(accept: str | None) -> bool:
    """Accept asks for XML over JSON(-LD): the highest q among XML types beats that of JSON types and */*."""
    best_xml, best_json = 0.0, 0.0
    for part in (accept or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if media in XML_TYPES or media.endswith("+xml"):
            best_xml = max(best_xml, q)
        elif media in ("application/json", "application/ld+json", "*/*", "application/*") or media.endswith("+json"):
            best_json = max(best_json, q - 0.0001 if media in ("*/*", "application/*") else q)
    return best_xml > 0 and best_xml > best_json
