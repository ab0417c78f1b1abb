"""Chinese labels (名称) of the categories, enterprises, products and regions a signal or a summary names."""

from __future__ import annotations

from collections.abc import Callable

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
        return self._cached(self._cat, cid, lambda i: catalog.get_category(self.s, self.actor, i).name, "类别")

    def enterprise(self, oid: int | None) -> str:
        return self._cached(self._org, oid, lambda i: catalog.get_organization(self.s, self.actor, i).name, "企业")

    def product(self, pid: int | None) -> str:
        def name(i: int) -> str:
            p = catalog.get_product(self.s, self.actor, i)
            return " ".join(x for x in (p.brand, p.name, p.model) if x)

        return self._cached(self._prod, pid, name, "产品", (NotFound, PermissionDenied))

    @staticmethod
    def _cached(cache: dict[int, str], key: int | None, fetch: Callable[[int], str], kind: str,
                errors: tuple[type[Exception], ...] = (NotFound,)) -> str:
        """The name of `key` (looked up once), "<kind> <id>" when it is unknown (or, for products, not visible)."""
        if key is None:
            return ""
        if key not in cache:
            try:
                cache[key] = fetch(key)
            except errors:
                cache[key] = f"{kind} {key}"
        return cache[key]

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
