"""风险监测预警 use cases: the scan, signals and their review, assessments, alerts (with e-mail), recalls,
and the dashboard. The API, the CLI, the pages, the jobs and the demo all call these functions;
permission checks live in the policy section at the top.

Inputs from other rooms come only through their services (`spotcheck.service.final_results`, or
`result_rows` where that is missing, and `consumer.service.complaint_records`); an absent room means no data.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog import service as catalog
from zhijian.catalog.models import Organization, Product
from zhijian.platform import audit, jurisdiction
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.config import Settings
from zhijian.platform.crud import flush
from zhijian.platform.db import utcnow
from zhijian.platform.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from zhijian.platform.events import publish
from zhijian.platform.pagination import Page, keyset_page
from zhijian.platform.rooms import room_module
from zhijian.risk import matrix, scan
from zhijian.risk.models import Alert, Assessment, Recall, RecallReport, ScanRun, SeriesConfig, Signal
from zhijian.risk.schemas import (
    ALERT_FIELDS,
    DEFAULT_PUBLIC,
    AlertIn,
    AssessmentIn,
    RecallCloseIn,
    RecallIn,
    RecallReportIn,
    SeriesConfigIn,
)

# ---------------------------------------------------------------- policy (one place per room)

MONITOR_ROLES = ("regulator", "association")


def can_monitor(actor: Actor) -> None:
    """Signals, configurations, assessments and the dashboard: regulators and the association."""
    actor.require(*MONITOR_ROLES)


def can_publish_alert(actor: Actor) -> None:
    """Alerts are administrative acts: regulators only (admin always)."""
    actor.require("regulator")


def can_start_recall(actor: Actor, enterprise_id: int) -> None:
    """A recall is started by the enterprise itself or ordered by a regulator."""
    if actor.role in ("admin", "regulator"):
        return
    if actor.role == "enterprise" and actor.owns(enterprise_id):
        return
    actor.require("regulator", "enterprise")
    raise PermissionDenied("企业只能为本企业发起召回", "an enterprise may only start its own recalls")


def can_read_recall(actor: Actor, recall: Recall, region_code: str | None = None) -> None:
    """Staff and the recalling enterprise; a regulator only within its division (404 outside)."""
    if actor.role == "regulator":
        jurisdiction.ensure_covers(actor, region_code, "召回", "recall")
        return
    if actor.is_staff or actor.owns(recall.enterprise_id):
        return
    actor.require("admin", "regulator", "association", "enterprise")
    raise PermissionDenied("只能查看本企业的召回", "you may only see your own enterprise's recalls")


def can_report_recall(actor: Actor, recall: Recall) -> None:
    can_start_recall(actor, recall.enterprise_id)


# ---------------------------------------------------------------- jurisdiction (issue 13)
# A regulator sees the signals, assessments, draft alerts and recalls of its division (GB/T 2260 prefix, see
# platform.jurisdiction); the national level, admin and the association see all; published alerts are public.


def _enterprise_region(col: Any) -> Any:
    return select(Organization.region_code).where(Organization.id == col).scalar_subquery()


def _product_region(col: Any) -> Any:
    return (select(Organization.region_code).join(Product, Product.enterprise_id == Organization.id)
            .where(Product.id == col).scalar_subquery())


def _signal_clause(actor: Actor) -> Any:
    """A signal's division: its series' region, else its enterprise's, else its product's enterprise's."""
    return jurisdiction.region_clause(actor, Signal.region_code, _enterprise_region(Signal.enterprise_id),
                                      _product_region(Signal.product_id))


def _region_of_enterprise(session: Session, enterprise_id: int | None) -> str | None:
    if enterprise_id is None:
        return None
    return session.scalar(select(Organization.region_code).where(Organization.id == enterprise_id))


def _region_of_product(session: Session, product_id: int | None) -> str | None:
    if product_id is None:
        return None
    return session.scalar(select(Organization.region_code).join(Product, Product.enterprise_id == Organization.id)
                          .where(Product.id == product_id))


def signal_regions(session: Session, sig: Signal) -> list[str | None]:
    return [sig.region_code, _region_of_enterprise(session, sig.enterprise_id),
            _region_of_product(session, sig.product_id)]


def _author_region(session: Session, actor: Actor) -> str | None:
    """The division of a regional regulator's own work (None for national, admin, association)."""
    if jurisdiction.regional_prefix(actor) is None or actor.organization_id is None:
        return None
    return session.scalar(select(Organization.region_code).where(Organization.id == actor.organization_id))


def _outside(what: str, what_en: str) -> DomainError:
    return DomainError("jurisdiction.outside", f"{what}不存在或不在本辖区", f"{what_en} not found in your jurisdiction",
                       status=404)


def scoped_summary(session: Session, actor: Actor, summary: dict[str, Any]) -> dict[str, Any]:
    """The scan's aggregates as a regional regulator may see them: its division's cells, trends, funnel points
    and enterprises; the national weekly complaint total is left out."""
    prefix = jurisdiction.regional_prefix(actor)
    if prefix is None or not summary:
        return summary

    def mine(code: Any) -> bool:
        return bool(code) and str(code).startswith(prefix)

    out = dict(summary)
    out["heatmap"] = [c for c in summary.get("heatmap", []) if mine(c.get("region"))]
    out["trends"] = [t for t in summary.get("trends", []) if mine(t.get("region"))]
    out["funnels"] = [f | {"points": [p for p in f.get("points", []) if mine(p.get("region"))]}
                      for f in summary.get("funnels", [])]
    out["funnels"] = [f for f in out["funnels"] if f["points"]]
    ents = {e.get("enterprise_id") for e in summary.get("enterprises", [])}
    regions = {int(i): r for i, r in session.execute(select(Organization.id, Organization.region_code).where(
        Organization.id.in_([i for i in ents if i is not None])))} if ents else {}
    out["enterprises"] = [e for e in summary.get("enterprises", []) if mine(regions.get(e.get("enterprise_id")))]
    out["complaints"] = {}
    return out


# ---------------------------------------------------------------- inputs from other rooms


def spotcheck_rows(session: Session, since: dt.date | None) -> Sequence[tuple[Any, ...]]:
    """Final batch verdicts: `spotcheck.service.final_results` (no item aggregation: the scan counts failing
    batches), falling back to `result_rows`, whose first eight columns are the same."""
    mod = room_module("spotcheck", "service")
    if mod is None:
        return []
    fn = getattr(mod, "final_results", None) or getattr(mod, "result_rows", None)
    return fn(session, since=since) if fn is not None else []


def equipment_drafts(session: Session, as_of: dt.date) -> list[scan.SignalDraft]:
    """特种设备 signals (`equipment.service.risk_signals`: overdue inspections / maintenance by owner and division,
    repeated 不合格, accidents and entrapments per unit) as drafts of kind ``equipment``, one per month and series."""
    mod = room_module("equipment", "service")
    fn = getattr(mod, "risk_signals", None) if mod is not None else None
    if fn is None:
        return []
    period = f"{as_of.year:04d}-{as_of.month:02d}"
    out: list[scan.SignalDraft] = []
    for sig in fn(session, on=as_of):
        key = f"unit:{sig.unit_code}" if sig.unit_code else f"ent:{sig.owner_id}|reg:{sig.region_code}"
        out.append(scan.SignalDraft(
            kind="equipment", method=f"equipment_{sig.kind}"[:32], series_key=key[:64], period=period,
            observed=float(sig.count), expected=None, threshold=None, score=float(sig.count), p_value=None, params={},
            evidence={"detail": sig.detail, "unit_code": sig.unit_code}, region_code=sig.region_code or None,
            enterprise_id=sig.owner_id))
    return out


def complaint_rows(session: Session, since: dt.date | None) -> Sequence[tuple[Any, ...]]:
    mod = room_module("consumer", "service")
    fn = getattr(mod, "complaint_records", None) if mod is not None else None
    return fn(session, since=since) if fn is not None else []


# ---------------------------------------------------------------- series configurations


def list_configs(session: Session, actor: Actor) -> list[SeriesConfig]:
    can_monitor(actor)
    return list(session.scalars(select(SeriesConfig).order_by(SeriesConfig.kind, SeriesConfig.series_key)))


def _check_config(data: SeriesConfigIn) -> None:
    allowed = {"rate": scan.RATE_METHODS, "enterprise": scan.ENTERPRISE_METHODS, "count": scan.COUNT_METHODS}[data.kind]
    bad = [m for m in data.methods if m not in allowed]
    if bad:
        raise DomainError("risk.bad_method", f"{data.kind} 序列不支持方法：{', '.join(bad)}（可选 {', '.join(allowed)}）",
                          f"methods not available for {data.kind}: {', '.join(bad)} (one of {', '.join(allowed)})",
                          field="methods")
    known = scan.DEFAULTS[data.kind]["params"]
    unknown = [k for k in data.params if k not in known]
    if unknown:
        raise DomainError("risk.bad_parameter", f"未知参数：{', '.join(unknown)}", f"unknown parameters: {', '.join(unknown)}",
                          field="params")
    for k, v in data.params.items():
        if isinstance(known[k], bool):
            ok = isinstance(v, bool)
        else:  # every numeric parameter is positive (levels, thresholds, window lengths)
            ok = isinstance(v, int | float) and not isinstance(v, bool) and v > 0
        if not ok:
            raise DomainError("risk.bad_parameter", f"参数 {k} 的取值无效：{v}", f"invalid value for {k}: {v}",
                              field=f"params.{k}")


def upsert_config(session: Session, actor: Actor, data: SeriesConfigIn) -> SeriesConfig:
    """设置序列的方法与参数 — create or replace the configuration of one series (or a kind's default)."""
    can_monitor(actor)
    if jurisdiction.regional_prefix(actor) is not None:  # the scan is national: one bureau may not retune it for all
        raise PermissionDenied("监测序列配置由国家级监管部门设置", "series configurations are set at the national level")
    _check_config(data)
    row = session.scalar(select(SeriesConfig).where(SeriesConfig.kind == data.kind,
                                                    SeriesConfig.series_key == data.series_key))
    if row is None:
        row = SeriesConfig(kind=data.kind, series_key=data.series_key)
        session.add(row)
    row.label, row.methods, row.params, row.enabled = data.label, list(data.methods), dict(data.params), data.enabled
    flush(session, "risk_series_config")
    return row


def load_configs(session: Session) -> scan.Configs:
    rows = session.execute(select(SeriesConfig.kind, SeriesConfig.series_key, SeriesConfig.methods,
                                  SeriesConfig.params, SeriesConfig.enabled)).all()
    return scan.build_configs([tuple(r) for r in rows])  # type: ignore[misc]


# ---------------------------------------------------------------- labels


class _Labels:
    """Chinese labels of categories, enterprises, products and regions (cached per operation)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.s, self.actor = session, actor
        self._cat: dict[int, str] = {}
        self._org: dict[int, str] = {}
        self._prod: dict[int, str] = {}

    def category(self, cid: int | None) -> str:
        if cid is None:
            return ""
        if cid not in self._cat:
            try:
                self._cat[cid] = catalog.get_category(self.s, self.actor, cid).name
            except NotFound:
                self._cat[cid] = f"类别 {cid}"
        return self._cat[cid]

    def enterprise(self, oid: int | None) -> str:
        if oid is None:
            return ""
        if oid not in self._org:
            try:
                self._org[oid] = catalog.get_organization(self.s, self.actor, oid).name
            except NotFound:
                self._org[oid] = f"企业 {oid}"
        return self._org[oid]

    def product(self, pid: int | None) -> str:
        if pid is None:
            return ""
        if pid not in self._prod:
            try:
                p = catalog.get_product(self.s, self.actor, pid)
                self._prod[pid] = " ".join(x for x in (p.brand, p.name, p.model) if x)
            except (NotFound, PermissionDenied):
                self._prod[pid] = f"产品 {pid}"
        return self._prod[pid]

    @staticmethod
    def region(code: str | None) -> str:
        if not code:
            return ""
        return catalog_rules.region_names().get(code) or catalog_rules.region_label(code) or code

    def series(self, d: scan.SignalDraft) -> str:
        parts = []
        if d.product_id is not None:
            parts.append(self.product(d.product_id))
        if d.enterprise_id is not None:
            parts.append(self.enterprise(d.enterprise_id))
        if d.category_id is not None:
            parts.append(self.category(d.category_id))
        if d.region_code:
            parts.append(self.region(d.region_code))
        return " · ".join(p for p in parts if p)[:200]


# ---------------------------------------------------------------- the scan


def run_scan(session: Session, actor: Actor, *, as_of: dt.date | None = None,
             results: Sequence[tuple[Any, ...]] | None = None, complaints: Sequence[tuple[Any, ...]] | None = None,
             progress: Callable[[str, int], None] | None = None) -> ScanRun:
    """全量监测扫描 — read the rooms' rows once, build arrays, run every configured detector, store new
    signals (a signal seen before, same method/series/period, is not duplicated) and the dashboard aggregates.

    `results`/`complaints` replace the rooms' rows (benchmarks on synthetic data); the real scan reads them.
    `progress(step, percent)` reports progress to the CLI's bar.
    """
    can_monitor(actor)
    t_start = time.perf_counter()
    as_of = as_of or dt.date.today()
    timings: dict[str, float] = {}

    def step(name: str, pct: int) -> None:
        timings[name] = round(time.perf_counter() - t_start, 3)
        if progress:
            progress(name, pct)

    cfgs = load_configs(session)
    months = max(int(scan.DEFAULTS["rate"]["params"]["months"]),
                 int((cfgs.by_kind.get("rate") or scan.Config([], {"months": 24})).params.get("months", 24)),
                 int((cfgs.by_kind.get("enterprise") or scan.Config([], {"months": 24})).params.get("months", 24)))
    since_results = dt.date(as_of.year - (months // 12) - 1, as_of.month, 1)
    rrows = results if results is not None else spotcheck_rows(session, since_results)
    step("read_results", 15)
    cparams = (cfgs.by_kind.get("count") or scan.Config([], scan.DEFAULTS["count"]["params"])).params
    weeks = int(cparams.get("b", 2)) * 52 + int(cparams.get("w", 3)) + 20
    since_complaints = as_of - dt.timedelta(weeks=weeks)
    crows = complaints if complaints is not None else complaint_rows(session, since_complaints)
    step("read_complaints", 25)
    ra = scan.result_arrays(rrows)
    ca = scan.complaint_arrays(crows)
    step("arrays", 35)
    drafts, summary = scan.scan_rates(ra, cfgs, as_of)
    step("rates", 55)
    d2, s2 = scan.scan_enterprises(ra, cfgs, as_of)
    step("enterprises", 70)
    d3, s3 = scan.scan_counts(ca, cfgs, as_of)
    step("counts", 85)
    drafts += d2 + d3
    if results is None:  # the real scan also reads the equipment room (synthetic runs stay synthetic)
        drafts += equipment_drafts(session, as_of)
    run = ScanRun(started_at=utcnow(), n_results=len(ra), n_complaints=len(ca))
    session.add(run)
    flush(session, "risk_scan_run")
    new = _store_signals(session, actor, drafts, run.id)
    labels = _Labels(session, actor)
    summary.update(s2)
    summary["complaints"] = s3
    summary["as_of"] = as_of.isoformat()
    _label_summary(summary, labels)
    step("store", 100)
    run.n_signals = new
    run.finished_at = utcnow()
    run.seconds = round(time.perf_counter() - t_start, 3)
    summary["timings"] = timings
    summary["drafts"] = len(drafts)
    run.summary = summary
    flush(session, "risk_scan_run")
    return run


def _store_signals(session: Session, actor: Actor, drafts: list[scan.SignalDraft], scan_id: int) -> int:
    if not drafts:
        return 0
    prints = list({d.fingerprint for d in drafts})
    seen: set[str] = set()
    for i in range(0, len(prints), 500):
        seen.update(session.scalars(select(Signal.fingerprint).where(Signal.fingerprint.in_(prints[i:i + 500]))))
    labels = _Labels(session, actor)
    rows: list[dict[str, Any]] = []
    ent_regions: dict[int, str | None] = {}
    for d in drafts:
        if d.fingerprint in seen:
            continue
        seen.add(d.fingerprint)
        region = d.region_code  # issue 13: an enterprise or product series belongs to the enterprise's division
        if region is None and (d.enterprise_id is not None or d.product_id is not None):
            key = d.enterprise_id if d.enterprise_id is not None else -int(d.product_id or 0)
            if key not in ent_regions:
                ent_regions[key] = (_region_of_enterprise(session, d.enterprise_id) if d.enterprise_id is not None
                                    else _region_of_product(session, d.product_id))
            region = ent_regions[key]
        rows.append(dict(
            fingerprint=d.fingerprint, kind=d.kind, method=d.method, series_key=d.series_key,
            series_label=labels.series(d), period=d.period, category_id=d.category_id, region_code=region,
            enterprise_id=d.enterprise_id, product_id=d.product_id, params=d.params, expected=d.expected,
            observed=d.observed, threshold=d.threshold, score=d.score, p_value=d.p_value, evidence=d.evidence,
            sampling_basis=d.sampling_basis, scan_id=scan_id))
    if not rows:
        return 0
    # set-based: one executemany instead of one ORM insert (+ one audit chain append) per signal; the scan's
    # signals are audited as one record, as the house rule asks of bulk writes
    try:
        session.execute(insert(Signal), rows)
    except IntegrityError as exc:  # a concurrent scan stored the same signal first
        session.rollback()
        raise Conflict("risk_signal.duplicate", "风险信号已存在（并发扫描）", "risk signal already exists (concurrent scan)") from exc
    audit.record(session, "create", "risk_signal", f"scan:{scan_id}", None,
                 {"scan_id": scan_id, "n": len(rows), "fingerprints": [r["fingerprint"] for r in rows]})
    return len(rows)


def _label_summary(summary: dict[str, Any], labels: _Labels) -> None:
    for cell in summary.get("heatmap", []):
        cell["category"] = labels.category(cell["category_id"])
        cell["region_name"] = labels.region(cell["region"])
    for tr in summary.get("trends", []):
        tr["label"] = f"{labels.category(tr['category_id'])} · {labels.region(tr['region'])}"
    for fu in summary.get("funnels", []):
        fu["category"] = labels.category(fu["category_id"])
        for p in fu["points"]:
            p["label"] = labels.region(p["region"])
    for e in summary.get("enterprises", []):
        e["enterprise"] = labels.enterprise(e["enterprise_id"])
        e["category"] = labels.category(e["category_id"])


def latest_scan(session: Session, actor: Actor) -> ScanRun | None:
    can_monitor(actor)
    return session.scalars(select(ScanRun).where(ScanRun.finished_at.is_not(None))
                           .order_by(ScanRun.id.desc()).limit(1)).first()


# ---------------------------------------------------------------- signals


def list_signals(session: Session, actor: Actor, *, status: str | None = None, method: str | None = None,
                 kind: str | None = None, category_id: int | None = None, limit: int = 50,
                 cursor: str | None = None) -> Page[Signal]:
    can_monitor(actor)
    stmt: Select[Any] = select(Signal)
    if status:
        stmt = stmt.where(Signal.status == status)
    if method:
        stmt = stmt.where(Signal.method == method)
    if kind:
        stmt = stmt.where(Signal.kind == kind)
    if category_id is not None:
        stmt = stmt.where(Signal.category_id == category_id)
    if (clause := _signal_clause(actor)) is not None:
        stmt = stmt.where(clause)
    return keyset_page(session, stmt, Signal.id, limit=limit, cursor=cursor, descending=True)


def get_signal(session: Session, actor: Actor, signal_id: int) -> Signal:
    can_monitor(actor)
    sig = session.get(Signal, signal_id)
    if sig is None:
        raise NotFound("signal", signal_id)
    if jurisdiction.regional_prefix(actor) is not None and not jurisdiction.covers_any(actor, signal_regions(session,
                                                                                                            sig)):
        raise _outside("风险信号", "signal")
    return sig


def review_signal(session: Session, actor: Actor, signal_id: int, status: str, note: str = "") -> Signal:
    """研判 — staff mark a signal confirmed or a false alarm (or reopen it); feeds the PPV report."""
    sig = get_signal(session, actor, signal_id)
    if status not in ("confirmed", "false_alarm", "open"):
        raise DomainError("risk.bad_status", "状态应为 confirmed / false_alarm / open",
                          "status must be confirmed, false_alarm or open", field="status")
    if status == sig.status:
        raise InvalidTransition("signal", sig.status, status)
    sig.status = status
    sig.review_note = note[:500]
    sig.reviewed_by = actor.label
    sig.reviewed_at = utcnow()
    flush(session, "signal")
    return sig


def method_performance(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """阳性预测值 — per method: signals, open, confirmed, false alarms and PPV = confirmed/(confirmed+false)."""
    can_monitor(actor)
    stmt = select(Signal.method, Signal.status, func.count())
    if (clause := _signal_clause(actor)) is not None:
        stmt = stmt.where(clause)
    rows = session.execute(stmt.group_by(Signal.method, Signal.status)).all()
    by: dict[str, dict[str, int]] = {}
    for method, status, n in rows:
        by.setdefault(method, {"open": 0, "confirmed": 0, "false_alarm": 0})[status] = int(n)
    out = []
    for method in sorted(by, key=lambda m: list(scan.METHOD_ZH).index(m) if m in scan.METHOD_ZH else 99):
        c = by[method]
        reviewed = c["confirmed"] + c["false_alarm"]
        out.append({"method": method, "method_zh": scan.METHOD_ZH.get(method, method),
                    "signals": sum(c.values()), "open": c["open"], "confirmed": c["confirmed"],
                    "false_alarm": c["false_alarm"], "ppv": (c["confirmed"] / reviewed) if reviewed else None})
    return out


# ---------------------------------------------------------------- assessments


def assessment_input(data: AssessmentIn) -> dict[str, Any]:
    """The method's input as stored (and as the CLI reads it): product, hazard, scenarios, flags, exposure."""
    return data.model_dump(exclude={"product_id", "signal_id", "exposure_adjustment"})


def create_assessment(session: Session, actor: Actor, data: AssessmentIn) -> Assessment:
    """风险评估 — run the EU method on the scenarios and keep input and result (one record)."""
    can_monitor(actor)
    raw = assessment_input(data)
    parsed = matrix.parse_assessment(raw)
    result = matrix.assess(parsed, exposure_adjustment=data.exposure_adjustment)
    if data.product_id is not None:
        catalog.get_product(session, actor, data.product_id)
    region = None
    if data.signal_id is not None:
        sig = get_signal(session, actor, data.signal_id)
        region = next((r for r in signal_regions(session, sig) if r and jurisdiction.covers(actor, r)), None)
    region = region or _author_region(session, actor) or _region_of_product(session, data.product_id)
    row = Assessment(product_name=parsed.product, product_id=data.product_id, signal_id=data.signal_id,
                     hazard=data.hazard, input=raw, result=result, risk_level=result["risk_level"],
                     assessor=actor.label, region_code=region)
    session.add(row)
    flush(session, "risk_assessment")
    return row


def get_assessment(session: Session, actor: Actor, assessment_id: int) -> Assessment:
    can_monitor(actor)
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise NotFound("assessment", assessment_id)
    jurisdiction.ensure_covers(actor, row.region_code, "风险评估", "assessment")
    return row


def list_assessments(session: Session, actor: Actor, *, limit: int = 50, cursor: str | None = None) -> Page[Assessment]:
    can_monitor(actor)
    stmt: Select[Any] = select(Assessment)
    if (clause := jurisdiction.region_clause(actor, Assessment.region_code)) is not None:
        stmt = stmt.where(clause)
    return keyset_page(session, stmt, Assessment.id, limit=limit, cursor=cursor, descending=True)


# ---------------------------------------------------------------- alerts (风险警示)


def _next_ref(session: Session, model: Any, prefix: str, year: int) -> str:
    like = f"{prefix}-{year}-%"
    last = session.scalar(select(func.max(model.ref)).where(model.ref.like(like)))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}-{year}-{seq:04d}"


def create_alert(session: Session, actor: Actor, data: AlertIn) -> Alert:
    """起草风险警示 — from a confirmed signal or an assessment; public fields chosen per field."""
    can_publish_alert(actor)
    unknown = [k for k in data.fields if k not in ALERT_FIELDS]
    if unknown:
        raise DomainError("risk.bad_alert_field", f"未知的通报字段：{', '.join(unknown)}",
                          f"unknown alert fields: {', '.join(unknown)}", field="fields")
    public = DEFAULT_PUBLIC if data.public_fields is None else data.public_fields
    bad = [k for k in public if k not in ALERT_FIELDS]
    if bad:
        raise DomainError("risk.bad_alert_field", f"未知的公开字段：{', '.join(bad)}", f"unknown public fields: {', '.join(bad)}",
                          field="public_fields")
    if data.signal_id is None and data.assessment_id is None:
        raise DomainError("risk.alert_basis", "风险警示须基于已确认的信号或风险评估",
                          "an alert needs a confirmed signal or an assessment", field="signal_id")
    region = None
    if data.signal_id is not None:
        sig = get_signal(session, actor, data.signal_id)
        if sig.status != "confirmed":
            raise DomainError("risk.signal_not_confirmed", "信号尚未确认，不能据此发布警示",
                              "the signal is not confirmed", field="signal_id", status=409)
        region = next((r for r in signal_regions(session, sig) if r and jurisdiction.covers(actor, r)), None)
    if data.assessment_id is not None:
        region = region or get_assessment(session, actor, data.assessment_id).region_code
    for eid in data.enterprise_ids:
        catalog.get_organization(session, actor, eid)
    region = (region or _author_region(session, actor)
              or next((_region_of_enterprise(session, e) for e in data.enterprise_ids), None))
    row = Alert(ref=_next_ref(session, Alert, "FX", dt.date.today().year), title=data.title, risk_level=data.risk_level,
                fields=dict(data.fields), public_fields=list(public), enterprise_ids=list(data.enterprise_ids),
                regulator_emails=list(data.regulator_emails), signal_id=data.signal_id,
                assessment_id=data.assessment_id, status="draft", region_code=region)
    session.add(row)
    flush(session, "risk_alert")
    return row


def get_alert(session: Session, actor: Actor, alert_id: int, *, acting: bool = False) -> Alert:
    """An alert: published ones are public (any monitor reads them); drafts and withdrawn ones, and every action,
    only within the division."""
    can_monitor(actor)
    row = session.get(Alert, alert_id)
    if row is None:
        raise NotFound("alert", alert_id)
    if acting or row.status != "published":
        jurisdiction.ensure_covers(actor, row.region_code, "风险警示", "alert")
    return row


def publish_alert(session: Session, actor: Actor, alert_id: int) -> Alert:
    """发布 — the alert becomes public (its public fields) and the notification mail is due."""
    can_publish_alert(actor)
    row = get_alert(session, actor, alert_id, acting=True)
    if row.status != "draft":
        raise InvalidTransition("alert", row.status, "published")
    row.status = "published"
    row.published_at = utcnow()
    flush(session, "risk_alert")
    return row


def withdraw_alert(session: Session, actor: Actor, alert_id: int) -> Alert:
    can_publish_alert(actor)
    row = get_alert(session, actor, alert_id, acting=True)
    if row.status != "published":
        raise InvalidTransition("alert", row.status, "withdrawn")
    row.status = "withdrawn"
    flush(session, "risk_alert")
    return row


def list_alerts(session: Session, actor: Actor, *, status: str | None = None, limit: int = 50,
                cursor: str | None = None) -> Page[Alert]:
    can_monitor(actor)
    stmt: Select[Any] = select(Alert)
    if status:
        stmt = stmt.where(Alert.status == status)
    if (clause := jurisdiction.region_clause(actor, Alert.region_code)) is not None:
        stmt = stmt.where(or_(Alert.status == "published", clause))
    return keyset_page(session, stmt, Alert.id, limit=limit, cursor=cursor, descending=True)


def public_view(alert: Alert) -> dict[str, Any]:
    """Only the fields chosen as public, in the display order."""
    fields = {k: alert.fields[k] for k in ALERT_FIELDS if k in alert.public_fields and k in alert.fields}
    return {"ref": alert.ref, "title": alert.title, "risk_level": alert.risk_level,
            "risk_level_zh": matrix.LEVEL_ZH.get(alert.risk_level, alert.risk_level),
            "published_at": alert.published_at, "fields": fields}


def public_alerts(session: Session, *, limit: int = 50, cursor: str | None = None) -> Page[Alert]:
    stmt: Select[Any] = select(Alert).where(Alert.status == "published")
    return keyset_page(session, stmt, Alert.id, limit=limit, cursor=cursor, descending=True)


def public_alert(session: Session, ref: str) -> Alert:
    row = session.scalar(select(Alert).where(Alert.ref == ref, Alert.status == "published"))
    if row is None:
        raise NotFound("alert", ref)
    return row


def alert_feed(session: Session, base_url: str, *, limit: int = 50) -> bytes:
    """Atom feed of the published alerts (public fields only)."""
    from feedgen.feed import FeedGenerator

    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{base}/risk/alerts")
    fg.title("质检 · 产品风险警示")
    fg.subtitle("已发布的产品质量安全风险警示（预警通报）")
    fg.link(href=f"{base}/risk/alerts", rel="alternate")
    fg.link(href=f"{base}/risk/alerts.atom", rel="self")
    fg.language("zh-CN")
    rows = public_alerts(session, limit=min(limit, 500)).items
    fg.updated(max((r.published_at for r in rows if r.published_at), default=utcnow()))
    for a in reversed(rows):
        v = public_view(a)
        e = fg.add_entry()
        e.id(f"{base}/risk/alerts/{a.ref}")
        e.title(f"【{v['risk_level_zh']}】{a.title}")
        e.link(href=f"{base}/risk/alerts/{a.ref}")
        e.published(a.published_at or utcnow())
        e.updated(a.published_at or utcnow())
        e.summary("；".join(f"{ALERT_FIELDS[k]}：{_field_text(val)}" for k, val in v["fields"].items()))
    return fg.atom_str(pretty=True)


def _field_text(v: Any) -> str:
    from zhijian.risk.schemas import MEASURES

    if isinstance(v, list):
        return "、".join(MEASURES.get(str(x), str(x)) for x in v)
    return str(v)


def alert_recipients(session: Session, actor: Actor, alert: Alert) -> dict[str, list[str]]:
    """Affected enterprises' e-mail, regulators' (organizations of kind regulator with e-mail) plus extras."""
    ents = []
    for eid in alert.enterprise_ids:
        org = catalog.get_organization(session, actor, int(eid))
        if org.email:
            ents.append(org.email)
    page = catalog.list_organizations(session, actor, kind="regulator", limit=500)
    regs = [o.email for o in page.items if o.email] + list(alert.regulator_emails)
    return {"enterprise": sorted(set(ents)), "regulator": sorted(set(regs))}


def _alert_body(alert: Alert, internal: bool) -> str:
    lines = [f"风险警示 {alert.ref}：{alert.title}", f"风险等级：{matrix.LEVEL_ZH.get(alert.risk_level, alert.risk_level)}", ""]
    for k, label in ALERT_FIELDS.items():
        if k in alert.fields and (internal or k in alert.public_fields):
            lines.append(f"{label}：{_field_text(alert.fields[k])}")
    lines += ["", "本邮件由质检平台发送，请勿直接回复。"]
    return "\n".join(lines)


def send_alert_mail(session: Session, actor: Actor, alert_id: int, settings: Settings) -> dict[str, Any]:
    """通报 — e-mail the alert to the affected enterprises (public view) and to regulators (full view) over SMTP.
    Runs as the job `risk.alert_mail`; records what was sent on the alert."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("alert", alert_id)
    if alert.status != "published":
        raise DomainError("risk.alert_not_published", "警示未发布，不发送通报", "the alert is not published", status=409)
    if not settings.smtp_host:
        raise DomainError("risk.no_smtp", "未配置 ZHIJIAN_SMTP_HOST，无法发送邮件", "ZHIJIAN_SMTP_HOST is not set")
    from zhijian.platform.escape import mail_header

    rcpt = alert_recipients(session, actor, alert)
    sent = []
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        for group, internal in (("enterprise", False), ("regulator", True)):
            if not rcpt[group]:
                continue
            msg = EmailMessage()
            msg["From"] = mail_header(settings.smtp_sender)
            msg["To"] = mail_header(", ".join(rcpt[group]), max_length=4000)
            msg["Subject"] = mail_header(f"【风险警示】{alert.ref} {alert.title}")  # no header injection (#13)
            msg.set_content(_alert_body(alert, internal))
            smtp.send_message(msg)
            sent.append({"group": group, "to": rcpt[group], "at": utcnow().isoformat()})
    alert.mailed_at = utcnow()
    alert.mail_log = list(alert.mail_log or []) + sent
    flush(session, "risk_alert")
    return {"alert": alert.ref, "sent": sent}


# ---------------------------------------------------------------- recalls (召回)


def start_recall(session: Session, actor: Actor, data: RecallIn) -> Recall:
    """发起召回 — store the recall and publish `risk.recall_started` with its lots (the trace room marks
    the lots' codes recalled, so consumers who verify a code see the recall)."""
    can_start_recall(actor, data.enterprise_id)
    org = catalog.get_organization(session, actor, data.enterprise_id)
    jurisdiction.ensure_covers(actor, org.region_code, "企业", "enterprise")  # a regulator orders in its division
    if org.kind != "enterprise":
        raise DomainError("risk.not_enterprise", "召回主体必须是企业", "a recall belongs to an enterprise",
                          field="enterprise_id")
    gtins: dict[int, str | None] = {}
    for pid in data.product_ids + [lot.product_id for lot in data.lots if lot.product_id is not None]:
        if pid not in gtins:
            p = catalog.get_product(session, actor, pid)
            if p.enterprise_id != data.enterprise_id:
                raise DomainError("risk.product_not_of_enterprise", f"产品 {pid} 不属于该企业",
                                  f"product {pid} does not belong to the enterprise", field="product_ids")
            gtins[pid] = p.gtin
    lots = []
    for i, lot in enumerate(data.lots):
        gtin = lot.gtin or (gtins.get(lot.product_id) if lot.product_id is not None else None)
        if gtin:
            gtin = catalog_rules.normalize_gtin(gtin, field=f"lots[{i}].gtin")
        lots.append({"gtin": gtin, "lot": lot.lot, "product_id": lot.product_id, "units": lot.units})
    product_ids = sorted(set(data.product_ids) | {lot["product_id"] for lot in lots if lot["product_id"] is not None})
    if data.alert_id is not None and session.get(Alert, data.alert_id) is None:
        raise NotFound("alert", data.alert_id, field="alert_id")
    row = Recall(ref=_next_ref(session, Recall, "ZH", data.started_on.year), enterprise_id=data.enterprise_id,
                 product_ids=product_ids, lots=lots, title=data.title, reason=data.reason, hazard=data.hazard,
                 risk_level=data.risk_level, plan=data.plan, remedy=data.remedy, started_on=data.started_on,
                 units_total=data.units_total, report_every_days=data.report_every_days, alert_id=data.alert_id)
    session.add(row)
    flush(session, "risk_recall")
    publish(session, "risk.recall_started", {
        "recall_id": row.id, "recall_ref": row.ref, "enterprise_id": row.enterprise_id,
        "lots": [{"gtin": lot["gtin"], "lot": lot["lot"]} for lot in lots if lot["gtin"]],
        "reason": row.reason, "risk_level": row.risk_level})
    return row


def get_recall(session: Session, actor: Actor, recall_id: int) -> Recall:
    row = session.get(Recall, recall_id)
    if row is None:
        raise NotFound("recall", recall_id)
    can_read_recall(actor, row, _region_of_enterprise(session, row.enterprise_id))
    return row


def recall_progress(recall: Recall, today: dt.date | None = None) -> dict[str, Any]:
    """Units recovered (latest report), the next report's due date and whether it is overdue."""
    today = today or dt.date.today()
    last = recall.reports[-1] if recall.reports else None
    base = last.reported_on if last else recall.started_on
    due = base + dt.timedelta(days=recall.report_every_days)
    recovered = last.units_recovered if last else 0
    overdue = recall.status == "open" and today > due
    return {"units_recovered": recovered, "next_report_due": due if recall.status == "open" else None,
            "overdue": overdue, "days_overdue": (today - due).days if overdue else 0,
            "percent": (100.0 * recovered / recall.units_total) if recall.units_total else None}


def report_recall_progress(session: Session, actor: Actor, recall_id: int, data: RecallReportIn) -> RecallReport:
    """召回进展报告 — cumulative units recovered; never more than the total, never going down."""
    recall = get_recall(session, actor, recall_id)
    can_report_recall(actor, recall)
    if recall.status != "open":
        raise InvalidTransition("recall", recall.status, "report")
    if data.reported_on < recall.started_on:
        raise DomainError("risk.report_before_start", "报告日期早于召回开始日期", "report date is before the recall started",
                          field="reported_on")
    if recall.reports and data.reported_on < recall.reports[-1].reported_on:
        raise DomainError("risk.report_out_of_order", "报告日期早于上一次报告", "report date is before the previous report",
                          field="reported_on")
    if data.units_recovered > recall.units_total:
        raise DomainError("risk.too_many_units", f"已召回数量不能超过召回总数 {recall.units_total}",
                          f"units recovered cannot exceed the total {recall.units_total}", field="units_recovered")
    if recall.reports and data.units_recovered < recall.reports[-1].units_recovered:
        raise DomainError("risk.units_decrease", "累计召回数量不能减少", "cumulative units recovered cannot decrease",
                          field="units_recovered")
    rep = RecallReport(recall_id=recall.id, reported_on=data.reported_on, units_recovered=data.units_recovered,
                       note=data.note, reported_by=actor.label)
    recall.reports.append(rep)
    flush(session, "risk_recall_report")
    return rep


def close_recall(session: Session, actor: Actor, recall_id: int, data: RecallCloseIn) -> Recall:
    """结束召回 — a regulator closes it with a summary."""
    actor.require("regulator")
    recall = get_recall(session, actor, recall_id)
    if recall.status != "open":
        raise InvalidTransition("recall", recall.status, "closed")
    if data.closed_on < recall.started_on:
        raise DomainError("risk.close_before_start", "结束日期早于开始日期", "closing date is before the start",
                          field="closed_on")
    recall.status, recall.closed_on, recall.summary = "closed", data.closed_on, data.summary
    flush(session, "risk_recall")
    return recall


def list_recalls(session: Session, actor: Actor, *, status: str | None = None, enterprise_id: int | None = None,
                 limit: int = 50, cursor: str | None = None) -> Page[Recall]:
    if not actor.is_staff:
        actor.require("enterprise")
        enterprise_id = actor.organization_id if enterprise_id is None else enterprise_id
        if not actor.owns(enterprise_id):
            raise PermissionDenied("只能查看本企业的召回", "you may only see your own enterprise's recalls")
    stmt: Select[Any] = select(Recall)
    if status:
        stmt = stmt.where(Recall.status == status)
    if enterprise_id is not None:
        stmt = stmt.where(Recall.enterprise_id == enterprise_id)
    if (clause := jurisdiction.region_clause(actor, _enterprise_region(Recall.enterprise_id))) is not None:
        stmt = stmt.where(clause)
    return keyset_page(session, stmt, Recall.id, limit=limit, cursor=cursor, descending=True)


def overdue_recalls(session: Session, actor: Actor, today: dt.date | None = None) -> list[tuple[Recall, dict[str, Any]]]:
    """逾期未报告 — open recalls whose next progress report is past due."""
    actor.require(*MONITOR_ROLES)
    out = []
    stmt = select(Recall).where(Recall.status == "open")
    if (clause := jurisdiction.region_clause(actor, _enterprise_region(Recall.enterprise_id))) is not None:
        stmt = stmt.where(clause)
    for r in session.scalars(stmt.order_by(Recall.started_on)):
        prog = recall_progress(r, today)
        if prog["overdue"]:
            out.append((r, prog))
    return out


def public_recalls(session: Session, *, limit: int = 50, cursor: str | None = None) -> Page[Recall]:
    """召回公告 — every recall is public (what, why, which lots, the remedy)."""
    return keyset_page(session, select(Recall), Recall.id, limit=limit, cursor=cursor, descending=True)


def public_recall(session: Session, ref: str) -> Recall:
    row = session.scalar(select(Recall).where(Recall.ref == ref))
    if row is None:
        raise NotFound("recall", ref)
    return row


def enterprise_name(session: Session, enterprise_id: int) -> str:
    """The recalling enterprise's name for notices (public information)."""
    return _Labels(session, SYSTEM).enterprise(enterprise_id)


def recall_records(session: Session, *, enterprise_id: int | None = None) -> list[tuple[Any, ...]]:
    """Contract for other rooms: `(recall_id, enterprise_id, product_ids, started_on, risk_level, status)`."""
    stmt = select(Recall.id, Recall.enterprise_id, Recall.product_ids, Recall.started_on, Recall.risk_level,
                  Recall.status).order_by(Recall.id)
    if enterprise_id is not None:
        stmt = stmt.where(Recall.enterprise_id == enterprise_id)
    return [(r[0], r[1], list(r[2] or []), r[3], r[4], r[5]) for r in session.execute(stmt)]


# ---------------------------------------------------------------- dashboard


def dashboard(session: Session, actor: Actor) -> dict[str, Any]:
    """监测看板 — the latest scan's aggregates, open signals, published alerts, overdue recalls, PPV."""
    can_monitor(actor)
    run = latest_scan(session, actor)
    return {
        "scan": run,
        "summary": scoped_summary(session, actor, run.summary) if run else {},
        "open_signals": list_signals(session, actor, status="open", limit=20).items,
        "alerts": list_alerts(session, actor, status="published", limit=10).items,
        "overdue": overdue_recalls(session, actor),
        "performance": method_performance(session, actor),
    }
