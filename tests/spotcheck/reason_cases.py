"""Judgement cases that reach every sentence the rules write (the reason codes' test, test_reasons.py): each is
(requirement, requirement unit, value, judge keyword arguments). `reasons_zh.json` holds what the rules wrote for
each before the reason codes existed (generated once from the previous code, scripts noted in the test)."""

from __future__ import annotations

from typing import Any

CASES: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("≤0.5", "mg/kg", "0.3", {}),
    ("≤0.5", "mg/kg", "0.8", {}),
    ("≥95", "%", "90", {}),
    ("6.5~8.5", "", "7.0", {}),
    ("6.5~8.5", "", "9.1", {}),
    ("≤0.5", "mg/kg", "0.52", {"rule": "guarded", "uncertainty": 0.05}),
    ("≤0.5", "mg/kg", "0.7", {"rule": "guarded", "uncertainty": 0.05}),
    ("≥95", "%", "94.9", {"rule": "guarded", "uncertainty": 0.5}),
    ("≤0.50", "mg/kg", "0.504", {"comparison_method": "rounded"}),
    ("=10", "", "10", {}),
    ("=10", "", "11", {}),
    ("不得检出", "mg/kg", "未检出", {}),
    ("不得检出", "mg/kg", "0.001", {"lod": 0.01}),
    ("不得检出", "mg/kg", "0.02", {"lod": 0.01}),
    ("不得检出(≤20)", "mg/kg", "15", {}),
    ("不得检出(≤20)", "mg/kg", "25", {}),
    ("不得检出(≤20)", "mg/kg", "<30", {}),
    ("不得检出", "", "阴性", {}),
    ("不得检出", "", "检出", {}),
    ("阴性", "", "阳性", {}),
    ("阴性", "", "阴性", {}),
    ("阴性", "", "3.2", {}),
    ("≤0.5", "mg/kg", "阳性", {}),
    ("≤0.5", "mg/kg", "未检出", {"lod": 0.1}),
    ("≤0.5", "mg/kg", "<0.2", {}),
    ("≤0.5", "mg/kg", "<0.8", {}),
    ("≥95", "%", "<50", {}),
    ("≥0.1", "%", "<0.5", {}),
    ("n=5,c=2,m=100,M=1000", "CFU/g", "120, 3000, 80, 90, 50", {}),
    ("n=5,c=2,m=100,M=1000", "CFU/g", "120, 300, 800, 90, 50", {}),
    ("n=5,c=2,m=100,M=1000", "CFU/g", "120, 30, 80, 90, 50", {}),
    ("n=5,c=2,m=100,M=1000", "CFU/g", "<200, 30, 80, 90, 50", {}),
    ("n=5,c=0,m=100", "CFU/g", "120, 30, 80, 90, 50", {}),
    ("n=5,c=1,m=100", "CFU/g", "20, 30, 80, 90, 50", {}),
    ("n=5,c=1,m=100", "CFU/g", "<200, 30, 80, 90, 50", {}),
    ("符合GB 4806.7-2016第5.2条的要求", "", "符合", {"lab_verdict": "合格"}),
    ("应符合 GB 2763 第8章 要求", "", "不符合", {"lab_verdict": "不合格"}),
    ("无异味、无异物", "", "无异味", {"lab_verdict": "合格"}),
    ("约 3 层", "", "3 层", {"lab_verdict": "合格"}),
    ("色泽正常", "", "正常", {"lab_verdict": "合格"}),
]
