"""中文检索 — a character-bigram index that makes substring search fast on every backend.

Chinese has no spaces, so word indexes miss 奶粉 inside 婴幼儿配方奶粉. We index overlapping
character pairs (the CJK bigram method of Lucene's CJKAnalyzer) in an ordinary table, so the
same query runs on SQLite, PostgreSQL, MariaDB and distributed engines without extensions:
a row matches when it has every bigram of the query, and a final LIKE confirms the substring.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from sqlalchemy import BigInteger, Integer, String, and_, delete, exists, func, select
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

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
    conn = session.connection()
    # Plain DB-API executemany: SQLAlchemy's per-row parameter processing dominates at millions of rows.
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO search_gram (kind, gram, ref_id) VALUES ({mark}, {mark}, {mark})"
    # Insert in index order (gram, ref_id): B-tree appends instead of random page splits.
    # (Each record's bigrams are a set, so rows are unique; the sort is stable, so ids stay ascending per gram.)
    rows = [(kind, g, ref_id) for ref_id, text in sorted(items) for g in grams(text)]
    rows.sort(key=itemgetter(1))
    for k in range(0, len(rows), chunk):
        conn.exec_driver_sql(sql, rows[k:k + chunk])
    return len(rows)


def forget(session: Session, kind: str, ref_id: int) -> None:
    session.execute(delete(SearchGram).where(SearchGram.kind == kind, SearchGram.ref_id == ref_id))


def restrict(stmt: Any, kind: str, id_column: Any, q: str, session: Session | None = None,
             max_grams: int = 6) -> Any | None:
    """Narrow `stmt` to records holding every bigram of q, driven by the rarest bigram's postings.

    The postings of one bigram are read in id order, so a page of results costs a few index probes
    however common the word is; the other bigrams are checked by primary-key probes. Returns None
    when q is shorter than two characters (the caller falls back to LIKE alone).
    """
    gs = sorted(grams(q))
    if not gs:
        return None
    if session is not None and len(gs) > 1:
        freq = dict(session.execute(
            select(SearchGram.gram, func.count()).where(SearchGram.kind == kind, SearchGram.gram.in_(gs))
            .group_by(SearchGram.gram)).all())
        gs.sort(key=lambda g: freq.get(g, 0))  # a missing bigram (count 0) drives: the page is empty at once
    driver, rest = gs[0], gs[1:max_grams]
    posting = aliased(SearchGram)
    stmt = stmt.join(posting, and_(posting.ref_id == id_column, posting.kind == kind, posting.gram == driver))
    for g in rest:
        stmt = stmt.where(exists().where(SearchGram.kind == kind, SearchGram.gram == g, SearchGram.ref_id == id_column))
    # Read the postings in id order (the index order) so that a page stops after `limit` matches.
    return stmt.order_by(posting.ref_id)
