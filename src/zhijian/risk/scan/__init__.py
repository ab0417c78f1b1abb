"""监测扫描 (pure) — turn spot-check result rows and complaint rows into NumPy arrays, run the
configured detectors over every series at once, and return signal drafts plus the dashboard aggregates.

No database here: the service fetches the rows (through the spotcheck and consumer rooms' contracts),
calls `result_arrays` / `complaint_arrays`, `scan_rates`, `scan_enterprises`, `scan_counts`, and stores
the drafts. Everything is set-based: grouping by `np.unique`/`bincount`, detectors vectorised over series.
One module per part: `base` (methods, drafts, configuration), `arrays` (rows → arrays), and one per kind of series
(`rate_scan`, `enterprise_scan`, `count_scan`); their names are those of the former single module.
"""

from __future__ import annotations

from zhijian.risk.scan.arrays import ComplaintArrays, ResultArrays, complaint_arrays, result_arrays
from zhijian.risk.scan.base import (
    BASIS_CODES,
    COUNT_METHODS,
    DEFAULTS,
    ENTERPRISE_METHODS,
    FAIL,
    METHOD_ZH,
    MONDAY0,
    RATE_METHODS,
    Config,
    Configs,
    SignalDraft,
    build_configs,
    month_index,
    month_label,
    province_code,
    week_index,
    week_label,
)
from zhijian.risk.scan.count_scan import scan_counts
from zhijian.risk.scan.enterprise_scan import scan_enterprises
from zhijian.risk.scan.rate_scan import _p_exact_rows, scan_rates

__all__ = [
    "BASIS_CODES", "COUNT_METHODS", "DEFAULTS", "ENTERPRISE_METHODS", "FAIL", "METHOD_ZH", "MONDAY0", "RATE_METHODS",
    "ComplaintArrays", "Config", "Configs", "ResultArrays", "SignalDraft", "_p_exact_rows", "build_configs",
    "complaint_arrays", "month_index", "month_label", "province_code", "result_arrays", "scan_counts",
    "scan_enterprises", "scan_rates", "week_index", "week_label",
]
