"""Catalog room (基础数据): organizations, regions, product categories, products, standards and indicators."""
