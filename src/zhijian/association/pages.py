"""协会 pages: the console menu entries and the sub-packages' page routers."""

from __future__ import annotations

from fastapi import APIRouter

from zhijian.association import sub_modules
from zhijian.web.core import nav_item, portal_link

router = APIRouter(include_in_schema=False)
for _pages in sub_modules("pages"):
    router.include_router(_pages.router)
nav_item("/console/association/pt", "能力验证", roles=("association", "inspector"), order=60)
nav_item("/console/association/pt/follow-ups", "能力验证跟踪", roles=("association", "inspector"), order=61)
nav_item("/console/association/exams", "培训与考试", order=62)
nav_item("/console/association/standards", "团体标准", order=63)
portal_link("/association/standards", "团体标准", order=60)
nav_item("/console/association/members", "会员", order=64)
portal_link("/association/members", "会员名录", order=61)
nav_item("/console/association/campaigns", "质量月与 3·15", roles=("association",), order=65)
portal_link("/association/campaigns", "质量月与 3·15", order=62)
nav_item("/console/association/assessments", "机构评价", roles=("association", "inspector"), order=66)
nav_item("/console/association/courses", "继续教育", order=67)
nav_item("/console/association/complaint-statistics", "投诉举报统计", roles=("association",), order=69)
nav_item("/console/association/experts", "专家与评审任务", roles=("association",), order=68)
