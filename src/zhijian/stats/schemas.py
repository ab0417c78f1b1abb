"""Request bodies of the stats API (Pydantic v2). Responses are the ``to_dict()`` of the results."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from zhijian.stats.switching import SwitchingRules


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SamplingPlanIn(_In):
    lot_size: int = Field(..., description="批量 N", examples=[1000])
    aql: float | str = Field(..., description="接收质量限 AQL（表中列值）", examples=["1.0"])
    level: str = Field("II", description="检验水平 S-1…S-4, I, II, III")
    severity: Literal["normal", "tightened", "reduced"] = "normal"
    scheme: Literal["single", "double"] = "single"
    standard: Literal["gbt2828", "z14"] = "gbt2828"


class OCIn(_In):
    sample_size: int = Field(..., examples=[80])
    acceptance: int = Field(..., description="接收数 Ac", examples=[2])
    p: list[float] | None = Field(None, description="批不合格品率（0–1）；省略则自动取网格")
    lot_size: int | None = Field(None, description="给出批量时用超几何分布")
    points: int = Field(101, ge=2, le=100000)


class LotIn(_In):
    lot_size: int
    nonconforming: int | None = Field(None, description="样本（二次抽样为第一样本）中的不合格（品）数")
    nonconforming_second: int | None = None
    accepted: bool | None = None
    production_irregular: bool = False
    lot_id: str | None = None


# The switching rules' defaults are the pure scheme's (ISO 2859-1, `switching.SwitchingRules`), stated there once:
# the API offers the same parameters (not `increments_confirmed`, which the scheme's notes decide) with those defaults.
_RULES = SwitchingRules()


class SwitchingRulesIn(_In):
    normal_to_tightened_not_accepted: int = _RULES.normal_to_tightened_not_accepted
    normal_to_tightened_window: int = _RULES.normal_to_tightened_window
    tightened_to_normal_accepted: int = _RULES.tightened_to_normal_accepted
    discontinue_not_accepted: int = _RULES.discontinue_not_accepted
    score_threshold: int = _RULES.score_threshold
    score_add_ac_ge_2: int = _RULES.score_add_ac_ge_2
    score_add_ac_le_1: int = _RULES.score_add_ac_le_1
    score_add_double_first: int = _RULES.score_add_double_first
    authority_approves_reduced: bool = _RULES.authority_approves_reduced


class SwitchIn(_In):
    lots: list[LotIn]
    aql: float | str
    level: str = "II"
    scheme: Literal["single", "double"] = "single"
    standard: Literal["gbt2828", "z14"] = "gbt2828"
    start: Literal["normal", "tightened", "reduced"] = "normal"
    rules: SwitchingRulesIn | None = None


class ChartIn(_In):
    type: Literal["xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum"]
    values: list[float] = Field(..., description="测量值（长格式，每行一个）或各子组的不合格（品）数")
    subgroups: list[str | int] | None = None
    sizes: list[float] | None = Field(None, description="p/np/u 图的样本量")
    center: float | None = Field(None, description="阶段 II：给定中心线（均值、p̄、c̄、ū 或目标值）")
    sigma: float | None = Field(None, description="阶段 II：给定过程标准差")
    lambda_: float = Field(0.2, alias="lambda")
    L: float = 3.0
    k: float = 0.5
    h: float = 4.0
    rules: list[int] | None = None
    drop_out_of_control: bool = False

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CapabilityIn(_In):
    values: list[float]
    subgroups: list[str | int] | None = None
    lsl: float | None = None
    usl: float | None = None
    target: float | None = None
    confidence: float = 0.95


class JudgeIn(_In):
    value: float
    lower: float | None = None
    upper: float | None = None
    expanded_uncertainty: float | None = None
    coverage_factor: float = 2.0
    rule: Literal["simple", "guarded"] = "simple"
    guard_factor: float = 1.0
    on_limit: Literal["pass", "fail"] = "pass"


class PTResultIn(_In):
    participant: str
    result: float
    expanded_uncertainty: float | None = None
    coverage_factor: float | None = None


class PTScoreIn(_In):
    results: list[PTResultIn]
    assigned: float | None = None
    assigned_uncertainty: float | None = Field(None, description="指定值的扩展不确定度（k = 2）")
    sigma_pt: float | None = None
    en_limit: Literal["satisfactory", "unsatisfactory"] = "satisfactory"
    stopping: Literal["third_significant_figure", "converged"] = "third_significant_figure"
