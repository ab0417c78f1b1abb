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

The binding is three modules: `xml_names` (namespaces, element order), `xml_read` (XML → JSON-LD) and
`xml_write` (JSON-LD → XML); this one is their surface and adds the content negotiation helpers.
"""

from __future__ import annotations

from zhijian.trace.epcis.xml_names import MAX_BYTES, MAX_DEPTH, NS, NS_MD, NS_QUERY, NS_SBDH, ORDER, XML_TYPES
from zhijian.trace.epcis.xml_read import document_from_xml, event_from_element, event_from_xml, parse
from zhijian.trace.epcis.xml_write import CBV_XML_FORMATS, document_to_xml, event_to_xml, negotiate_cbv_format

__all__ = ["CBV_XML_FORMATS", "MAX_BYTES", "MAX_DEPTH", "NS", "NS_MD", "NS_QUERY", "NS_SBDH", "ORDER", "XML_TYPES",
           "document_from_xml", "document_to_xml", "event_from_element", "event_from_xml", "event_to_xml",
           "is_xml", "media_type", "negotiate_cbv_format", "parse", "prefers_xml"]

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
