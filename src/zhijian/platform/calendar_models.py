"""Tables of the working-day calendar: the State Council's 放假安排 per year, as imported by an admin."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zhijian.platform.db import Base, utcnow


class CalendarYear(Base):
    """放假安排 — one year's published notice (国务院办公厅关于××年部分节假日安排的通知), imported as data."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64), default="")


class CalendarDay(Base):
    """One day of a notice: a rest day (休) or an adjusted working weekend (班, 调休上班)."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(4))  # "rest" | "work"
    name: Mapped[str] = mapped_column(String(32), default="")
