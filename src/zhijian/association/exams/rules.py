"""考试 rules (pure): question rows, blueprints, the seeded paper of each candidate, marking, item statistics.

Paper: for every blueprint cell (知识点 × 难度 [× 题型]) ``count`` questions are drawn without replacement from
the cell's active questions with ``random.Random(seed_of(exam_seed, candidate_no))`` and the paper is shuffled —
the same exam seed and candidate number always give the same paper (a disputed paper can be re-created).
Options (选项乱序): each candidate sees every choice question's options in his own order, a permutation drawn from
``option_seed(paper seed, question id)``; what he ticks is turned back into the bank's option indices before it is
stored, so marking, item statistics and answer sheets keyed by the bank's order are not affected.
Marking of objective items: single choice and true/false exact; multiple choice all correct → full points,
a correct subset (少选, no wrong option) → half points, any wrong option → 0 (the common rule of 职业技能
examinations). Item statistics: difficulty p = mean score / max points; discrimination D = p_upper − p_lower on
the upper and lower 27 % by total score (Kelley 1939) and the point-biserial correlation of item and rest score.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zhijian.platform.errors import DomainError

KINDS = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "short": "简答题"}
CELL_KINDS = {**KINDS, "objective": "客观题"}  # a blueprint cell may ask for one kind, any objective kind, or any
KIND_BY_ZH = {v: k for k, v in KINDS.items()} | {"单选": "single", "多选": "multiple", "判断": "truefalse",
                                                 "简答": "short"}
DIFFICULTY = {1: "易", 2: "中", 3: "难"}
DIFFICULTY_BY_ZH = {"易": 1, "中": 2, "难": 3, "1": 1, "2": 2, "3": 3}
LETTERS = "ABCDEFGH"
TRUE_WORDS = {"对", "正确", "√", "T", "TRUE", "是", "Y"}
FALSE_WORDS = {"错", "错误", "×", "F", "FALSE", "否", "N"}
IMPORT_COLUMNS = ("题库", "题号", "题型", "知识点", "难度", "题干", "答案")
GRACE_SECONDS = 60  # answers saved up to a minute after the time limit count (network delay)


def _bad(code: str, zh: str, en: str, field: str) -> DomainError:
    return DomainError(f"association.exam.{code}", zh, en, field=field)


@dataclass(frozen=True)
class QuestionData:
    bank: str
    code: str
    kind: str
    topic: str
    difficulty: int
    stem: str
    options: list[str]
    answer: Any
    points: float


def parse_answer(kind: str, raw: Any, n_options: int) -> Any:
    """'B' → [1]; 'ACD' → [0, 2, 3]; '对' → True; short answers keep the reference text."""
    text = str(raw if raw is not None else "").strip()
    if kind == "short":
        return text
    if kind == "truefalse":
        up = text.upper()
        if up in TRUE_WORDS:
            return True
        if up in FALSE_WORDS:
            return False
        raise _bad("bad_answer", f"判断题答案应为 对/错：{text!r}", f"a true/false answer must be 对 or 错: {text!r}", "答案")
    letters = [c for c in text.upper().replace(",", "").replace("，", "").replace(" ", "")]
    idx = sorted({LETTERS.find(c) for c in letters})
    if not letters or -1 in idx or any(i >= n_options for i in idx):
        raise _bad("bad_answer", f"答案应为选项字母（A–{LETTERS[max(n_options, 1) - 1]}）：{text!r}",
                   f"the answer must be option letters: {text!r}", "答案")
    if kind == "single" and len(idx) != 1:
        raise _bad("bad_answer", "单选题只能有一个答案", "a single-choice question has one answer", "答案")
    if kind == "multiple" and len(idx) < 2:
        raise _bad("bad_answer", "多选题至少有两个正确选项", "a multiple-choice question has at least two answers", "答案")
    return idx


def _difficulty_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v if v is not None else "").strip()


def check_question(bank: object, code: object, kind: object, topic: object, difficulty: Any, stem: object,
                   options: Sequence[object], answer: Any, points: Any = 1) -> QuestionData:
    """One question from a form or a spreadsheet row: the cells as read (text, numbers or empty), checked."""
    k = KIND_BY_ZH.get(str(kind).strip(), str(kind).strip())
    if k not in KINDS:
        raise _bad("bad_kind", f"题型应为 单选题/多选题/判断题/简答题：{kind!r}", f"unknown question type: {kind!r}", "题型")
    d = DIFFICULTY_BY_ZH.get(_difficulty_text(difficulty))
    if d is None:
        raise _bad("bad_difficulty", f"难度应为 易/中/难 或 1–3：{difficulty!r}", f"difficulty must be 易/中/难 or 1-3: {difficulty!r}",
                   "难度")
    opts = [str(o).strip() for o in options if o is not None and str(o).strip()]
    if k in ("single", "multiple") and len(opts) < (2 if k == "single" else 3):
        raise _bad("bad_options", "选择题选项不足", "a choice question needs more options", "选项A")
    if k in ("truefalse", "short"):
        opts = []
    if not str(stem or "").strip():
        raise _bad("bad_stem", "题干不能为空", "the stem is empty", "题干")
    if not str(code or "").strip() or not str(bank or "").strip() or not str(topic or "").strip():
        raise _bad("missing", "题库、题号和知识点不能为空", "bank, code and topic are required", "题号")
    try:
        pts = float(points if points not in (None, "") else 1)
    except (TypeError, ValueError):
        raise _bad("bad_points", f"分值应为数值：{points!r}", f"points must be a number: {points!r}", "分值") from None
    if not (0 < pts <= 100):
        raise _bad("bad_points", "分值应在 0–100 之间", "points must be within 0-100", "分值")
    return QuestionData(str(bank).strip(), str(code).strip(), k, str(topic).strip(), d, str(stem).strip(), opts,
                        parse_answer(k, answer, len(opts)), pts)


@dataclass(frozen=True)
class Cell:
    topic: str
    difficulty: int
    count: int
    kind: str | None = None

    @property
    def key(self) -> tuple[str, int, str | None]:
        return (self.topic, self.difficulty, self.kind)


def check_blueprint(cells: Sequence[Mapping[str, Any]], available: Mapping[tuple[str, int, str | None], int]) -> list[Cell]:
    """Every cell must ask for ≥ 1 item and the bank must hold enough active questions for it."""
    out: list[Cell] = []
    seen = set()
    if not cells:
        raise _bad("empty_blueprint", "组卷蓝图不能为空", "the blueprint is empty", "blueprint")
    for i, c in enumerate(cells):
        try:
            cell = Cell(str(c["topic"]).strip(), int(c["difficulty"]), int(c["count"]), c.get("kind") or None)
        except (KeyError, TypeError, ValueError):
            raise _bad("bad_blueprint", f"蓝图第 {i + 1} 项应有 topic、difficulty、count", f"blueprint cell {i + 1} needs topic, "
                       "difficulty and count", "blueprint") from None
        if cell.count < 1 or cell.difficulty not in DIFFICULTY or (cell.kind and cell.kind not in CELL_KINDS):
            raise _bad("bad_blueprint", f"蓝图第 {i + 1} 项无效", f"blueprint cell {i + 1} is invalid", "blueprint")
        if cell.key in seen:
            raise _bad("bad_blueprint", f"蓝图第 {i + 1} 项重复", f"blueprint cell {i + 1} is repeated", "blueprint")
        seen.add(cell.key)
        have = available.get(cell.key, 0)
        if have < cell.count:
            raise _bad("bank_too_small", f"题库中「{cell.topic}·{DIFFICULTY[cell.difficulty]}」只有 {have} 题，蓝图要求 {cell.count} 题",
                       f"the bank has {have} questions for {cell.topic}/{cell.difficulty}, the blueprint needs {cell.count}",
                       "blueprint")
        out.append(cell)
    need: dict[tuple[str, int], int] = defaultdict(int)
    for cell in out:
        need[(cell.topic, cell.difficulty)] += cell.count
    for (topic, diff), n in need.items():
        have = available.get((topic, diff, None), 0)
        if n > have:
            raise _bad("bank_too_small", f"题库中「{topic}·{DIFFICULTY[diff]}」只有 {have} 题，蓝图共要求 {n} 题",
                       f"the bank has {have} questions for {topic}/{diff}, the blueprint needs {n} in all", "blueprint")
    return out


def seed_of(exam_seed: int, candidate_no: str) -> int:
    """A candidate's paper seed: stable across processes and Python versions (not ``hash()``)."""
    return int.from_bytes(hashlib.sha256(f"{exam_seed}:{candidate_no}".encode()).digest()[:8], "big")


def draw_paper(pools: Mapping[tuple[str, int, str | None], Sequence[int]], cells: Sequence[Cell], seed: int) -> list[int]:
    """The question ids of one paper (pools sorted by id, so the draw depends only on the bank and the seed).

    Cells are drawn in blueprint order and a question drawn once is not drawn again, so a "any kind" cell and a
    "short answer" cell on the same topic and difficulty never repeat a question."""
    rng = random.Random(seed)
    paper: list[int] = []
    used: set[int] = set()
    for cell in cells:
        pool = pools[cell.key]
        picked = rng.sample(pool if not used.intersection(pool) else [q for q in pool if q not in used], cell.count)
        used.update(picked)
        paper.extend(picked)
    rng.shuffle(paper)
    return paper


def option_order(paper_seed: int, question_id: int, n_options: int) -> list[int]:
    """选项乱序: ``order[shown position] = bank index`` for one candidate's question — reproducible from the exam's
    recorded seed and the candidate number (through ``seed_of``) and the question id; SHA-256, not ``hash()``."""
    digest = hashlib.sha256(f"{paper_seed}:opt:{question_id}".encode()).digest()
    order = list(range(n_options))
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return order


def to_bank_order(kind: str, shown: Any, order: Sequence[int]) -> Any:
    """A normalised answer given in the candidate's option order → the bank's indices (what is stored and marked)."""
    if kind not in ("single", "multiple") or shown is None:
        return shown
    if any(i >= len(order) for i in shown):
        raise _bad("bad_answer", f"答案应为选项字母（A–{LETTERS[max(len(order), 1) - 1]}）",
                   f"the answer must be option letters (A–{LETTERS[max(len(order), 1) - 1]})", "answers")
    return sorted(order[i] for i in shown)


def to_shown_order(kind: str, stored: Any, order: Sequence[int]) -> Any:
    """A stored answer (bank indices) → the candidate's option positions, to show his saved answer again."""
    if kind not in ("single", "multiple") or stored is None:
        return stored
    where = {bank: pos for pos, bank in enumerate(order)}
    return sorted(where[i] for i in stored if i in where)


def normalise_answer(kind: str, raw: Any) -> Any:
    """A candidate's answer as stored: indices for choices, bool for true/false, text for short answers."""
    if raw is None or raw == "" or raw == []:
        return None
    if kind == "short":
        return str(raw)[:5000]
    if kind == "truefalse":
        if isinstance(raw, bool):
            return raw
        s = str(raw).strip().upper()
        return True if s in TRUE_WORDS or s == "1" else False if s in FALSE_WORDS or s == "0" else None
    vals = raw if isinstance(raw, list | tuple) else [raw]
    out = set()
    for v in vals:
        if isinstance(v, int) and not isinstance(v, bool):
            out.add(v)
        elif isinstance(v, str) and v.strip().isdigit():
            out.add(int(v.strip()))
        elif isinstance(v, str):
            out.update(LETTERS.find(c) for c in v.strip().upper() if c in LETTERS)
    return sorted(out) or None


def mark_objective(kind: str, key: Any, answer: Any, points: float) -> float:
    if answer is None:
        return 0.0
    if kind in ("single", "truefalse"):
        return points if answer == key else 0.0
    given, right = set(answer), set(key)
    if given == right:
        return points
    if given and given < right:
        return points / 2.0
    return 0.0


@dataclass(frozen=True)
class ItemStat:
    question_id: int
    n: int
    max_points: float
    difficulty_p: float
    discrimination_d: float | None  # upper 27 % − lower 27 %
    point_biserial: float | None  # item score vs the rest of the paper


def item_statistics(scores: Mapping[int, Sequence[tuple[float, float]]], maxima: Mapping[int, float]) -> list[ItemStat]:
    """scores: question id → [(item score, candidate's total), …] over the candidates who had the item."""
    out = []
    for qid, pairs in sorted(scores.items()):
        arr = np.asarray(pairs, dtype=float)
        n = len(arr)
        mx = maxima[qid]
        item, total = arr[:, 0] / mx, arr[:, 1]
        p = float(item.mean()) if n else 0.0
        d = rpb = None
        if n >= 4:
            k = max(1, int(math.floor(0.27 * n + 0.5)))
            order = np.argsort(total, kind="stable")
            d = float(item[order[-k:]].mean() - item[order[:k]].mean())
            rest = total - arr[:, 0]
            if item.std() > 0 and rest.std() > 0:
                rpb = float(np.corrcoef(item, rest)[0, 1])
        out.append(ItemStat(qid, n, mx, p, d, rpb))
    return out
