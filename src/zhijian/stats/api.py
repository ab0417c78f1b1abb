"""REST adapter of the stats room: pure calculators, JSON in and out, no authentication."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from zhijian.stats import capability as cap
from zhijian.stats import conformity, oc, proficiency, sampling, spc, switching
from zhijian.stats.schemas import CapabilityIn, ChartIn, JudgeIn, OCIn, PTScoreIn, SamplingPlanIn, SwitchIn

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


@router.post("/sampling/plan", summary="抽样方案 GB/T 2828.1 / Z1.4")
def sampling_plan(body: SamplingPlanIn) -> dict[str, Any]:
    return sampling.find_plan(body.lot_size, body.aql, level=body.level, severity=body.severity,
                              scheme=body.scheme, standard=body.standard).to_dict()


@router.post("/sampling/oc", summary="OC 曲线")
def sampling_oc(body: OCIn) -> dict[str, Any]:
    return oc.oc_curve(body.sample_size, body.acceptance, body.p, lot_size=body.lot_size, points=body.points).to_dict()


@router.post("/sampling/switch", summary="转移规则")
def sampling_switch(body: SwitchIn) -> dict[str, Any]:
    rules = switching.SwitchingRules(**body.rules.model_dump()) if body.rules else None
    return switching.run_switching([lot.model_dump() for lot in body.lots], aql=body.aql, level=body.level,
                                   scheme=body.scheme, standard=body.standard, rules=rules, start=body.start).to_dict()


@router.post("/spc/chart", summary="控制图")
def spc_chart(body: ChartIn) -> dict[str, Any]:
    return spc.control_chart(body.type, body.values, subgroups=body.subgroups, sizes=body.sizes, center=body.center,
                             sigma=body.sigma, lam=body.lambda_, L=body.L, k=body.k, h=body.h, rules=body.rules,
                             drop_out_of_control=body.drop_out_of_control).to_dict()


@router.post("/spc/capability", summary="过程能力")
def spc_capability(body: CapabilityIn) -> dict[str, Any]:
    return cap.capability(body.values, lsl=body.lsl, usl=body.usl, subgroups=body.subgroups, target=body.target,
                          confidence=body.confidence).to_dict()


@router.post("/conformity/judge", summary="符合性判定（含测量不确定度）")
def conformity_judge(body: JudgeIn) -> dict[str, Any]:
    return conformity.judge_value(body.value, lower=body.lower, upper=body.upper,
                                  expanded_uncertainty=body.expanded_uncertainty, coverage_factor=body.coverage_factor,
                                  rule=body.rule, guard_factor=body.guard_factor, on_limit=body.on_limit).to_dict()


@router.post("/pt/score", summary="能力验证评分 ISO 13528")
def pt_score(body: PTScoreIn) -> dict[str, Any]:
    return proficiency.score_participants(
        [r.result for r in body.results],
        participants=[r.participant for r in body.results],
        expanded_uncertainties=[r.expanded_uncertainty for r in body.results]
        if any(r.expanded_uncertainty is not None for r in body.results) else None,
        coverage_factors=[r.coverage_factor for r in body.results],
        assigned=body.assigned,
        assigned_expanded_uncertainty=body.assigned_uncertainty,
        sigma_pt=body.sigma_pt,
        en_limit=body.en_limit,
        stopping=body.stopping,
    ).to_dict()
