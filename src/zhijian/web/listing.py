"""Numbered, sortable pages for the console's desk lists (products, organizations, standards ...).

Keyset paging (platform.pagination) walks one order (the id); a desk worker sorts by name, code or date and
jumps to page 7, so these lists count and page by offset over the chosen order, the id breaking ties.
`?page=`, `?size=` (20 / 50 / 100) and `?sort=key|-key` are checked here: anything else is a DomainError
naming the parameter (a 422 page, never a 500). Rendered by the `m.table` and `m.pager` macros.

Also for keyset lists: `page_rows(page, present)` (the page with each item shaped for the template, its cursor or
numbering kept, so `m.pager(page)` still pages it) and `all_pages(fetch)` (every row, for an export)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhijian.platform.errors import DomainError
from zhijian.platform.pagination import Page

PAGE_SIZES: tuple[int, ...] = (20, 50, 100)
DEFAULT_SIZE = 20
EXPORT_CAP = 50_000  # rows an export walks at most


@dataclass
class Numbered:
    """One page of a counted list: `items`, `total` rows, `page` (from 1), `size` rows a page."""

    items: list[Any]
    total: int
    page: int
    size: int
    sizes: tuple[int, ...] = field(default=PAGE_SIZES)
    next_cursor: None = None  # the keyset pager's attribute: numbered pages have none

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.size + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.page * self.size)

    def window(self, radius: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and `radius` around the current one; None is a gap (…)."""
        keep = {1, self.pages, *range(self.page - radius, self.page + radius + 1)}
        out: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n in keep:
                out.append(n)
            elif out and out[-1] is not None:
                out.append(None)
        return out


def page_params(page: str | int | None, size: str | int | None) -> tuple[int, int]:
    """The page number and size from the query string, refused when they are not a positive page / a size offered."""
    p_text = str(page if page not in (None, "") else 1).strip()
    s_text = str(size if size not in (None, "") else DEFAULT_SIZE).strip()
    if not p_text.isdigit() or int(p_text) < 1 or int(p_text) > 1_000_000:
        raise DomainError("list.page", f"页码「{p_text[:20]}」无效，应为正整数", f"page {p_text[:20]!r} is not a positive "
                          "whole number", field="page", status=422)
    if not s_text.isdigit() or int(s_text) not in PAGE_SIZES:
        sizes = "、".join(map(str, PAGE_SIZES))
        raise DomainError("list.size", f"每页条数「{s_text[:20]}」无效，可选 {sizes}",
                          f"page size {s_text[:20]!r} is not one of {', '.join(map(str, PAGE_SIZES))}", field="size",
                          status=422)
    return int(p_text), int(s_text)


def sort_key(sort: str | None, columns: dict[str, Any], default: str) -> tuple[str, bool]:
    """(`key`, descending) of `?sort=key` / `?sort=-key`; a key the list does not sort by is refused."""
    text = (sort or default).strip()
    key, desc = (text[1:], True) if text.startswith("-") else (text, False)
    if key not in columns:
        raise DomainError("list.sort", f"不能按「{key[:30]}」排序", f"the list cannot be sorted by {key[:30]!r}",
                          field="sort", status=422)
    return key, desc


def numbered_page(session: Session, stmt: Any, columns: dict[str, Any], id_column: Any, *, sort: str | None,
                  default_sort: str, page: str | int | None, size: str | int | None) -> tuple[Numbered, str]:
    """Count `stmt`, order it by the chosen column (then the id) and cut one page; returns the page and the
    sort actually applied (for the headers' arrows). A page past the end shows the last page."""
    number, per = page_params(page, size)
    key, desc = sort_key(sort, columns, default_sort)
    total = int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    last = max(1, -(-total // per))
    number = min(number, last)
    col = columns[key]
    order = [col.desc() if desc else col.asc()]
    if col is not id_column:
        order.append(id_column.desc() if desc else id_column.asc())
    items = list(session.scalars(stmt.order_by(None).order_by(*order).offset((number - 1) * per).limit(per)))
    return Numbered(items, total, number, per), ("-" if desc else "") + key


def numbered_list(rows: list[Any], columns: dict[str, Callable[[Any], Any]], *, sort: str | None,
                  default_sort: str, page: str | int | None, size: str | int | None) -> tuple[Numbered, str]:
    """`numbered_page` for a list a service already computed in memory (the credit classes of every enterprise):
    the same `?page=`/`?size=`/`?sort=` checks and answer; `columns` maps a sort key to the value it sorts by
    (None last either way)."""
    number, per = page_params(page, size)
    key, desc = sort_key(sort, columns, default_sort)
    get = columns[key]
    present = [r for r in rows if get(r) is not None]
    ordered = sorted(present, key=get, reverse=desc) + [r for r in rows if get(r) is None]
    last = max(1, -(-len(ordered) // per))
    number = min(number, last)
    return Numbered(ordered[(number - 1) * per:number * per], len(ordered), number, per), ("-" if desc else "") + key


PageT = TypeVar("PageT", Page[Any], Numbered)


def page_rows(page: PageT, row: Callable[[Any], Any]) -> PageT:
    """The same page with every item passed through `row` (a record shaped for the template): replaces the
    `"page": page, "rows": [row(x) for x in page.items]` pair, so the template iterates `page["items"]` and
    `m.pager(page)` keeps its cursor or page numbers."""
    return dataclasses.replace(page, items=[row(item) for item in page.items])


def all_pages(fetch: Callable[[str | None], Page[Any]], cap: int = EXPORT_CAP) -> Iterator[Any]:
    """Every row of a keyset-paged list (for exports), page by page, up to `cap` rows."""
    cursor: str | None = None
    n = 0
    while True:
        page = fetch(cursor)
        for item in page.items:
            yield item
            n += 1
            if n >= cap:
                return
        if not page.next_cursor:
            return
        cursor = page.next_cursor
