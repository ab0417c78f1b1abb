"""协会 REST API: one router gathering the sub-packages' routers (/api/v1/association/…)."""

from __future__ import annotations

from fastapi import APIRouter

from zhijian.association.assessment.api import router as assessment_router
from zhijian.association.campaigns.api import router as campaigns_router
from zhijian.association.campaigns.api import stats_router
from zhijian.association.exams.api import public_router as exams_public
from zhijian.association.exams.api import router as exams_router
from zhijian.association.experts.api import router as experts_router
from zhijian.association.members.api import router as members_router
from zhijian.association.pt.api import router as pt_router
from zhijian.association.standards.api import router as standards_router
from zhijian.association.training.api import router as training_router

router = APIRouter()
router.include_router(pt_router)
router.include_router(exams_router)
router.include_router(standards_router)
router.include_router(members_router)
router.include_router(campaigns_router)
router.include_router(assessment_router)
router.include_router(training_router)
router.include_router(experts_router)
router.include_router(stats_router)
public_router = APIRouter()
public_router.include_router(exams_public)
