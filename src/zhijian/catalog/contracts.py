"""What the catalog room (产品、组织机构、标准) offers through `zhijian.platform.rooms` (docs/CONTRACTS.md, checked by
`tests/test_contracts.py`). The rooms above catalog import it directly; this is for the platform below it, which must
not (import-linter's layers)."""

from __future__ import annotations

from collections.abc import Callable

from zhijian.catalog.service import get_organization, get_product, get_standard


def audit_readers() -> dict[str, Callable[..., object]]:
    """The records whose 审计历史 staff may read, each with the read that decides who may (404/403)."""
    return {"organization": get_organization, "product": get_product, "standard": get_standard}


__all__ = ["audit_readers"]
