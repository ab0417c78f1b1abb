"""Former home of the catalog console pages, now `zhijian.catalog.pages` (same URLs, discovered like every room's
pages). Kept so that `from zhijian.web.console_pages import category_options` in other rooms keeps working."""

from __future__ import annotations

from zhijian.catalog.pages import EXPORT_CAP, all_pages, category_options, category_picker, enterprise_options

__all__ = ["EXPORT_CAP", "all_pages", "category_options", "category_picker", "enterprise_options"]
