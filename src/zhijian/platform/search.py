"""中文检索 — a character-bigram index that makes substring search fast on every backend.

Chinese has no spaces, so word indexes miss 奶粉 inside 婴幼儿配方奶粉. We index overlapping
character pairs (the CJK bigram method of Lucene's CJKAnalyzer) in an ordinary table, so the
same query runs on SQLite, PostgreSQL, MariaDB and distributed engines without extensions:
a row matches when it has every bigram of the query, and a final LIKE confirms the substring.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, Integer, String, and_, delete, insert, select
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, Session, mapped_column

from zhijian.platform.db import Base

BigRef = BigInteger().with_variant(Integer(), "sqlite")
# Binary collation on MariaDB/MySQL: their default *_ci collations fold characters that must stay distinct.
GramType = String(8).with_variant(mysql.VARCHAR(8, collation="utf8mb4_bin"), "mysql", "mariadb")


class SearchGram(Base):
    """One bigram of one indexed record (kind = 'product', 'organization', 'standard' ...)."""

    __tablename__ = "search_gram"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    gram: Mapped[str] = mapped_column(GramType, primary_key=True)
    ref_id: Mapped[int] = mapped_column(BigRef, primary_key=True)


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split())


def grams(text: str) -> set[str]:
    t = normalize(text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def reindex(session: Session, kind: str, items: Iterable[tuple[int, str]], *, replace: bool = True,
            chunk: int = 20000) -> int:
    """(Re)write the bigrams of the given records; set-based."""
    items = list(items)
    if replace and items:
        ids = [i for i, _ in items]
        for k in range(0, len(ids), 1000):
            session.execute(delete(SearchGram).where(SearchGram.kind == kind, SearchGram.ref_id.in_(ids[k:k + 1000])))
    rows: list[dict[str, Any]] = []
    n = 0
    for ref_id, text in items:
        for g in grams(text):
            rows.append({"kind": kind, "gram": g, "ref_id": ref_id})
        if len(rows) >= chunk:
            session.execute(insert(SearchGram), rows)
            n += len(rows)
            rows = []
    if rows:
        session.execute(insert(SearchGram), rows)
        n += len(rows)
    return n


def forget(session: Session, kind: str, ref_id: int) -> None:
    session.execute(delete(SearchGram).where(SearchGram.kind == kind, SearchGram.ref_id == ref_id))


def match(kind: str, id_column: Any, q: str, max_grams: int = 6) -> Any | None:
    """A WHERE condition: the record has every bigram of q (None when q is shorter than two characters)."""
    gs = sorted(grams(q))
    if not gs:
        return None
    # Spread the chosen bigrams over the query so that long queries stay cheap and still selective.
    if len(gs) > max_grams:
        step = len(gs) / max_grams
        gs = [gs[int(i * step)] for i in range(max_grams)]
    conds = [id_column.in_(select(SearchGram.ref_id).where(and_(SearchGram.kind == kind, SearchGram.gram == g)))
             for g in gs]
    return and_(*conds)
