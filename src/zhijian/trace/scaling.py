"""Where the trace room's tables go on a Citus cluster (`zhijian db distribute`, docs/SCALING.md).

Codes and scans are distributed by serial and co-located: the resolver's statements (counter update, history,
scan insert) all carry the serial, so one verification touches one shard. Signals are a reference table: the
resolver's one statement reads a code's open signal kinds beside its history, and a join of a shard with a
coordinator-only table is not pushed down (the repeat scan fell back from one statement to five); signals are
written rarely (a hit, an enumeration) and an enumeration signal has no serial to distribute by. The cache version
(one row, read back by every counted scan, written by the rare change of a cached fact) is a reference table for
the same reason. The EPCIS repository is distributed by the event: each event with its EPC and attribute index
rows (keyed by the event's id first) on one shard, so the queries' `EXISTS` over the index rows join within a
shard; its unique key (one event per eventID) is a table of its own distributed by the eventID, which the capture
checks and writes beside the rows. The master data (vocabulary attributes, the location hierarchy) are reference
tables: queries match an event's read point or location against them (`EXISTS` on `epcis_vocabulary_attr`), which
Citus plans only with a table every shard holds; they change when an owner declares master data.
"""

from __future__ import annotations

from zhijian.platform.distribute import Placement

PLACEMENTS: tuple[Placement, ...] = (
    Placement("trace_code", "distributed", column="serial"),
    Placement("trace_scan", "distributed", column="serial", colocate_with="trace_code"),
    Placement("trace_code_batch", "reference"),
    Placement("trace_mac_key", "reference"),
    Placement("trace_signal", "reference"),
    Placement("trace_cache_version", "reference"),
    Placement("epcis_event", "distributed", column="id"),
    Placement("epcis_epc", "distributed", column="event_pk", colocate_with="epcis_event"),
    Placement("epcis_attr", "distributed", column="event_pk", colocate_with="epcis_event"),
    Placement("epcis_event_key", "distributed", column="event_id"),
    Placement("epcis_vocabulary_attr", "reference"),
    Placement("epcis_location_child", "reference"),
)
