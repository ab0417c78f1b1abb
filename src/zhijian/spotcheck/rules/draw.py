"""The reproducible 双随机 draw: enterprises/products per category by credit-weighted lot, labs matched at random
without conflicts (利害关系); the inputs and seed give the same result every time (一公开)."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any

# ---------------------------------------------------------------- 双随机 draw


@dataclass(frozen=True)
class Candidate:
    product_id: int
    enterprise_id: int
    category_id: int
    region_code: str
    credit_class: str | None = None


@dataclass(frozen=True)
class DrawInput:
    seed: int
    candidates: list[Candidate]
    targets: dict[int, int]  # category_id → number of batches
    labs: list[tuple[int, str]]  # (lab id, region code)
    excluded: dict[int, str] = field(default_factory=dict)  # product_id → reason (PQL Art. 15)
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # (lab id, enterprise id)
    credit_weights: dict[str, float] = field(default_factory=lambda: {"A": 1.0, "B": 1.0, "C": 2.0, "D": 3.0})
    exclude_same_province: bool = False
    one_per_enterprise: bool = True

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"] = {str(k): v for k, v in self.targets.items()}
        d["excluded"] = {str(k): v for k, v in self.excluded.items()}
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DrawInput:
        return cls(seed=int(d["seed"]), candidates=[Candidate(**c) for c in d["candidates"]],
                   targets={int(k): int(v) for k, v in d["targets"].items()},
                   labs=[(int(a), str(b)) for a, b in d["labs"]],
                   excluded={int(k): v for k, v in d.get("excluded", {}).items()},
                   conflicts=[(int(a), int(b)) for a, b in d.get("conflicts", [])],
                   credit_weights={k: float(v) for k, v in d.get("credit_weights", {}).items()},
                   exclude_same_province=bool(d.get("exclude_same_province", False)),
                   one_per_enterprise=bool(d.get("one_per_enterprise", True)))

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Assignment:
    product_id: int
    enterprise_id: int
    category_id: int
    region_code: str
    lab_id: int


@dataclass(frozen=True)
class DrawResult:
    assignments: list[Assignment]
    excluded: list[dict[str, Any]]  # {product_id, reason}
    shortfall: dict[int, int]  # category → batches that could not be drawn
    input_digest: str

    def to_json(self) -> dict[str, Any]:
        return {"assignments": [asdict(a) for a in self.assignments], "excluded": self.excluded,
                "shortfall": {str(k): v for k, v in self.shortfall.items()}, "input_digest": self.input_digest}


def draw(inp: DrawInput) -> DrawResult:
    """双随机: draw products per category (weighted by credit class), then labs, matched at random.

    Reproducible: the same input (with its seed) always yields the same result. Weighted sampling without
    replacement uses Efraimidis–Spirakis keys u^(1/w) from Python's Mersenne Twister seeded with `seed`.
    Labs are matched in a shuffled round-robin so the load is even, skipping labs with a conflict
    (a business relation with the enterprise, or the same province when that rule is on).
    """
    rng = random.Random(inp.seed)
    excluded = [{"product_id": pid, "reason": reason} for pid, reason in sorted(inp.excluded.items())]
    by_cat: dict[int, list[Candidate]] = {}
    for c in sorted(inp.candidates, key=lambda c: c.product_id):
        if c.product_id in inp.excluded:
            continue
        by_cat.setdefault(c.category_id, []).append(c)
    chosen: list[Candidate] = []
    shortfall: dict[int, int] = {}
    for cat_id in sorted(inp.targets):
        want = inp.targets[cat_id]
        got = _pick(rng, by_cat.get(cat_id, []), want, inp)
        chosen += got
        if len(got) < want:
            shortfall[cat_id] = want - len(got)
    conflicts = set(inp.conflicts)
    labs = sorted(inp.labs)
    order = list(range(len(labs)))
    rng.shuffle(order)
    rng.shuffle(chosen)
    assignments: list[Assignment] = []
    pos = 0
    for c in chosen:
        picked = None
        for step in range(len(order)):
            lab_id, lab_region = labs[order[(pos + step) % len(order)]]
            if (lab_id, c.enterprise_id) in conflicts:
                continue
            if inp.exclude_same_province and lab_region[:2] == c.region_code[:2]:
                continue
            picked = lab_id
            pos = (pos + step + 1) % len(order)
            break
        if picked is None:
            excluded.append({"product_id": c.product_id, "reason": "无可回避利害关系的检验机构 / no lab without a conflict"})
            shortfall[c.category_id] = shortfall.get(c.category_id, 0) + 1
            continue
        assignments.append(Assignment(c.product_id, c.enterprise_id, c.category_id, c.region_code, picked))
    assignments.sort(key=lambda a: (a.category_id, a.product_id))
    return DrawResult(assignments, excluded, shortfall, inp.digest())


def _pick(rng: random.Random, pool: list[Candidate], want: int, inp: DrawInput) -> list[Candidate]:
    """Up to `want` of a category's candidates by weighted sampling without replacement (Efraimidis–Spirakis
    keys u^(1/w), one draw of `rng` per candidate in product order); one per enterprise when the plan says so."""
    keyed = []
    for c in pool:
        w = inp.credit_weights.get(c.credit_class or "B", 1.0)
        u = rng.random()
        keyed.append((u ** (1.0 / w) if w > 0 else 0.0, c.product_id, c))
    keyed.sort(key=lambda t: (-t[0], t[1]))
    seen: set[int] = set()
    got: list[Candidate] = []
    for _k, _pid, c in keyed:
        if len(got) >= want:
            break
        if inp.one_per_enterprise and c.enterprise_id in seen:
            continue
        seen.add(c.enterprise_id)
        got.append(c)
    return got
