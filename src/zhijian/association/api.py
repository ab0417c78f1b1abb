"""协会 REST API: one router gathering the sub-packages' routers (/api/v1/association/…)."""

from __future__ import annotations

from fastapi import APIRouter

from zhijian.association import sub_modules
from zhijian.association.campaigns.api import stats_router
from zhijian.association.exams.api import public_router as exams_public

router = APIRouter()
for _api in sub_modules("api"):
    router.include_router(_api.router)
router.include_router(stats_router)
public_router = APIRouter()
public_router.include_router(exams_public)
