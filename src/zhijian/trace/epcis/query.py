"""SimpleEventQuery (EPCIS 2.0 §8.2.7, 事件查询): parameters → SQL conditions, keyset paging with signed
nextPageToken, the query document, single events and distinct values."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.db import utcnow
from zhijian.trace.epcis import rules as E
from zhijian.trace.epcis.index import number_of, sensor_type
from zhijian.trace.epcis.master_data import attr_condition, is_attr_param
from zhijian.trace.epcis.scope import read_scope
from zhijian.trace.models import (
    EpcisAttr,
    EpcisEpc,
    EpcisEvent,
    EpcisLocationChild,
)

# ---------------------------------------------------------------- SimpleEventQuery

_SIMPLE = {"eventType", "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "EQ_action", "EQ_bizStep",
           "EQ_disposition", "EQ_readPoint", "WD_readPoint", "EQ_bizLocation", "WD_bizLocation",
           "EQ_transformationID", "MATCH_epc", "MATCH_parentID", "MATCH_inputEPC", "MATCH_outputEPC", "MATCH_anyEPC",
           "MATCH_epcClass", "MATCH_inputEPCClass", "MATCH_outputEPCClass", "MATCH_anyEPCClass", "EQ_quantity",
           "GT_quantity", "GE_quantity", "LT_quantity", "LE_quantity", "EQ_eventID", "EXISTS_errorDeclaration",
           "EQ_errorReason", "EQ_correctiveEventID", "orderBy", "orderDirection", "eventCountLimit", "maxEventCount"}
_PREFIXED = ("EQ_bizTransaction_", "EQ_source_", "EQ_destination_")
# SimpleEventQuery families of EPCIS 2.0 §8.2.7.1 (the query schema's patternProperties)
_FIELD_PARAM = re.compile(r"^(EQ|GT|GE|LT|LE|EXISTS)_(INNER_)?(ILMD_|ERROR_DECLARATION_|SENSORELEMENT_|SENSORMETADATA_|"
                          r"SENSORREPORT_|readPoint_|bizLocation_)?([A-Za-z_][\w.-]*:[^\s]+)$")
_FIELD_KIND = {None: "ext", "ILMD_": "ilmd", "ERROR_DECLARATION_": "err", "SENSORELEMENT_": "se",
               "SENSORMETADATA_": "sMeta", "SENSORREPORT_": "sRep", "readPoint_": "rp", "bizLocation_": "bl"}
_SENSOR_VALUE_PARAM = re.compile(r"^(EQ|GT|GE|LT|LE)_(value|minValue|maxValue|meanValue|sDev|percRank|percValue)"
                                 r"_([A-Z0-9]{2,4})$")
_QTY_UOM_PARAM = re.compile(r"^(EQ|GT|GE|LT|LE)_quantity_([A-Z0-9]{2,4})$")
_SENSOR_EQ = {"EQ_type": ("sRep",), "EQ_deviceID": ("sRep", "sMeta"), "EQ_dataProcessingMethod": ("sRep", "sMeta"),
              "EQ_microorganism": ("sRep",), "EQ_chemicalSubstance": ("sRep",), "EQ_bizRules": ("sMeta",),
              "EQ_stringValue": ("sRep",), "EQ_hexBinaryValue": ("sRep",), "EQ_uriValue": ("sRep",),
              "EQ_booleanValue": ("sRep",)}
_TIME_PARAMS = {"GE_time": ("sMeta", "time"), "LT_time": ("sMeta", "time"),
                "GE_startTime": ("sMeta", "startTime"), "LT_startTime": ("sMeta", "startTime"),
                "GE_endTime": ("sMeta", "endTime"), "LT_endTime": ("sMeta", "endTime"),
                "GE_errorDeclarationTime": ("errTime", "declarationTime"),
                "LT_errorDeclarationTime": ("errTime", "declarationTime"),
                # the query schema spells these two so (EPCIS-Query-JSON-Schema-root.json); the OpenAPI without "_"
                "GE_errorDeclaration_Time": ("errTime", "declarationTime"),
                "LT_errorDeclaration_Time": ("errTime", "declarationTime")}
_PERC_RANK = {"GT_percRank", "GE_percRank", "LT_percRank", "LE_percRank"}
_PD_PARAMS = {"EQ_persistentDisposition_set": "pdSet", "EQ_persistentDisposition_unset": "pdUnset"}
_SINGLE = {"GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "orderBy", "orderDirection",
           "eventCountLimit", "maxEventCount", "EXISTS_errorDeclaration", *_TIME_PARAMS}


def _is_field_param(name: str) -> bool:
    return bool(name in _SENSOR_EQ or name in _TIME_PARAMS or name in _PD_PARAMS or name in _PERC_RANK
                or name == "EXISTS_sensorElementList" or _FIELD_PARAM.match(name)
                or _SENSOR_VALUE_PARAM.match(name) or _QTY_UOM_PARAM.match(name))
_PAGING = {"perPage", "nextPageToken"}
_MATCH_ROLES = {"MATCH_epc": ("epc", "child"), "MATCH_parentID": ("parent",), "MATCH_inputEPC": ("input",),
                "MATCH_outputEPC": ("output",), "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
                "MATCH_epcClass": ("epcClass", "childClass"), "MATCH_inputEPCClass": ("inputClass",),
                "MATCH_outputEPCClass": ("outputClass",),
                "MATCH_anyEPCClass": ("epcClass", "childClass", "inputClass", "outputClass")}
_CLASS_ROLES = ("epcClass", "childClass", "inputClass", "outputClass")
MAX_PER_PAGE = 1000


def _qerr(zh: str, en: str, field: str | None = None) -> E.EpcisError:
    return E.EpcisError("QueryParameterException", zh, en, field=field)


def normalize_params(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Query parameters → {name: [values]} (comma lists split); unknown names refused."""
    out: dict[str, list[str]] = defaultdict(list)
    for name, value in items:
        if name in _PAGING:
            continue
        if (name not in _SIMPLE and not name.startswith(_PREFIXED) and not _is_field_param(name)
                and not is_attr_param(name)):
            raise _qerr(f"不支持的查询参数：{name}", f"unknown or unsupported query parameter: {name}", name)
        if (name in _SINGLE or name.startswith(("GT_", "GE_", "LT_", "LE_", "EXISTS_"))
                or name.endswith("_quantity")):
            out[name] = [value]
        else:
            out[name].extend(v.strip() for v in value.split(",") if v.strip())
    return dict(out)


def _descendants(session: Session, roots: list[str]) -> list[str]:
    seen = set(roots)
    frontier = list(roots)
    for _ in range(10):
        if not frontier:
            break
        kids = set(session.scalars(select(EpcisLocationChild.child).where(EpcisLocationChild.parent.in_(frontier))))
        frontier = [k for k in kids if k not in seen]
        seen.update(frontier)
    return sorted(seen)


def _epc_match(roles: Sequence[str], values: list[str]) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    for v in values:
        pat, is_prefix = E.id_pattern(v)
        if is_prefix:
            esc = pat.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(EpcisEpc.epc.like(esc + "%", escape="\\"))
        else:
            conds.append(EpcisEpc.epc == pat)
    return exists().where(EpcisEpc.event_pk == EpcisEvent.id, EpcisEpc.role.in_(roles), or_(*conds))


def _time(params: dict[str, list[str]], name: str) -> dt.datetime:
    try:
        return E.parse_time(params[name][0], name)
    except E.EpcisError:
        raise _qerr(f"参数 {name} 不是合法的时间：{params[name][0]}", f"{name} is not a date-time", name) from None


def _int(params: dict[str, list[str]], name: str) -> int:
    try:
        v = int(params[name][0])
        if v < 0:
            raise ValueError
        return v
    except ValueError:
        raise _qerr(f"参数 {name} 应为非负整数", f"{name} must be a non-negative integer", name) from None


_Cond = Callable[[Session, dict[str, list[str]], str, list[str]], ColumnElement[bool]]
"""One query parameter → its WHERE condition: (session, all parameters, name, values)."""


def _event_type(session: Session, params: dict[str, list[str]], name: str, values: list[str]) -> ColumnElement[bool]:
    bad = [v for v in values if v not in E.EVENT_TYPES]
    if bad:
        raise _qerr(f"未知事件类型：{bad[0]}", f"unknown event type: {bad[0]}", name)
    return EpcisEvent.event_type.in_(values)


def _time_bound(session: Session, params: dict[str, list[str]], name: str, values: list[str]) -> ColumnElement[bool]:
    col = EpcisEvent.event_time if "event" in name else EpcisEvent.record_time
    t = _time(params, name)
    return col >= t if name.startswith("GE") else col < t


def _action(session: Session, params: dict[str, list[str]], name: str, values: list[str]) -> ColumnElement[bool]:
    bad = [v for v in values if v not in ("ADD", "OBSERVE", "DELETE")]
    if bad:
        raise _qerr(f"EQ_action 应为 ADD、OBSERVE 或 DELETE：{bad[0]}", "EQ_action must be ADD/OBSERVE/DELETE", name)
    return EpcisEvent.action.in_(values)


def _vocab_in(column: Any, kind: str) -> _Cond:
    return lambda session, params, name, values: column.in_([E.vocab_short(kind, v) for v in values])


def _location(session: Session, params: dict[str, list[str]], name: str, values: list[str]) -> ColumnElement[bool]:
    col = EpcisEvent.read_point if name.endswith("readPoint") else EpcisEvent.biz_location
    ids = [E.canonical_id(v) for v in values]
    return col.in_(_descendants(session, ids) if name.startswith("WD_") else ids)


def _quantity(session: Session, params: dict[str, list[str]], name: str, values: list[str]) -> ColumnElement[bool]:
    try:
        q = float(values[0])
    except ValueError:
        raise _qerr(f"{name} 应为数值", f"{name} must be a number", name) from None
    op = name.split("_")[0]
    qc = {"EQ": EpcisEpc.quantity == q, "GT": EpcisEpc.quantity > q, "GE": EpcisEpc.quantity >= q,
          "LT": EpcisEpc.quantity < q, "LE": EpcisEpc.quantity <= q}[op]
    return exists().where(EpcisEpc.event_pk == EpcisEvent.id, EpcisEpc.role.in_(_CLASS_ROLES), qc)


def _error_attr(session: Session, params: dict[str, list[str]], name: str, values: list[str]) -> ColumnElement[bool]:
    kind = "errorReason" if name == "EQ_errorReason" else "correctiveEventID"
    vals = [E.vocab_short("errorReason", v) for v in values] if kind == "errorReason" else values
    return exists().where(EpcisAttr.event_pk == EpcisEvent.id, EpcisAttr.kind == kind, EpcisAttr.value.in_(vals))


def _party_or_transaction(session: Session, params: dict[str, list[str]], name: str,
                          values: list[str]) -> ColumnElement[bool]:
    """EQ_bizTransaction_{type}, EQ_source_{type}, EQ_destination_{type}."""
    prefix = next(p for p in _PREFIXED if name.startswith(p))
    kind = prefix[3:-1]
    typ = name[len(prefix):]
    vocab = "bizTransaction" if kind == "bizTransaction" else "sourceDest"
    vals = values if kind == "bizTransaction" else [E.canonical_id(v) for v in values]
    return exists().where(EpcisAttr.event_pk == EpcisEvent.id, EpcisAttr.kind == kind,
                          EpcisAttr.type == E.vocab_short(vocab, typ), EpcisAttr.value.in_(vals))


_CONDITIONS: dict[str, _Cond] = {
    "eventType": _event_type,
    **dict.fromkeys(("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"), _time_bound),
    "EQ_action": _action,
    "EQ_bizStep": _vocab_in(EpcisEvent.biz_step, "bizStep"),
    "EQ_disposition": _vocab_in(EpcisEvent.disposition, "disposition"),
    **dict.fromkeys(("EQ_readPoint", "EQ_bizLocation", "WD_readPoint", "WD_bizLocation"), _location),
    "EQ_transformationID": lambda session, params, name, values: EpcisEvent.transformation_id.in_(values),
    **{name: (lambda session, params, name, values: _epc_match(_MATCH_ROLES[name], values)) for name in _MATCH_ROLES},
    "EQ_eventID": lambda session, params, name, values: or_(EpcisEvent.event_id.in_(values),
                                                            EpcisEvent.hash_id.in_(values)),
    "EXISTS_errorDeclaration": lambda session, params, name, values: EpcisEvent.error_declared.is_(True),
    "EQ_errorReason": _error_attr,
    "EQ_correctiveEventID": _error_attr,
}
"""The parameters named exactly; `_condition_for` adds the families (…_quantity, EQ_source_…, field queries)."""


def _condition_for(name: str) -> _Cond | None:
    exact = _CONDITIONS.get(name)
    if exact is not None:
        return exact
    if name.startswith(("HASATTR_", "EQ_ATTR_")):
        return lambda session, params, name, values: attr_condition(name, values)
    if name.endswith("_quantity"):
        return _quantity
    if name.startswith(_PREFIXED):
        return _party_or_transaction
    if _is_field_param(name):
        return lambda session, params, name, values: _field_condition(name, values)
    return None  # paging, ordering and count parameters: no condition


def build_conditions(session: Session, params: dict[str, list[str]]) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a SimpleEventQuery over the event and index tables."""
    c: list[ColumnElement[bool]] = []
    for name, values in params.items():
        cond = _condition_for(name)
        if cond is not None:
            c.append(cond(session, params, name, values))
    return c


def _field_rows(kinds: Sequence[str], field: str | None, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
    cond = [EpcisAttr.event_pk == EpcisEvent.id, EpcisAttr.kind.in_(kinds), *extra]
    if field is not None:
        cond.append(EpcisAttr.type == field)
    return exists().where(*cond)


def _compare(op: str, values: list[str], name: str) -> ColumnElement[bool]:
    """EQ over text (or number); GT/GE/LT/LE over the number, or over the UTC time when the value is one."""
    if op == "EQ":
        nums = [n for n in (number_of(v) for v in values) if n is not None]
        return or_(EpcisAttr.value.in_(values), EpcisAttr.num.in_(nums)) if nums else EpcisAttr.value.in_(values)
    raw = values[0]
    num = number_of(raw)
    if num is not None:
        col: Any = EpcisAttr.num
        target: Any = num
    else:
        try:
            target = E.utc_ms(raw)
        except E.EpcisError:
            raise _qerr(f"{name} 需要数值或时间：{raw}", f"{name} needs a number or a date-time: {raw}", name) from None
        col = EpcisAttr.value
    conditions: dict[str, ColumnElement[bool]] = {"GT": col > target, "GE": col >= target, "LT": col < target,
                                                  "LE": col <= target}
    return conditions[op]


def _field_condition(name: str, values: list[str]) -> ColumnElement[bool]:
    """Extension, ILMD, INNER, EXISTS_, error-declaration, location, sensor and persistentDisposition filters."""
    if name in _SENSOR_EQ:
        field = name[3:]
        vals = [sensor_type(v) for v in values] if field == "type" else values
        return _field_rows(_SENSOR_EQ[name], field, EpcisAttr.value.in_(vals))
    if name in _TIME_PARAMS:
        kind, field = _TIME_PARAMS[name]
        return _field_rows((kind,), field, _compare(name[:2], values, name))
    if name in _PD_PARAMS:
        return _field_rows((_PD_PARAMS[name],), None,
                           EpcisAttr.value.in_([E.vocab_short("disposition", v) for v in values]))
    if name in _PERC_RANK:  # a rank has no unit
        return _field_rows(("sRep",), "percRank", _compare(name[:2], values, name))
    if name == "EXISTS_sensorElementList":
        return _field_rows(("sRep", "sMeta", "se"), None)
    m = _SENSOR_VALUE_PARAM.match(name)
    if m:
        op, field, uom = m.groups()
        return _field_rows(("sRep",), f"{field}_{uom}", _compare(op, values, name))
    m = _QTY_UOM_PARAM.match(name)
    if m:
        op, uom = m.groups()
        q = _float_param(values[0], name)
        qc = {"EQ": EpcisEpc.quantity == q, "GT": EpcisEpc.quantity > q, "GE": EpcisEpc.quantity >= q,
              "LT": EpcisEpc.quantity < q, "LE": EpcisEpc.quantity <= q}[op]
        return exists().where(EpcisEpc.event_pk == EpcisEvent.id, EpcisEpc.role.in_(_CLASS_ROLES),
                              EpcisEpc.uom == uom, qc)
    m = _FIELD_PARAM.match(name)
    assert m is not None
    op, inner, where, field = m.groups()
    kind = _FIELD_KIND[where] + ("Inner" if inner else "")
    if op == "EXISTS":
        return _field_rows((kind,), field)
    return _field_rows((kind,), field, _compare(op, values, name))


def _float_param(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise _qerr(f"{name} 应为数值", f"{name} must be a number", name) from None


@dataclass
class QueryResult:
    events: list[dict[str, Any]]
    contexts: list[Any]
    next_token: str | None


def _token_secret() -> bytes:
    from zhijian.platform.config import get_settings

    return get_settings().secret_key.encode()


def _sign_token(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    mac = hmac.new(_token_secret(), raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(raw + mac).decode().rstrip("=")


def _read_token(token: str, fingerprint: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body, mac = raw[:-12], raw[-12:]
        if not hmac.compare_digest(mac, hmac.new(_token_secret(), body, hashlib.sha256).digest()[:12]):
            raise ValueError
        data: dict[str, Any] = json.loads(body)
        if data.get("f") != fingerprint:
            raise ValueError
        return data
    except (ValueError, UnicodeDecodeError):
        raise _qerr("nextPageToken 无效或与查询参数不符", "nextPageToken is invalid or does not match the query",
                    "nextPageToken") from None


_EXT_FIELD = re.compile(r"^([A-Za-z_][\w.-]*:\S+|https?://\S+|urn:\S+)$")
_MISSING = -1.0e300  # the sort key of an event without the orderBy field ("may occur in any position")


def _ordering(params: dict[str, list[str]]) -> tuple[str | None, str]:
    """(orderBy, orderDirection): none given → by storage order, ascending; orderBy given → descending.
    orderBy is eventTime, recordTime or the qualified name of an extension field (EPCIS 2.0 §8.2.7.1), written as
    the events write it (`example:myField`), as for the EQ_/GT_ field parameters."""
    given = params.get("orderBy")
    order_by = given[0] if given else None
    direction = ((params.get("orderDirection") or ["DESC" if order_by else "ASC"])[0]).upper()
    if order_by not in (None, "eventTime", "recordTime") and not _EXT_FIELD.match(order_by):
        raise _qerr("orderBy 应为 eventTime、recordTime 或扩展字段的限定名（如 example:field）",
                    "orderBy must be eventTime, recordTime or the qualified name of an extension field", "orderBy")
    if direction not in ("ASC", "DESC"):
        raise _qerr("orderDirection 应为 ASC 或 DESC", "orderDirection must be ASC or DESC", "orderDirection")
    return order_by, direction


def _order_columns(order_by: str | None) -> list[Any]:
    """The sort key: an event column, or for an extension field (number, then text) of its index rows —
    numbers compare as numbers, strings and times as text (an xsd:dateTime in one offset orders as written).
    The field may sit at the event's top level or in its `ilmd` (a lot's rank, a best-before time): one
    qualified name, both places; an event with it in both orders by the lower value."""
    if order_by is None:
        return []
    if order_by in ("eventTime", "recordTime"):
        return [EpcisEvent.event_time if order_by == "eventTime" else EpcisEvent.record_time]
    rows = (EpcisAttr.event_pk == EpcisEvent.id, EpcisAttr.kind.in_(("ext", "ilmd")), EpcisAttr.type == order_by)
    num = select(func.min(EpcisAttr.num)).where(*rows).correlate(EpcisEvent).scalar_subquery()
    txt = select(func.min(EpcisAttr.value)).where(*rows).correlate(EpcisEvent).scalar_subquery()
    return [func.coalesce(num, _MISSING), func.coalesce(txt, "")]


def _token_values(session: Session, cols: list[Any], row: EpcisEvent) -> list[Any]:
    if not cols:
        return []
    if cols[0] is EpcisEvent.event_time or cols[0] is EpcisEvent.record_time:
        return [(row.event_time if cols[0] is EpcisEvent.event_time else row.record_time).isoformat()]
    found = session.execute(select(*cols).where(EpcisEvent.id == row.id)).one()
    return [float(found[0]), str(found[1])]


def _keyset(stmt: Select[Any], cols: list[Any], direction: str, tok: dict[str, Any]) -> Select[Any]:
    """The page after the token's last row, in the query's order (ties broken by id)."""
    last_id = int(tok["id"])
    if not cols:
        return stmt.where(EpcisEvent.id > last_id)
    raw = tok["v"] if isinstance(tok["v"], list) else [tok["v"]]
    values = [dt.datetime.fromisoformat(v) if len(cols) == 1 else v for v in raw]
    keys = [*cols, EpcisEvent.id]
    values.append(last_id)
    after: list[ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        beyond = key > values[i] if direction == "ASC" else key < values[i]
        after.append(and_(*(keys[j] == values[j] for j in range(i)), beyond))
    return stmt.where(or_(*after))


def _ordered(stmt: Select[Any], cols: list[Any], direction: str) -> Select[Any]:
    if not cols:
        return stmt.order_by(EpcisEvent.id)
    if direction == "ASC":
        return stmt.order_by(*(c.asc() for c in cols), EpcisEvent.id.asc())
    return stmt.order_by(*(c.desc() for c in cols), EpcisEvent.id.desc())


def _check_max_count(session: Session, conds: list[ColumnElement[bool]], max_count: int | None) -> None:
    if max_count is None:
        return
    n = session.scalar(select(func.count()).select_from(EpcisEvent).where(*conds)) or 0
    if n > max_count:
        raise E.EpcisError("QueryTooLargeException", f"结果 {n} 条超过 maxEventCount={max_count}",
                           f"{n} events exceed maxEventCount={max_count}", status=413)


def query_events(session: Session, actor: Actor | None, params: dict[str, list[str]], *, per_page: int = 30,
                 next_token: str | None = None, after_pk: int | None = None) -> QueryResult:
    """SimpleEventQuery with keyset paging (`perPage`, `nextPageToken`). actor None = internal (subscriptions)."""
    if per_page < 1 or per_page > MAX_PER_PAGE:
        raise _qerr(f"perPage 应在 1 到 {MAX_PER_PAGE} 之间", f"perPage must be 1–{MAX_PER_PAGE}", "perPage")
    scope = read_scope(actor) if actor is not None else None
    conds = build_conditions(session, params)
    if scope is not None:
        conds.append(scope.clause(EpcisEvent.owner_id))
    if after_pk is not None:
        conds.append(EpcisEvent.id > after_pk)
    order_by, direction = _ordering(params)
    limit_total = _int(params, "eventCountLimit") if "eventCountLimit" in params else None
    max_count = _int(params, "maxEventCount") if "maxEventCount" in params else None
    fingerprint = hashlib.sha256(json.dumps(sorted(params.items())).encode()).hexdigest()[:16]
    cols = _order_columns(order_by)
    served = 0
    stmt: Select[Any] = select(EpcisEvent).where(*conds)
    _check_max_count(session, conds, max_count)
    if next_token:
        tok = _read_token(next_token, fingerprint)
        served = int(tok.get("n", 0))
        stmt = _keyset(stmt, cols, direction, tok)
    stmt = _ordered(stmt, cols, direction)
    take = per_page if limit_total is None else max(0, min(per_page, limit_total - served))
    rows = list(session.scalars(stmt.limit(take + 1))) if take else []
    more = len(rows) > take and not (limit_total is not None and served + take >= limit_total)
    rows = rows[:take]
    token = None
    if more and rows:
        last = rows[-1]
        v = _token_values(session, cols, last)
        token = _sign_token({"id": last.id, "v": v, "n": served + len(rows), "f": fingerprint})
    return QueryResult([event_out(r) for r in rows], merged_context(r.context for r in rows), token)


def event_out(row: EpcisEvent) -> dict[str, Any]:
    doc = dict(row.doc)
    doc["recordTime"] = row.record_time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return doc


def merged_context(contexts: Iterable[list[Any]]) -> list[Any]:
    urls: list[str] = [E.EPCIS_CONTEXT]
    ns: dict[str, Any] = {}
    for ctx in contexts:
        for c in ctx or []:
            if isinstance(c, str) and c not in urls:
                urls.append(c)
            elif isinstance(c, dict):
                for k, v in c.items():
                    ns.setdefault(k, v)
    return [*urls, ns] if ns else urls


def query_document(result: QueryResult, *, query_name: str = "SimpleEventQuery",
                   subscription_id: str | None = None) -> dict[str, Any]:
    qr: dict[str, Any] = {"queryName": query_name, "resultsBody": {"eventList": result.events}}
    if subscription_id:
        qr["subscriptionID"] = subscription_id
    return {"@context": result.contexts, "type": "EPCISQueryDocument", "schemaVersion": "2.0",
            "creationDate": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "epcisBody": {"queryResults": qr}}


def get_event(session: Session, actor: Actor, event_id: str) -> EpcisEvent:
    """GET /events/{eventID} — the event; once it is declared in error (EPCIS 2.0 §7.4.1.2), its declaration,
    which repeats the event and says what was wrong with it."""
    scope = read_scope(actor)
    stmt = select(EpcisEvent).where(or_(EpcisEvent.event_id == event_id, EpcisEvent.hash_id == event_id))
    if scope is not None:
        stmt = stmt.where(scope.clause(EpcisEvent.owner_id))
    row = session.scalars(stmt.order_by(EpcisEvent.error_declared.desc(), EpcisEvent.id).limit(1)).first()
    if row is None:
        raise E.EpcisError("NoSuchResourceException", f"未找到事件：{event_id}", f"no event {event_id}", status=404)
    return row


def distinct_values(session: Session, actor: Actor, what: str, *, limit: int = 500) -> list[str]:
    """Resource lists: /eventTypes, /bizSteps, /dispositions, /readPoints, /bizLocations, /epcs."""
    scope = read_scope(actor)
    col = {"eventTypes": EpcisEvent.event_type, "bizSteps": EpcisEvent.biz_step,
           "dispositions": EpcisEvent.disposition, "readPoints": EpcisEvent.read_point,
           "bizLocations": EpcisEvent.biz_location}.get(what)
    if what == "epcs":
        stmt = select(EpcisEpc.epc).join(EpcisEvent, EpcisEvent.id == EpcisEpc.event_pk).where(
            EpcisEpc.role.in_(("epc", "child", "parent", "input", "output")))
        if scope is not None:
            stmt = stmt.where(scope.clause(EpcisEvent.owner_id))
        return sorted({v for v in session.scalars(stmt.distinct().limit(limit)) if v})
    if col is None:
        raise E.EpcisError("NoSuchResourceException", f"未知资源：{what}", f"unknown resource: {what}", status=404)
    if what == "eventTypes":
        return list(E.EVENT_TYPES)
    col_stmt = select(col).where(col.is_not(None))
    if scope is not None:
        col_stmt = col_stmt.where(scope.clause(EpcisEvent.owner_id))
    return sorted({v for v in session.scalars(col_stmt.distinct().limit(limit)) if v})
