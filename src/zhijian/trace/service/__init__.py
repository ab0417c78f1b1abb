"""防伪溯源 use cases, the only place in this room that writes: one module per workflow, re-exported here so that
the API, CLI, pages, tasks, the demo and other rooms' contracts keep calling `zhijian.trace.service.<name>`.

- `policy` who may do what; `cache` the verification path's in-process caches and their version;
- `keys` MAC keys (密钥轮换); `issuance` 赋码 and code status (作废/冻结/解冻);
- `facts` what an answer shows (product, maker, spot-check verdict, stable listing, recall);
- `verification` 扫码验证 (`verify_steps` / `run_steps`; `trace.hot` is the async driver);
- `signals` 防伪预警 and scan records; `recalls` 召回; `subscribers` events from other rooms;
- `tracing` unit trace and recall scope behind permission checks (the EPCIS repository is `zhijian.trace.epcis`).
"""

from __future__ import annotations

from zhijian.trace.service.cache import CACHED_TABLES, _batch_cache, _info_cache, invalidate_caches, note_cache_version
from zhijian.trace.service.facts import (
    AnswerFacts,
    BatchInfo,
    ProductFacts,
    RecallNotice,
    _batch_info,
    answer_facts,
    cached_answer_facts,
    product_facts,
)
from zhijian.trace.service.guard import GUARD, EnumerationGuard
from zhijian.trace.service.issuance import (
    CHUNK,
    MAX_ISSUE,
    STATUS_ACTIONS,
    IssuedCode,
    IssueRequest,
    _check_issue,
    bulk_insert_codes,
    change_codes,
    get_batch,
    get_batch_for_export,
    issue_codes,
    iter_batch_codes,
    list_batches,
)
from zhijian.trace.service.keys import active_key, cached_keys, keys_for_gtin, rotate_key, store_keys
from zhijian.trace.service.policy import can_issue, can_manage_codes, can_see_lot, signal_scope
from zhijian.trace.service.recalls import list_recalls, lot_codes_summary, mark_lot_recalled
from zhijian.trace.service.signals import list_signals, purge_scans, scan_history, set_signal_status
from zhijian.trace.service.subscribers import on_recall_started, on_sampled, on_verdict_final
from zhijian.trace.service.tracing import identifier_in_events, lot_scope, trace_lot, trace_unit
from zhijian.trace.service.verification import (
    SIGNAL_CONFIG,
    ScanAnswer,
    ScanInput,
    Step,
    UnknownCodeAnswer,
    VerificationAnswer,
    _verify_statements,
    client_tag,
    run_steps,
    verify_scan,
    verify_steps,
    writer_lock,
)

__all__ = [
    "CACHED_TABLES", "CHUNK", "GUARD", "MAX_ISSUE", "SIGNAL_CONFIG", "STATUS_ACTIONS", "AnswerFacts", "BatchInfo", "EnumerationGuard",
    "IssueRequest", "IssuedCode", "ProductFacts", "RecallNotice", "ScanAnswer", "ScanInput", "Step",
    "UnknownCodeAnswer", "VerificationAnswer", "_batch_cache", "_batch_info", "_check_issue",
    "_info_cache", "_verify_statements", "active_key", "answer_facts", "bulk_insert_codes", "cached_answer_facts",
    "cached_keys", "can_issue", "can_manage_codes", "can_see_lot", "change_codes", "client_tag", "get_batch",
    "get_batch_for_export", "identifier_in_events", "invalidate_caches", "issue_codes", "iter_batch_codes",
    "keys_for_gtin", "list_batches", "list_recalls", "list_signals", "lot_codes_summary", "lot_scope",
    "mark_lot_recalled", "note_cache_version", "on_recall_started", "on_sampled", "on_verdict_final", "product_facts",
    "purge_scans", "rotate_key", "run_steps", "scan_history", "set_signal_status", "signal_scope", "store_keys",
    "trace_lot", "trace_unit", "verify_scan", "verify_steps", "writer_lock",
]
