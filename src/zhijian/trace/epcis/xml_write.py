"""JSON-LD → XML (写出 EPCIS XML): a JSON-LD EPCISDocument or EPCISQueryDocument in the XSD's element order, CBV
terms in the form GS1-CBV-XML-Format asks for, user fields as elements of their declared namespaces. Each
standard field has its writer (`_FIELD_WRITERS`). See `zhijian.trace.epcis.xml`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type stubs (lxml-stubs is no dependency)

from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.xml_names import (
    _CBV_URN,
    _ID_LISTS,
    _QTY_LISTS,
    _STANDARD,
    _STD_NS,
    _VOCAB,
    NS,
    NS_QUERY,
    ORDER,
)


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



_FieldWriter = Callable[[etree._Element, str, Any, _Writer], None]


def _vocab_writer(kind: str) -> _FieldWriter:
    def write(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
        _sub(el, name, _term_uri(kind, v, w.cbv))
    return write


def _write_ids(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    lst = _sub(el, name)
    for epc in v:
        _sub(lst, "epc", epc)


def _write_quantities(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    lst = _sub(el, name)
    for q in v:
        qe = _sub(lst, "quantityElement")
        for k in ("epcClass", "quantity", "uom"):
            if k in q:
                _sub(qe, k, q[k])


def _write_exts(parent: etree._Element, obj: dict[str, Any], w: _Writer, skip: tuple[str, ...] = ()) -> None:
    """The user fields of a standard object (JSON-LD keywords and the standard keys in `skip` left out)."""
    for k, x in obj.items():
        if k not in skip and not k.startswith("@"):
            _write_ext(parent, k, x, w)


def _write_where(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    where = _sub(el, name)
    _sub(where, "id", v.get("id"))
    _write_exts(where, v, w, ("id",))


def _write_biz_transactions(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    lst = _sub(el, name)
    for bt in v:
        b = _sub(lst, "bizTransaction", bt.get("bizTransaction"))
        if bt.get("type"):
            b.set("type", _term_uri("bizTransaction", bt["type"], w.cbv))


def _write_source_dest(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    item = "source" if name == "sourceList" else "destination"
    lst = _sub(el, name)
    for sd in v:
        _sub(lst, item, sd.get(item)).set("type", _term_uri("sourceDest", sd.get("type", ""), w.cbv))


def _write_sensor_elements(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    lst = _sub(el, name)
    for se in v:
        s = _sub(lst, "sensorElement")
        if isinstance(se.get("sensorMetadata"), dict):
            _write_attrs(_sub(s, "sensorMetadata"), se["sensorMetadata"], w)
        for rep in se.get("sensorReport") or []:
            _write_attrs(_sub(s, "sensorReport"), rep, w)
        _write_exts(s, se, w, ("sensorMetadata", "sensorReport"))


def _write_persistent_disposition(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    pd = _sub(el, name)
    for key in ("unset", "set"):  # XSD order: unset before set
        for d in v.get(key) or []:
            _sub(pd, key, _term_uri("disposition", d, w.cbv))


def _write_ilmd(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    _write_exts(_sub(el, name), v, w)


def _write_error_declaration(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    err = _sub(el, name)
    if "declarationTime" in v:
        _sub(err, "declarationTime", v["declarationTime"])
    if v.get("reason"):
        _sub(err, "reason", _term_uri("errorReason", v["reason"], w.cbv))
    if v.get("correctiveEventIDs"):
        ids = _sub(err, "correctiveEventIDs")
        for cid in v["correctiveEventIDs"]:
            _sub(ids, "correctiveEventID", cid)
    _write_exts(err, v, w, ("declarationTime", "reason", "correctiveEventIDs"))


def _write_text(el: etree._Element, name: str, v: Any, w: _Writer) -> None:
    _sub(el, name, v)


_FIELD_WRITERS: dict[str, _FieldWriter] = {
    **{name: _vocab_writer(kind) for name, kind in _VOCAB.items()},
    **dict.fromkeys(_ID_LISTS, _write_ids),
    **dict.fromkeys(_QTY_LISTS, _write_quantities),
    "readPoint": _write_where,
    "bizLocation": _write_where,
    "bizTransactionList": _write_biz_transactions,
    "sourceList": _write_source_dest,
    "destinationList": _write_source_dest,
    "sensorElementList": _write_sensor_elements,
    "persistentDisposition": _write_persistent_disposition,
    "ilmd": _write_ilmd,
    "errorDeclaration": _write_error_declaration,
}
"""How each standard field of an event is written; any other standard field is one text element."""


def _write_event(parent: etree._Element, ev: dict[str, Any], w: _Writer) -> None:
    etype = ev.get("type")
    if etype not in ORDER:
        raise E.validation_error(f"未知的事件类型：{etype}", f"unknown event type: {etype}", field="type")
    el = _sub(parent, str(etype))
    for name in ORDER[str(etype)]:
        if ev.get(name) is not None:
            _FIELD_WRITERS.get(name, _write_text)(el, name, ev[name], w)
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
    return bytes(etree.tostring(out, xml_declaration=True, encoding="UTF-8", pretty_print=True))


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
