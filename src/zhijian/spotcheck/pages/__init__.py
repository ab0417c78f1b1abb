"""Spot-check pages (监督抽查): the console's workflow view for staff, labs and enterprises (plans, sampling, result
entry, the batch page and its actions) and the public results with their exports, feed and report verification.

One module per page workflow; this router includes them in the order their paths must be matched
(``/plans/new`` before ``/plans/{plan_id}``, ``/spotchecks/feed.atom`` before ``/spotchecks/{plan_id}``)."""

from __future__ import annotations

from fastapi import APIRouter

from zhijian.spotcheck.pages import batches, plans, public, results, sampling
from zhijian.web.core import nav_item

router = APIRouter(include_in_schema=False)
nav_item("/console/spotcheck", "监督抽查", roles=("regulator", "inspector", "enterprise"), order=20)

for _module in (plans, sampling, results, batches, public):
    router.include_router(_module.router)

__all__ = ["router"]
