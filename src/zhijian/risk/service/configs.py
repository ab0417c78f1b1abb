"""Series configurations (监测序列配置): the detectors and parameters per kind or per series, set nationally."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform import jurisdiction
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import DomainError, PermissionDenied
from zhijian.risk import scan
from zhijian.risk.models import SeriesConfig
from zhijian.risk.schemas import (
    SeriesConfigIn,
)
from zhijian.risk.service.policy import can_monitor


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
    return scan.build_configs([(r[0], r[1], r[2], r[3], r[4]) for r in rows])
