"""协会 REST API: one router gathering the sub-packages' routers (/api/v1/association/…)."""

from __future__ import annotations

from fastapi import APIRouter

from zhijian.association.pt.api import router as pt_router

router = APIRouter()
router.include_router(pt_router)
