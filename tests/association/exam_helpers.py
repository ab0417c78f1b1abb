"""A question bank and an exam made through the real service, and a simulated cohort (a Rasch-like model)."""

from __future__ import annotations

import math
import random

from sqlalchemy.orm import Session

from tests import factories
from zhijian.association.exams import service as ex
from zhijian.association.exams.models import Exam
from zhijian.association.exams.schemas import ExamIn, QuestionIn
from zhijian.platform.auth import SYSTEM

TOPICS = ("计量基础", "抽样检验", "实验室管理")


def bank(s: Session, per_cell: int = 8, short: bool = True) -> str:
    """3 topics × 3 difficulties × per_cell questions (single, multiple, true/false), plus short answers."""
    name = f"题库{factories.uid()}"
    n = 0
    for topic in TOPICS:
        for d in (1, 2, 3):
            for i in range(per_cell):
                n += 1
                kind = ("single", "multiple", "truefalse")[i % 3]
                opts = ["选项甲", "选项乙", "选项丙", "选项丁"] if kind != "truefalse" else []
                answer = {"single": "B", "multiple": "AC", "truefalse": "对"}[kind]
                ex.create_question(s, SYSTEM, QuestionIn(bank=name, code=f"Q{n:04d}", kind=kind, topic=topic,
                                                         difficulty=d, stem=f"{topic}第{n}题", options=opts,
                                                         answer=answer, points=2))
        if short:
            for i in range(2):
                n += 1
                ex.create_question(s, SYSTEM, QuestionIn(bank=name, code=f"Q{n:04d}", kind="short", topic=topic,
                                                         difficulty=2, stem=f"简述{topic}要点{i}", answer="参考答案",
                                                         points=10))
    return name


BLUEPRINT = [{"topic": t, "difficulty": d, "count": c} for t in TOPICS for d, c in ((1, 4), (2, 3), (3, 2))]


def exam(s: Session, bank_name: str, *, short: bool = True, minutes: int = 60, seed: int = 20260915) -> Exam:
    bp = [dict(c, kind="objective") for c in BLUEPRINT]
    if short:
        bp.append({"topic": TOPICS[0], "difficulty": 2, "kind": "short", "count": 1})
    return ex.create_exam(s, SYSTEM, ExamIn(code=f"E{factories.uid()}", title="检验员职业能力考试", bank=bank_name,
                                            blueprint=bp, time_limit_minutes=minutes, pass_percent=60, seed=seed))


def simulated_answer(rng: random.Random, kind: str, key: object, theta: float, difficulty: int) -> object:
    """Right with probability 1/(1 + e^(−1.7(θ − b))), b = difficulty − 2; otherwise a wrong answer."""
    p = 1.0 / (1.0 + math.exp(-1.7 * (theta - (difficulty - 2))))
    right = rng.random() < p
    if kind == "truefalse":
        return key if right else (not key)
    if kind == "single":
        return key if right else [3]
    if kind == "multiple":
        return key if right else ([0] if rng.random() < 0.5 else [1, 3])
    return "计量溯源性、测量不确定度评定" if right else ""
