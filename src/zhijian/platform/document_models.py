"""发文登记 — the register of 发文字号 issued per organ and year (GB/T 9704-2012 §7.2.4), one row per number."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, IdMixin, utcnow


class DocumentNumber(IdMixin, Base):
    """One 发文字号: 代字〔year〕seq号. The unique (organ_code, year, seq) makes concurrent allocations distinct."""

    __tablename__ = "platform_document_number"
    __table_args__ = (UniqueConstraint("organ_code", "year", "seq", name="uq_document_number_seq"),)

    organ_code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    issued_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
