"""GS1 EPCIS 2.0 / CBV 2.0 (事件溯源): the repository of the trace room, one module per workflow.

- `rules` pure functions: validation, CBV vocabularies, identifiers (EPC URN ↔ Digital Link), GS1-EPC-Format;
- `index` the index rows of one event (identifiers by role, queryable fields), pure;
- `event_hash` the CBV 2.0 §8.9 event hash ID; `xml` the XML binding (XSD 2.0) both ways;
- `rows` a capture's event, EPC and attribute rows, written set-based (COPY streamed on PostgreSQL);
- `scope` who reads and captures what; `service` capture (and the repository's one surface, re-exporting
  `query` SimpleEventQuery, `subscriptions` named queries and webhooks, `graph` unit trace and lot recall scope).

`from zhijian.trace import epcis as E` keeps giving the pure functions of `rules` (re-exported here).
"""

from __future__ import annotations

from zhijian.trace.epcis.index import (
    SENSOR_NUMBERS,
    EventIndex,
    index_event,
    master_data_children,
    number_of,
    sensor_type,
)
from zhijian.trace.epcis.rules import (
    CANON,
    CBV_VERSION,
    EPC_FORMATS,
    EPCIS_CONTEXT,
    EPCIS_VERSION,
    EVENT_TYPES,
    STANDARD_FIELDS,
    VOC_PREFIX,
    EpcisError,
    canonical_id,
    context_namespaces,
    document_events,
    document_prefixes,
    event_errors,
    event_hash_id,
    format_event,
    gtin_serial_of,
    id_pattern,
    namespace_errors,
    negotiate_epc_format,
    parse_time,
    prehash_string,
    schema,
    sgtin_urn_free,
    standard_prefixes,
    utc_ms,
    validate_document,
    validation_error,
    vocab_full,
    vocab_short,
    vocabularies,
)

__all__ = [
    "CANON",
    "CBV_VERSION",
    "EPCIS_CONTEXT",
    "EPCIS_VERSION",
    "EPC_FORMATS",
    "EVENT_TYPES",
    "EpcisError",
    "EventIndex",
    "SENSOR_NUMBERS",
    "STANDARD_FIELDS",
    "VOC_PREFIX",
    "canonical_id",
    "context_namespaces",
    "document_events",
    "document_prefixes",
    "event_errors",
    "event_hash_id",
    "format_event",
    "gtin_serial_of",
    "id_pattern",
    "index_event",
    "master_data_children",
    "namespace_errors",
    "negotiate_epc_format",
    "number_of",
    "parse_time",
    "prehash_string",
    "schema",
    "sensor_type",
    "sgtin_urn_free",
    "standard_prefixes",
    "utc_ms",
    "validate_document",
    "validation_error",
    "vocab_full",
    "vocab_short",
    "vocabularies",
]
