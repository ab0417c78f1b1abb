"""Labels (名称) of the categories, enterprises, products and regions a signal or a summary names: Chinese when
stored (the scan writes them), and in the page's language when a page shows them (`Labels(..., lang="en")`:
the category's `name_en`, the division's English name; enterprise and product names are proper nouns)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from zhijian.catalog import rules as catalog_rules
from zhijian.catalog import service as catalog
from zhijian.platform.auth import Actor
from zhijian.platform.errors import NotFound, PermissionDenied
from zhijian.risk import scan


class Labels:
    """Labels of categories, enterprises, products and regions (cached per operation), in `lang`."""

    def __init__(self, session: Session, actor: Actor, lang: str = "zh_CN") -> None:
        self.s, self.actor, self.lang = session, actor, lang
        self._cat: dict[int, str] = {}
        self._org: dict[int, str] = {}
        self._prod: dict[int, str] = {}

    def category(self, cid: int | None) -> str:
        def name(i: int) -> str:
            c = catalog.get_category(self.s, self.actor, i)
            return (c.name_en or c.name) if self.lang == "en" else c.name

        return self._cached(self._cat, cid, name, "Category" if self.lang == "en" else "类别")

    def enterprise(self, oid: int | None) -> str:
        return self._cached(self._org, oid, lambda i: catalog.get_organization(self.s, self.actor, i).name,
                            "Enterprise" if self.lang == "en" else "企业")

    def product(self, pid: int | None) -> str:
        def name(i: int) -> str:
            p = catalog.get_product(self.s, self.actor, i)
            return " ".join(x for x in (p.brand, p.name, p.model) if x)

        return self._cached(self._prod, pid, name, "Product" if self.lang == "en" else "产品", (NotFound, PermissionDenied))

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

    def region(self, code: str | None) -> str:
        if not code:
            return ""
        if code == "000000":
            return "National" if self.lang == "en" else "全国"
        if self.lang == "en":
            return catalog_rules.region_names_en().get(code) or catalog_rules.region_label(code, "en") or code
        return catalog_rules.region_names().get(code) or catalog_rules.region_label(code) or code

    def series_key(self, key: str, stored: str = "") -> str:
        """A signal's series (`cat:24|reg:430000`, `prod:8`, `ent:3|cat:4`) labelled in `lang`; `stored` (the
        Chinese label the scan wrote) when the key has parts this does not know."""
        parts = []
        for part in key.split("|"):
            kind, _sep, value = part.partition(":")
            if kind == "reg":
                parts.append(self.region(value))
                continue
            fetch = {"cat": self.category, "ent": self.enterprise, "prod": self.product}.get(kind)
            if fetch is None or not value.isdigit():
                return stored or key
            parts.append(fetch(int(value)))
        return " · ".join(p for p in parts if p)[:200] or stored or key

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
