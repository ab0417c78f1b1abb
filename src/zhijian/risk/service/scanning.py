"""The scan (全量监测扫描): read the rooms once, run the detectors, store new signals and the dashboard aggregates."""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhijian.catalog.service import region_of
from zhijian.platform import audit, jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.db import utcnow
from zhijian.platform.errors import Conflict, DomainError
from zhijian.risk import scan
from zhijian.risk.models import ScanRun, Signal
from zhijian.risk.service.configs import load_configs
from zhijian.risk.service.inputs import complaint_rows, equipment_drafts, spotcheck_rows
from zhijian.risk.service.labels import Labels
from zhijian.risk.service.policy import _region_of_product, _signal_clause, can_monitor

EARLIEST_SCAN_DAY = dt.date(1970, 1, 1)


def scan_day(as_of: dt.date | None, *, today: dt.date | None = None) -> dt.date:
    """监测基准日 — the day a scan runs as of: today when none is given. Not after today (its weeks and months
    would be counted before they happened) and not before 1970 (the read windows reach back years before it;
    year 1 answered a failed job with "year -2 is out of range"). Checked when the scan is asked for (API, CLI)
    and again when it runs."""
    now = today or dt.date.today()
    day = as_of or now
    if day > now + dt.timedelta(days=1) or day < EARLIEST_SCAN_DAY:  # a day's grace: clients a time zone ahead
        raise DomainError("risk.bad_as_of", f"扫描基准日 {day.isoformat()} 应在 {EARLIEST_SCAN_DAY.isoformat()} 与今天之间",
                          f"the scan's as-of day {day.isoformat()} must lie between {EARLIEST_SCAN_DAY.isoformat()} "
                          "and today", field="as_of")
    return day


def _read_windows(cfgs: scan.Configs, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """How far back the scan reads: spot-check results over the longest configured month window (whole years,
    plus one), complaints over the count detectors' b years + w weeks + a margin."""
    months = max(int(scan.DEFAULTS["rate"]["params"]["months"]),
                 int((cfgs.by_kind.get("rate") or scan.Config([], {"months": 24})).params.get("months", 24)),
                 int((cfgs.by_kind.get("enterprise") or scan.Config([], {"months": 24})).params.get("months", 24)))
    cparams = (cfgs.by_kind.get("count") or scan.Config([], scan.DEFAULTS["count"]["params"])).params
    weeks = int(cparams.get("b", 2)) * 52 + int(cparams.get("w", 3)) + 20
    return dt.date(as_of.year - (months // 12) - 1, as_of.month, 1), as_of - dt.timedelta(weeks=weeks)


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
    as_of = scan_day(as_of)
    timings: dict[str, float] = {}

    def step(name: str, pct: int) -> None:
        timings[name] = round(time.perf_counter() - t_start, 3)
        if progress:
            progress(name, pct)

    cfgs = load_configs(session)
    since_results, since_complaints = _read_windows(cfgs, as_of)
    rrows = results if results is not None else spotcheck_rows(session, since_results)
    step("read_results", 15)
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
    labels = Labels(session, actor)
    summary.update(s2)
    summary["complaints"] = s3
    summary["as_of"] = as_of.isoformat()
    summary["inputs_by_region"] = _inputs_by_region(rrows, crows)
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


def _inputs_by_region(results: Sequence[tuple[Any, ...]], complaints: Sequence[tuple[Any, ...]]) -> dict[str, list[int]]:
    """Per region code ('' for none), [final batches, complaints] the scan read — the rows `result_arrays` and
    `complaint_arrays` keep — so that a regional requester's figures count its division only (管辖, issue 13)."""
    res = Counter(r[3] or "" for r in results if r[1] is not None)
    com = Counter(r[6] or "" for r in complaints)
    return {code: [res[code], com[code]] for code in sorted(res.keys() | com.keys())}


def _store_signals(session: Session, actor: Actor, drafts: list[scan.SignalDraft], scan_id: int) -> int:
    if not drafts:
        return 0
    prints = list({d.fingerprint for d in drafts})
    seen: set[str] = set()
    for i in range(0, len(prints), 500):
        seen.update(session.scalars(select(Signal.fingerprint).where(Signal.fingerprint.in_(prints[i:i + 500]))))
    labels = Labels(session, actor)
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
                ent_regions[key] = (region_of(session, d.enterprise_id) if d.enterprise_id is not None
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


def _label_summary(summary: dict[str, Any], labels: Labels) -> None:
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


def summary_in(session: Session, actor: Actor, summary: dict[str, Any], lang: str) -> dict[str, Any]:
    """The dashboard's aggregates labelled in the page's language: the stored summary keeps the Chinese labels
    the scan wrote; an English page relabels a copy from the ids and codes beside them."""
    if lang != "en":
        return summary
    out = copy.deepcopy(summary)
    _label_summary(out, Labels(session, actor, lang))
    return out


@dataclass(frozen=True)
class ScanFigures:
    """What one scan counted, as the actor may see it (管辖, issue 13): the totals for the national level, admin,
    the system and the association; for a regional regulator its division only — the scan's new signals within
    it (the policy's region clause) and the inputs whose region lies in it. `results`/`complaints` are None for
    a scan stored before its inputs were counted by region (it cannot tell the division's share)."""

    scan_id: int
    results: int | None
    complaints: int | None
    new_signals: int
    seconds: float


def scan_figures(session: Session, actor: Actor, run: ScanRun) -> ScanFigures:
    """The one answer of a scan to its reader: the `risk.scan` job's result, `GET /risk/scans/latest`, the CLI."""
    clause = _signal_clause(actor)
    if clause is None:
        return ScanFigures(run.id, run.n_results, run.n_complaints, run.n_signals, run.seconds)
    signals = int(session.scalar(select(func.count()).select_from(Signal)
                                 .where(Signal.scan_id == run.id, clause)) or 0)
    by_region: dict[str, list[int]] | None = (run.summary or {}).get("inputs_by_region")
    if by_region is None:
        return ScanFigures(run.id, None, None, signals, run.seconds)
    mine = [n for code, n in by_region.items() if jurisdiction.covers(actor, code)]
    return ScanFigures(run.id, sum(n[0] for n in mine), sum(n[1] for n in mine), signals, run.seconds)


def latest_scan(session: Session, actor: Actor) -> ScanRun | None:
    can_monitor(actor)
    return session.scalars(select(ScanRun).where(ScanRun.finished_at.is_not(None))
                           .order_by(ScanRun.id.desc()).limit(1)).first()
