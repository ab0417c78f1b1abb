"""特种设备 use cases, one module per workflow; this package re-exports their public names so that callers keep
writing ``service.register_unit(...)`` (the API, the CLI, the pages, the jobs, the demo and the room's contract).

- ``policy``: who may do what where (权限, 辖区) and the room's clock;
- ``registry``: 使用登记, status changes (停用/启用/报废/注销) and the registry import;
- ``inspections``: 检验报告 (one and imported), due lists; ``due_dates``: recomputing every next due date;
- ``requests``: 检验申请 to an inspection institute;
- ``maintenance``: 维护保养 records; ``qualifications``: 维保单位许可 and 作业人员证; ``maintenance_contracts``: 维保合同;
- ``incidents``: 困人 / 故障 / 事故; ``reminders``: the daily due reminder;
- ``scan``: the public scan view and the 使用标志 labels (GS1 GIAI); ``signals``: statistics, risk signals, console cards.

The next due date is computed by ``rules.next_due`` and stored on the unit, so due lists are one indexed query.
"""

from __future__ import annotations

from zhijian.equipment.service.due_dates import DueRecompute, recompute_due_dates
from zhijian.equipment.service.incidents import (
    IncidentView,
    get_incident,
    incident_view,
    incidents,
    record_incident,
    require_report_incident,
)
from zhijian.equipment.service.inspections import (
    INSPECTION_COLUMNS,
    DueExplained,
    due_list,
    explain_due,
    import_inspections,
    inspections,
    record_inspection,
)
from zhijian.equipment.service.maintenance import (
    MAINTENANCE_COLUMNS,
    import_maintenance,
    maintenance_overdue,
    maintenance_records,
    record_maintenance,
    require_maintain,
    sign_maintenance,
    unsigned_maintenance,
)
from zhijian.equipment.service.maintenance_contracts import (
    ContractGap,
    ContractSync,
    ContractView,
    contract_gaps,
    contract_in_force,
    contract_page,
    contracts,
    create_contract,
    get_contract,
    in_force,
    set_maintainer,
    sync_contracts,
    terminate_contract,
    update_contract,
)
from zhijian.equipment.service.policy import (
    CHINA,
    can_read,
    division_of,
    in_division,
    require_inspect,
    require_manage,
    require_register,
    today,
)
from zhijian.equipment.service.qualifications import (
    get_licence,
    licence_of,
    licences,
    licensed_companies,
    organization_names,
    register_licence,
    register_worker_cert,
    update_licence,
    worker_certs,
)
from zhijian.equipment.service.registry import (
    IMPORT_COLUMNS,
    change_status,
    get_unit,
    import_registry,
    register_unit,
    status_history,
    units_of,
)
from zhijian.equipment.service.reminders import STAGE_LABELS, ReminderRun, reminder_stage, send_reminders
from zhijian.equipment.service.requests import (
    REQUEST_STATUSES,
    decline_request,
    inspection_requests,
    request_inspection,
    schedule_request,
    unit_code_of,
)
from zhijian.equipment.service.scan import ScanView, code_for_giai, gs1_prefix, label_sheet, resolver_host, scan_view
from zhijian.equipment.service.signals import RiskSignal, StatRow, dashboard_cards, risk_signals, statistics

__all__ = [
    "CHINA", "IMPORT_COLUMNS", "INSPECTION_COLUMNS", "MAINTENANCE_COLUMNS", "REQUEST_STATUSES", "STAGE_LABELS",
    "ContractGap", "ContractSync", "ContractView", "DueExplained", "DueRecompute", "IncidentView", "ReminderRun", "RiskSignal",
    "ScanView", "StatRow",
    "can_read", "change_status", "code_for_giai", "contract_gaps", "contract_in_force", "contract_page", "contracts", "create_contract", "dashboard_cards",
    "decline_request", "division_of", "due_list", "explain_due", "get_contract", "get_incident", "get_licence", "get_unit", "gs1_prefix",
    "import_inspections", "import_maintenance", "import_registry", "in_division", "in_force", "incident_view", "incidents",
    "inspection_requests", "inspections", "label_sheet", "licence_of", "licences", "licensed_companies", "organization_names", "maintenance_overdue",
    "maintenance_records", "record_incident", "record_inspection", "record_maintenance", "recompute_due_dates",
    "register_licence", "register_unit", "register_worker_cert", "reminder_stage", "request_inspection",
    "require_inspect", "require_maintain", "require_manage", "require_register", "require_report_incident",
    "resolver_host", "risk_signals", "scan_view", "schedule_request", "send_reminders", "set_maintainer",
    "sign_maintenance", "statistics", "status_history", "sync_contracts", "terminate_contract", "today",
    "unit_code_of", "units_of", "update_contract", "update_licence",
    "unsigned_maintenance", "worker_certs",
]
