"""The XML binding's names (EPCIS 2.0 §9, GS1's `EPCglobal-epcis-2_0.xsd`): namespaces, each event type's
standard elements in the XSD's order and the CBV URN prefixes — shared by the reader (`xml_read`) and the
writer (`xml_write`)."""

from __future__ import annotations

import re

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
_GS1_VOC = "https://gs1.org/voc/"
_SENSOR_NUMBERS = frozenset({"value", "minValue", "maxValue", "sDev", "meanValue", "percRank", "percValue"})
_INT = re.compile(r"^[+-]?\d+$")
_CBV_URN = {"bizStep": "urn:epcglobal:cbv:bizstep:", "disposition": "urn:epcglobal:cbv:disp:",
            "bizTransaction": "urn:epcglobal:cbv:btt:", "sourceDest": "urn:epcglobal:cbv:sdt:",
            "errorReason": "urn:epcglobal:cbv:er:"}

