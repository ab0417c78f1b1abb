"""Chinese labels (名称) of the categories, enterprises, products and regions a signal or a summary names."""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog import service as catalog
from zhijian.platform.auth import Actor
from zhijian.platform.errors import NotFound, PermissionDenied
from zhijian.risk import scan


class Labels:
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
