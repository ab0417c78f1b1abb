"""Where the trace room's tables go on a Citus cluster (`zhijian db distribute`, docs/SCALING.md).

Codes and scans are distributed by serial and co-located: the resolver's statements (counter update, history,
scan insert) all carry the serial, so one verification touches one shard. Signals are a reference table: the
resolver's one statement reads a code's open signal kinds beside its history, and a join of a shard with a
coordinator-only table is not pushed down (the repeat scan fell back from one statement to five); signals are
written rarely (a hit, an enumeration) and an enumeration signal has no serial to distribute by. The cache version
(one row, read back by every counted scan, written by the rare change of a cached fact) is a reference table for
the same reason. The EPCIS tables stay on the
coordinator: Citus needs the distribution column in every unique key, and theirs have none that all keys share.
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
    Placement("epcis_event", "local", why="dedup_key is unique on its own: no column is in every unique key"),
    Placement("epcis_epc", "local", why="its key is its own id, not epcis_event's: no co-location by event_pk"),
    Placement("epcis_attr", "local", why="its key is its own id, not epcis_event's: no co-location by event_pk"),
)
