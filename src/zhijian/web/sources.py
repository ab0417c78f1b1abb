"""What the portal and the console gather from the rooms, each through its contract function.

Every function tolerates an absent room, an absent function or a failing call ("no data"), so the
portal works from the first room on and fills up as the rooms land. Items for lists are shaped as
`Item` (label, href, note, date, tone) so one macro shows them all.

Hooks a room may provide (all optional):
- `dashboard_cards(session, actor) -> list[dict]` in its `pages` or `service` module: console home
  cards `{"label": "待录入报告", "value": 3, "href": "/console/...", "tone": "warn"}` (label is zh-CN).
- stable: `latest_announcements(session, limit)`, `search_announcements(session, q, limit)`.
- spotcheck: `latest_results(session, limit)` (else built from `inspection_history`).
- risk: `latest_alerts(session, limit)` (recalls from the contract's `recall_records`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Organization, Product, Standard
from zhijian.platform.auth import Actor
from zhijian.platform.rooms import call, offer


@dataclass(frozen=True)
class Item:
    label: str
    href: str | None = None
    note: str = ""
    date: Any = None
    tone: str = ""  # ok | bad | warn | ""
    badge: str = ""  # zh-CN catalogue string shown as a badge (合格, 不合格, 召回 ...)
    note_args: dict[str, Any] | None = None  # when set, `note` is a catalogue string formatted with these
    label_lang: str = ""  # the label's own language when it is content in one (an announcement's 公告 title)


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict):
            if obj.get(name) not in (None, ""):
                return obj[name]
        elif getattr(obj, name, None) not in (None, ""):
            return getattr(obj, name)
    return default


def as_item(obj: Any, href_prefix: str | None = None) -> Item:
    """Shape a room's record (dict, dataclass or ORM row) as a list item by common field names."""
    if isinstance(obj, Item):
        return obj
    label = _get(obj, "title", "label", "name", "product_name", "announcement_no", default="")
    ident = _get(obj, "id")
    href = _get(obj, "href", "url") or (f"{href_prefix}/{ident}" if href_prefix and ident is not None else None)
    note = _get(obj, "note", "summary", "enterprise_name", "risk_level", "status", default="")
    date = _get(obj, "published_on", "published_at", "issued_on", "started_on", "date", "created_at")
    tone = _get(obj, "tone", default="")
    note_args = _get(obj, "note_args")
    if note_args:  # a room's sentence with its values: translated on the page (列入 {n} 个产品 → Lists 5 products)
        note = _get(obj, "note_msgid", default=note)
    return Item(str(label), href, str(note), date, str(tone), str(_get(obj, "badge", default="")),
                note_args=note_args or None, label_lang=str(_get(obj, "label_lang", default="")))


def _product_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r.id: r.name for r in session.execute(select(Product.id, Product.name).where(Product.id.in_(ids)))}


def _org_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r.id: r.name for r in session.execute(select(Organization.id, Organization.name)
                                                  .where(Organization.id.in_(ids)))}


# ---------------------------------------------------------------- portal home


def latest_announcements(session: Session, limit: int = 6) -> list[Item] | None:
    rows = call(session, "stable", "latest_announcements", limit=limit)
    return None if rows is None else [as_item(r, "/announcements") for r in rows][:limit]


def verdict_item(rec: Any, products: dict[int, str], orgs: dict[int, str]) -> Item:
    verdict = _get(rec, "final_verdict", "verdict")
    name = products.get(_get(rec, "product_id", default=-1)) or " ".join(
        str(x) for x in (_get(rec, "brand", default=""), _get(rec, "model", default="")) if x)
    pid = _get(rec, "product_id")
    return Item(label=name or f"#{_get(rec, 'batch_id', default='')}",
                href=f"/products/{pid}" if pid else None,
                note=orgs.get(_get(rec, "enterprise_id", default=-1), ""),
                date=_get(rec, "sampled_on"),
                tone="ok" if verdict == "合格" else ("bad" if verdict == "不合格" else ""), badge=verdict or "")


def published_plans(session: Session, limit: int = 3) -> list[Item] | None:
    """抽查结果公告 — published spot-check plans with their frozen statistics."""
    from zhijian.platform.auth import PUBLIC

    plans = call(session, "spotcheck", "list_plans", PUBLIC, published_only=True)
    if plans is None:
        return None
    out = []
    for plan in sorted(plans, key=lambda p: (p.published_at is not None, p.published_at), reverse=True)[:limit]:
        summary = plan.summary or {}
        failing = summary.get("batches_failing")
        tested = summary.get("batches_tested")
        out.append(Item(label=plan.title, href=f"/spotchecks/{plan.id}", date=plan.published_at, badge="抽查公告",
                        note="抽查 {n} 批次，不合格 {f} 批次" if tested is not None else "",
                        note_args={"n": tested, "f": failing or 0} if tested is not None else None))
    return out


def latest_spotcheck_results(session: Session, today: dt.date, limit: int = 8) -> list[Item] | None:
    """The latest published plans, then single results: spotcheck's `latest_results` hook, else the latest
    final verdicts from the `inspection_history` contract."""
    plans = published_plans(session, limit=3)
    rows = call(session, "spotcheck", "latest_results", limit=limit)
    if rows is not None:
        return (plans or []) + [as_item(r) for r in rows][:max(0, limit - len(plans or []))]
    history = call(session, "spotcheck", "inspection_history", since=today - dt.timedelta(days=730))
    if history is None:
        return plans
    final = sorted((r for r in history if _get(r, "final_verdict")), key=lambda r: _get(r, "sampled_on") or dt.date.min,
                   reverse=True)[:max(0, limit - len(plans or []))]
    products = _product_names(session, {r.product_id for r in final if r.product_id})
    orgs = _org_names(session, {r.enterprise_id for r in final})
    return (plans or []) + [verdict_item(r, products, orgs) for r in final]


RISK_LEVELS = {"low": "低风险", "medium": "中风险", "high": "高风险", "serious": "严重风险"}
RISK_TONES = {"serious": "bad", "high": "bad", "medium": "warn", "low": ""}


def latest_alerts(session: Session, limit: int = 6) -> list[Item] | None:
    """Published risk alerts (风险预警): risk's `public_alerts` page."""
    page = call(session, "risk", "public_alerts", limit=limit)
    if page is None:
        return None
    return [Item(label=a.title, href=f"/risk/alerts/{a.ref}", note=a.ref, date=a.published_at,
                 tone=RISK_TONES.get(a.risk_level, ""), badge=RISK_LEVELS.get(a.risk_level, a.risk_level))
            for a in page.items]


def _recall_refs(session: Session) -> dict[int, Any]:
    page = call(session, "risk", "public_recalls", limit=500)
    return {r.id: r for r in page.items} if page is not None else {}


def recall_items(session: Session, *, enterprise_id: int | None = None, product_id: int | None = None,
                 limit: int = 6) -> list[Item] | None:
    """召回 from the risk contract `recall_records`, linked to the public recall page when it has one."""
    rows = call(session, "risk", "recall_records", enterprise_id=enterprise_id)
    if rows is None:
        return None
    if product_id is not None:
        rows = [r for r in rows if product_id in (r[2] or [])]
    rows = sorted(rows, key=lambda r: (r[3] or dt.date.min, r[0]), reverse=True)[:limit]
    orgs = _org_names(session, {r[1] for r in rows})
    public = _recall_refs(session) if rows else {}
    out = []
    for r in rows:
        pub = public.get(r[0])
        title = getattr(pub, "title", None)
        out.append(Item(label=title or orgs.get(r[1], f"#{r[1]}"),
                        href=f"/risk/recalls/{pub.ref}" if pub is not None else None,
                        note=orgs.get(r[1], "") if title else "", date=r[3],
                        tone=RISK_TONES.get(r[4], "warn") if r[5] != "closed" else "",
                        badge=RISK_LEVELS.get(r[4], "召回")))
    return out


# ---------------------------------------------------------------- product and enterprise pages


def inspection_items(session: Session, *, product_id: int | None = None,
                     enterprise_id: int | None = None) -> list[Any] | None:
    rows = call(session, "spotcheck", "inspection_history", product_id=product_id, enterprise_id=enterprise_id)
    if rows is None:
        return None
    return sorted(rows, key=lambda r: r.sampled_on or dt.date.min, reverse=True)


def certificates(session: Session, *, product_id: int | None = None, enterprise_id: int | None = None) -> list[Any] | None:
    rows = call(session, "consumer", "certificates_for", product_id=product_id, enterprise_id=enterprise_id)
    return list(rows) if rows is not None else None


def listing(session: Session, product_id: int) -> dict[str, Any] | None:
    found: dict[str, Any] | None = call(session, "stable", "current_listing", product_id)
    return found


def justified_complaints(session: Session, *, product_id: int | None = None,
                         enterprise_id: int | None = None) -> int | None:
    n = call(session, "consumer", "justified_complaints", product_id=product_id, enterprise_id=enterprise_id)
    return int(n) if n is not None else None


def search_announcements(session: Session, q: str, limit: int = 20) -> list[Item] | None:
    rows = call(session, "stable", "search_announcements", q, limit=limit)
    return None if rows is None else [as_item(r, "/announcements") for r in rows][:limit]


# ---------------------------------------------------------------- console dashboards


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


def catalog_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The catalog's own cards: what this role manages there."""
    if actor.role == "enterprise" and actor.organization_id is not None:
        n = _count(session, select(func.count()).select_from(Product)
                   .where(Product.enterprise_id == actor.organization_id))
        return [{"label": "本企业产品", "value": n, "href": "/console/products"}]
    if actor.is_staff:
        return [
            {"label": "企业", "value": _count(session, select(func.count()).select_from(Organization)
                                              .where(Organization.kind == "enterprise")),
             "href": "/console/organizations?kind=enterprise"},
            {"label": "产品", "value": _count(session, select(func.count()).select_from(Product)),
             "href": "/console/products"},
            {"label": "标准", "value": _count(session, select(func.count()).select_from(Standard)),
             "href": "/console/standards"},
        ]
    return []


def _n(value: Any) -> int | str | None:
    """A count from a list or a keyset Page ("500+" when the page was full); None when absent."""
    if value is None:
        return None
    items = getattr(value, "items", value)
    more = bool(getattr(value, "next_cursor", None))
    return f"{len(items)}+" if more else len(items)


def _card(cards: list[dict[str, Any]], label: str, value: Any, href: str, tone_if_any: str = "") -> None:
    n = _n(value)
    if n is not None:
        cards.append({"label": label, "value": n, "href": href, "tone": tone_if_any if n not in (0, "0") else ""})


def service_cards(session: Session, actor: Actor, today: dt.date) -> list[dict[str, Any]]:
    """Role dashboards from the rooms' service functions (tolerating absent rooms and functions).

    regulator: plans under way, overdue follow-ups, open risk signals, overdue recalls and complaints;
    lab: batches to enter (已收样) and to verify (已检验); enterprise: code batches, scan signals,
    complaints against it, certificates, recalls (see `contract_cards`).
    """
    cards: list[dict[str, Any]] = []
    role = actor.role
    if role in ("admin", "regulator"):
        plans = call(session, "spotcheck", "list_plans", actor)
        if plans is not None:
            _card(cards, "进行中的抽查计划", [p for p in plans if p.status != "published"], "/console/spotcheck")
        _card(cards, "逾期后处理", call(session, "spotcheck", "list_followups", actor, overdue_on=today),
              "/console/spotcheck", "bad")
        _card(cards, "待处理风险信号", call(session, "risk", "list_signals", actor, status="open", limit=500),
              "/console/risk/signals", "warn")
        _card(cards, "逾期召回报告", call(session, "risk", "overdue_recalls", actor), "/console/risk/recalls",
              "bad")
        _card(cards, "扫码异常信号", call(session, "trace", "list_signals", actor, status="open", limit=500),
              "/console/trace/signals", "warn")
    if role in ("admin", "regulator", "association"):
        _card(cards, "超期投诉举报", call(session, "consumer", "overdue", actor), "/console/complaints", "bad")
    if role == "inspector" and offer("spotcheck", "dashboard_cards") is None:  # else the room's own cards
        _card(cards, "待录入检验结果", call(session, "spotcheck", "list_batches", actor, state="received",
                                                limit=500), "/console/spotcheck", "warn")
        _card(cards, "待审核检验结果", call(session, "spotcheck", "list_batches", actor, state="tested",
                                                limit=500), "/console/spotcheck", "warn")
    if role == "enterprise":
        _card(cards, "赋码批次", call(session, "trace", "list_batches", actor, limit=500), "/console/trace")
        _card(cards, "扫码异常信号", call(session, "trace", "list_signals", actor, status="open", limit=500),
              "/console/trace/signals", "warn")
        _card(cards, "投诉", call(session, "consumer", "list_complaints", actor, limit=500),
              "/console/complaints", "warn")
        _card(cards, "后处理事项", call(session, "spotcheck", "list_followups", actor), "/console/spotcheck")
    return cards


def contract_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Cards computed from the other rooms' contract functions, for the enterprise's own records."""
    cards: list[dict[str, Any]] = []
    if actor.role == "enterprise" and actor.organization_id is not None:
        org = actor.organization_id
        certs = certificates(session, enterprise_id=org)
        if certs is not None:
            valid = sum(1 for c in certs if _get(c, "status") == "valid")
            cards.append({"label": "有效认证证书", "value": valid, "href": f"/enterprises/{org}"})
        recalls = recall_items(session, enterprise_id=org, limit=1000)
        if recalls is not None:
            cards.append({"label": "召回", "value": len(recalls), "href": f"/enterprises/{org}",
                          "tone": "bad" if recalls else ""})
    return cards


def room_cards(session: Session, actor: Actor, rooms: tuple[str, ...]) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = []
    for room in rooms:
        got = call(session, room, "dashboard_cards", actor, default=[])
        cards.extend(c for c in got or [] if isinstance(c, dict) and "label" in c)
    return cards


def dashboard(session: Session, actor: Actor, today: dt.date) -> list[dict[str, Any]]:
    """Console home cards for this actor: the rooms' own cards first, then service, catalog and contract figures."""
    from zhijian.platform.rooms import ROOMS

    rooms = tuple(r for r in ROOMS if r not in ("platform", "catalog", "stats", "web"))  # every room's own cards
    cards = (room_cards(session, actor, rooms) + service_cards(session, actor, today) + catalog_cards(session, actor)
             + contract_cards(session, actor))
    seen: set[str] = set()
    out = []
    for c in cards:
        if c["label"] not in seen:
            seen.add(c["label"])
            out.append(c)
    return out
