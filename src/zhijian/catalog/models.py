"""Catalog tables: the categories, products and standards every room refers to (and, re-exported, organizations)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zhijian.platform.db import Audited, Base, IdMixin, TimestampMixin
from zhijian.platform.identity.models import Organization

# Organization (组织) is the platform's identity table now; every room still imports it from here.
__all__ = ["Category", "Indicator", "Organization", "Product", "Standard"]


class Category(IdMixin, Audited, Base):
    """产品类别 — a tree whose roots are 食品, 药品, 特种设备 and 工业产品."""

    __tablename__ = "category"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(255), default="/", index=True)  # "/1/7/" ids from the root
    requires_ccc: Mapped[bool] = mapped_column(default=False)  # mandatory certification (CCC)

    parent: Mapped[Category | None] = relationship(remote_side="Category.id")


class Product(IdMixin, TimestampMixin, Audited, Base):
    """产品 — one product (name, brand, model/specification) of one enterprise."""

    __tablename__ = "product"

    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(100), default="")  # 型号规格
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(default=True)
    search_text: Mapped[str] = mapped_column(String(500), default="")

    enterprise: Mapped[Organization] = relationship(lazy="raise_on_sql")
    category: Mapped[Category] = relationship(lazy="raise_on_sql")


class Standard(IdMixin, TimestampMixin, Audited, Base):
    """标准 — GB, GB/T, industry, group (T/…), enterprise (Q/…) standards with their indicators."""

    __tablename__ = "standard"

    code: Mapped[str] = mapped_column(String(64), unique=True)  # e.g. "GB 2762-2022"
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="current")  # current | abolished | upcoming
    issued_on: Mapped[dt.date | None]
    effective_on: Mapped[dt.date | None]
    abolished_on: Mapped[dt.date | None]
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    comparison_method: Mapped[str] = mapped_column(String(8), default="full")  # GB/T 8170 全数值 / 修约值
    search_text: Mapped[str] = mapped_column(String(400), default="")

    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="standard", cascade="all, delete-orphan", order_by="Indicator.position", lazy="selectin")


class Indicator(IdMixin, Audited, Base):
    """指标 — one requirement of a standard: a limit on a measurable item, or a text requirement."""

    __tablename__ = "indicator"

    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")
    requirement_kind: Mapped[str] = mapped_column(String(16))  # max|min|range|equals|not_detected|text
    lower: Mapped[float | None] = mapped_column(Numeric(20, 8, asdecimal=False))
    upper: Mapped[float | None] = mapped_column(Numeric(20, 8, asdecimal=False))
    lower_inclusive: Mapped[bool] = mapped_column(default=True)
    upper_inclusive: Mapped[bool] = mapped_column(default=True)
    text: Mapped[str] = mapped_column(String(300), default="")  # requirement as written, e.g. "≤0.5"
    mandatory: Mapped[bool] = mapped_column(default=True)
    is_safety: Mapped[bool] = mapped_column(default=False)
    method_standard: Mapped[str] = mapped_column(String(100), default="")

    standard: Mapped[Standard] = relationship(back_populates="indicators")
