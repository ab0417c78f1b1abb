"""Re-tests (复检) as the law has them (PQL Art. 15; DOMAIN.md): an objection names the disputed items; the
re-test covers only those, on the reserve sample, by a lab drawn at random (reproducibly, like the 双随机 draw)
from the labs qualified for the product category's field — never the first lab, never a lab with a conflict;
the final verdict merges the undisputed first-test results with the re-test's; the re-test conclusion is
final (no second objection); the fee is borne by the applicant when the first conclusion stands."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.catalog.models import Category, Organization
from zhijian.platform.auth import Actor
from zhijian.platform.crud import flush
from zhijian.platform.errors import Conflict, DomainError, NotFound
from zhijian.spotcheck import rules
from zhijian.spotcheck.models import Batch, Draw, ItemResult, LabConflict, LabField, Objection, table

FEE_ZH = {"applicant": "复检费用由申请人（受检企业）承担：复检结论维持原检验结论",
          "organiser": "复检费用由组织抽查的部门承担：复检结论改变了原检验结论"}


# ---------------------------------------------------------------- lab fields (检验能力范围)


def set_lab_fields(session: Session, actor: Actor, lab_id: int, category_ids: list[int]) -> list[int]:
    """登记检验能力范围 — the categories (with their subtrees) the lab is qualified to test."""
    actor.require("regulator")
    lab = session.get(Organization, lab_id)
    if lab is None or lab.kind != "lab":
        raise NotFound("lab", lab_id, field="lab_id")
    for i, cid in enumerate(category_ids):
        if session.get(Category, cid) is None:
            raise NotFound("category", cid, field=f"category_ids.{i}")
    session.execute(table(LabField).delete().where(LabField.lab_id == lab_id))
    for cid in dict.fromkeys(category_ids):
        session.add(LabField(lab_id=lab_id, category_id=cid))
    flush(session, "lab_field")
    return lab_fields(session, lab_id)


def lab_fields(session: Session, lab_id: int) -> list[int]:
    return list(session.scalars(select(LabField.category_id).where(LabField.lab_id == lab_id).order_by(LabField.category_id)))


def qualified_labs(session: Session, category_id: int) -> list[int]:
    """Labs qualified for the category: a field registered on the category itself or on one of its ancestors."""
    cat = session.get(Category, category_id)
    path = cat.path if cat is not None else f"/{category_id}/"
    ancestors = [int(x) for x in path.strip("/").split("/") if x.isdigit()] or [category_id]
    if category_id not in ancestors:
        ancestors.append(category_id)
    return sorted(set(session.scalars(select(LabField.lab_id).where(LabField.category_id.in_(ancestors)))))


def retest_seed(session: Session, batch: Batch) -> int:
    """The seed of the re-test lab draw: derived from the plan's recorded draw seed and the sample number, so
    anyone can re-run it (no seed is chosen by the person accepting the objection)."""
    draw_seed = session.scalar(select(Draw.seed).where(Draw.plan_id == batch.plan_id)) or 0
    digest = hashlib.sha256(f"retest:{draw_seed}:{batch.sample_no}".encode()).hexdigest()
    return int(digest[:15], 16)


def retest_candidates(session: Session, batch: Batch) -> tuple[list[int], set[int]]:
    """(qualified labs, labs excluded: the first lab and labs with a conflict with the enterprise)."""
    qualified = qualified_labs(session, batch.category_id)
    conflicts = set(session.scalars(select(LabConflict.lab_id).where(LabConflict.enterprise_id == batch.enterprise_id)))
    exclude = conflicts | ({batch.lab_id} if batch.lab_id else set())
    return qualified, exclude


def propose_lab(session: Session, batch: Batch) -> int | None:
    """The lab the draw gives for this batch's re-test (what the console offers)."""
    qualified, exclude = retest_candidates(session, batch)
    return rules.pick_retest_lab(retest_seed(session, batch), qualified, exclude=exclude)


def choose_lab(session: Session, batch: Batch, obj: Objection, requested: int | None) -> Organization:
    """The re-test lab: drawn at random from the qualified labs; a lab named by the regulator must be one of them."""
    qualified, exclude = retest_candidates(session, batch)
    seed = retest_seed(session, batch)
    obj.retest_seed, obj.retest_candidates = seed, [lab for lab in qualified if lab not in exclude]
    if requested is not None:
        lab = session.get(Organization, requested)
        if lab is None or lab.kind != "lab":
            raise DomainError("spotcheck.retest_lab_required", "受理异议需要指定复检机构", "accepting needs a re-test lab",
                              field="retest_lab_id")
        if lab.id == batch.lab_id:
            raise DomainError("spotcheck.retest_same_lab", "复检须由原检验机构以外的机构承担",
                              "the re-test must be done by another lab", field="retest_lab_id")
        if lab.id not in qualified:
            raise DomainError("spotcheck.retest_lab_unqualified", f"{lab.name}的检验能力范围不含该产品类别",
                              f"{lab.name} is not qualified for this product category", field="retest_lab_id")
        if lab.id in exclude:
            raise DomainError("spotcheck.lab_conflict", "该检验机构与受检企业存在利害关系，须回避",
                              "the lab has a business relation with the enterprise", field="retest_lab_id")
        return lab
    picked = rules.pick_retest_lab(seed, qualified, exclude=exclude)
    if picked is None:
        raise DomainError("spotcheck.no_qualified_lab", "没有具备该产品类别检验能力、且可回避的其他检验机构",
                          "no other lab qualified for this product category is available", status=409,
                          field="retest_lab_id")
    lab = session.get(Organization, picked)
    assert lab is not None
    return lab


# ---------------------------------------------------------------- disputed items and the merged verdict


def first_items(session: Session, batch_id: int) -> list[tuple[str, str, bool]]:
    rows = session.execute(select(ItemResult.name, ItemResult.verdict, ItemResult.is_safety).where(
        ItemResult.batch_id == batch_id, ItemResult.round == 0).order_by(ItemResult.position)).all()
    return [(n, v, bool(s)) for n, v, s in rows]


def disputed_for(session: Session, batch: Batch, items: list[str] | None) -> list[str]:
    """The items the objection disputes: as named (each must be a tested item), or by default the failing ones."""
    tested = [n for n, _v, _s in first_items(session, batch.id)]
    if not items:
        return list(batch.failing_items or []) or tested
    out: list[str] = []
    for i, name in enumerate(items):
        name = str(name).strip()
        if name not in tested:
            raise DomainError("spotcheck.objection_unknown_item", f"异议项目「{name}」不是本批次的检验项目",
                              f"disputed item {name!r} is not an item tested on this batch", field=f"items.{i}")
        if name not in out:
            out.append(name)
    return out


def refuse_second_objection(session: Session, batch: Batch) -> None:
    if session.scalar(select(Objection.id).where(Objection.batch_id == batch.id)) is not None:
        raise Conflict("spotcheck.retest_final", "已对该批次提出过异议；复检结论为最终结论，不能再次提出异议",
                       "an objection was already made on this batch; the re-test conclusion is final",
                       extra={"current": batch.state, "target": "objected"})


def check_scope(session: Session, batch: Batch, names: list[str]) -> None:
    """A re-test enters exactly the disputed items (复检只针对异议项目)."""
    obj = session.scalar(select(Objection).where(Objection.batch_id == batch.id))
    disputed = list((obj.items if obj is not None else None) or [])
    if not disputed:
        return
    for i, name in enumerate(names):
        if name not in disputed:
            raise DomainError("spotcheck.retest_scope", f"复检只针对异议项目（{'、'.join(disputed)}），「{name}」不在其中",
                              f"the re-test covers the disputed items only ({', '.join(disputed)}); {name!r} is not one",
                              field=f"items.{i}.name")
    missing = [d for d in disputed if d not in names]
    if missing:
        raise DomainError("spotcheck.retest_incomplete", f"复检须包括全部异议项目，缺少：{'、'.join(missing)}",
                          f"the re-test must cover every disputed item; missing: {', '.join(missing)}", field="items")


def merged_verdict(session: Session, batch: Batch, obj: Objection | None) -> tuple[rules.BatchVerdict, list[str]]:
    """The final verdict after the re-test: undisputed first-test results plus the re-test's (and the disputed)."""
    first = first_items(session, batch.id)
    rows = session.execute(select(ItemResult.name, ItemResult.verdict, ItemResult.is_safety).where(
        ItemResult.batch_id == batch.id, ItemResult.round == 1).order_by(ItemResult.position)).all()
    retest = [(n, v, bool(s)) for n, v, s in rows]
    disputed = list((obj.items if obj is not None else None) or []) or [n for n, _v, _s in retest]
    return rules.batch_verdict(rules.merge_retest(first, retest, disputed)), disputed


def apply_retest(session: Session, batch: Batch) -> rules.BatchVerdict:
    """After the re-test is verified: the disputed first-test items are superseded, the fee rule recorded."""
    obj = session.scalar(select(Objection).where(Objection.batch_id == batch.id))
    bv, disputed = merged_verdict(session, batch, obj)
    session.execute(table(ItemResult).update().where(
        ItemResult.batch_id == batch.id, ItemResult.round == 0, ItemResult.name.in_(disputed)).values(superseded=True))
    if obj is not None:
        first = {n: v for n, v, _s in first_items(session, batch.id)}
        again = {n: v for n, v in session.execute(select(ItemResult.name, ItemResult.verdict).where(
            ItemResult.batch_id == batch.id, ItemResult.round == 1))}
        stands = all(again.get(n) == first.get(n) for n in disputed)
        obj.status, obj.retest_verdict = "retested", bv.verdict
        obj.fee_payer = "applicant" if stands else "organiser"
        obj.fee_note = FEE_ZH[obj.fee_payer]
    return bv


def describe(obj: Objection | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {"status": obj.status, "reason": obj.reason, "items": list(obj.items or []),
            "retest_lab_id": obj.retest_lab_id, "retest_verdict": obj.retest_verdict, "retest_seed": obj.retest_seed,
            "retest_candidates": list(obj.retest_candidates or []), "fee_payer": obj.fee_payer, "fee_note": obj.fee_note}
