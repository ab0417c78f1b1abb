"""Proficiency-testing rounds through the service on every backend: a 150-lab round scored, the published
Algorithm A values, homogeneity gating dispatch, permissions, Excel import errors, reports, follow-up, history.

Published data: the creosote example of ISO 5725-5:1998 (9 laboratories' cell averages, as quoted in the
metRology R package; the same data tests/stats/test_proficiency.py checks by hand) — Algorithm A of ISO 13528
(C.3.1) gives x* = 20.41 and s* = 1.05 (two decimals).
"""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from tests import factories
from tests.association.helpers import lab_actor, new_round, ready_round
from tests.stats.published_data import CREOSOTE
from zhijian.association.pt import service as pt
from zhijian.association.pt.models import PtEnrolment, PtFollowUp
from zhijian.association.pt.schemas import HomogeneityIn, ResultIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError

X_PT, SIGMA = 10.0, 0.5


def _planted_150() -> list[float]:
    """150 results symmetric about 10.0 (so Algorithm A's x* is exactly 10.0): 140 within ±1.9σ_pt,
    6 at ±2.5σ_pt (有问题) and 4 at ±4σ_pt (不满意)."""
    half = [X_PT + SIGMA * (0.02 + 1.88 * i / 69) for i in range(70)]
    core = half + [2 * X_PT - v for v in half]
    return core + [X_PT + 2.5 * SIGMA] * 3 + [X_PT - 2.5 * SIGMA] * 3 + [X_PT + 4 * SIGMA] * 2 + [X_PT - 4 * SIGMA] * 2


@pytest.mark.slow
def test_round_of_150_labs_scored(db):
    values = _planted_150()
    with db.session() as s:
        r, labs = ready_round(s, 150, sigma=SIGMA)
        for lab, v in zip(labs, values, strict=True):
            pt.submit_result(s, lab_actor(lab), r.code, ResultIn(result=v, expanded_uncertainty=0.2))
        pt.score(s, SYSTEM, r.code)
        code = r.code
    with db.session() as s:
        r = pt.round_by_code(s, code)
        m = r.summary
        assert m["p"] == 150 and m["enrolled"] == 150 and m["missing"] == 0
        assert m["assigned_value"] == pytest.approx(X_PT, abs=1e-9)
        assert m["sigma_pt"] == SIGMA and m["sigma_pt_source"] == "given"
        assert m["u_assigned"] == pytest.approx(1.25 * m["s_star"] / math.sqrt(150))  # ISO 13528 §7.7.3
        assert m["u_ratio_ok"]  # u(x_pt) ≤ 0.3 σ_pt: z is appropriate (§9.2)
        assert m["counts"] == {"satisfactory": 140, "questionable": 6, "unsatisfactory": 4}
        rows = {e.lab_id: e for e in s.scalars(select(PtEnrolment).where(PtEnrolment.round_id == r.id))}
        for lab, v in zip(labs, values, strict=True):
            assert rows[lab].z == pytest.approx((v - X_PT) / SIGMA, abs=1e-9)
        zeta = rows[labs[-1]].zeta  # ζ = (x − x_pt)/√(u²(x) + u²(x_pt)), u(x) = U/2
        assert zeta == pytest.approx(-2.0 / math.sqrt(0.1**2 + m["u_assigned"] ** 2))
        assert len(pt.follow_ups(s, SYSTEM)) >= 10
        assert len([f for f, e, _ in pt.follow_ups(s, SYSTEM) if e.round_id == r.id]) == 10
        pdf = pt.round_report(s, SYSTEM, code)
        assert pdf.startswith(b"%PDF") and len(pdf) > 20000
        mine = pt.participant_report(s, lab_actor(labs[-1]), code)
        assert mine.startswith(b"%PDF")
        h = pt.pt_history(s, labs[-1])
        assert [(x.round_code, x.signal, round(x.score or 0, 6)) for x in h] == [(code, "unsatisfactory", -4.0)]


def test_creosote_round_gives_the_published_robust_values(db):
    """9 labs, x_pt and σ_pt both by Algorithm A: x* = 20.41, s* = 1.05 (ISO 5725-5 creosote data)."""
    with db.session() as s:
        r, labs = ready_round(s, len(CREOSOTE), sigma=None)
        for lab, v in zip(labs, CREOSOTE, strict=True):
            pt.submit_result(s, lab_actor(lab), r.code, ResultIn(result=v))
        r = pt.score(s, SYSTEM, r.code)
        m = r.summary
        assert (round(m["x_star"], 2), round(m["s_star"], 2)) == (20.41, 1.05)
        assert m["sigma_pt_source"].startswith("robust") and m["assigned_value"] == m["x_star"]
        assert "ISO 13528 recommends z'" in " ".join(m["notes"])  # u(x_pt) = 1.25·1.05/3 > 0.3 σ_pt with p = 9


def test_dispatch_needs_a_passed_homogeneity_check(db):
    with db.session() as s:
        r = new_round(s, sigma=0.5)
        pt.enrol(s, SYSTEM, r.code, factories.lab(s).id)
        with pytest.raises(DomainError) as e:
            pt.dispatch(s, SYSTEM, r.code)
        assert e.value.code == "association.pt.no_homogeneity"
        bad = [[v, v + 0.0005] for v in (10.0, 10.4, 9.6, 10.8, 9.2, 10.0, 10.5, 9.5, 10.2, 9.8)]
        h = pt.record_homogeneity(s, SYSTEM, r.code, HomogeneityIn(measurements=bad))
        assert not h["passes"] and not h["passes_expanded"]
        with pytest.raises(DomainError) as e:
            pt.dispatch(s, SYSTEM, r.code)
        assert e.value.code == "association.pt.not_homogeneous" and e.value.status == 409
        # B.2.4: the secretariat accepts σ_pt' = √(σ_pt² + s_s²) and scores with it
        h = pt.record_homogeneity(s, SYSTEM, r.code, HomogeneityIn(measurements=bad, accept_widened=True))
        assert h["accepted_widened"]
        assert pt.dispatch(s, SYSTEM, r.code).status == "dispatched"
        with pytest.raises(DomainError) as e:
            pt.enrol(s, SYSTEM, r.code, factories.lab(s).id)
        assert e.value.code == "association.pt.enrolment_closed"


def test_permissions_and_bad_input(db):
    with db.session() as s:
        r, labs = ready_round(s, 3)
        outsider = factories.lab(s).id
        ent = factories.enterprise(s).id
        with pytest.raises(DomainError) as e:
            pt.submit_result(s, lab_actor(outsider), r.code, ResultIn(result=1))
        assert e.value.code == "association.pt.not_enrolled" and e.value.status == 403
        with pytest.raises(DomainError) as e:
            pt.submit_result(s, lab_actor(labs[0]), r.code, ResultIn(result="<0.01"))
        assert (e.value.code, e.value.field) == ("association.pt.bad_result", "result")
        with pytest.raises(DomainError) as e:
            pt.submit_result(s, lab_actor(labs[0]), r.code, ResultIn(participant_code="P002", result=1))
        assert e.value.code == "association.pt.not_your_code"
        with pytest.raises(DomainError) as e:
            pt.score(s, lab_actor(labs[0]), r.code)
        assert e.value.status == 403
        with pytest.raises(DomainError) as e:
            pt.enrol(s, SYSTEM, r.code, ent)
        assert e.value.field == "lab_id"
        with pytest.raises(DomainError) as e:
            pt.score(s, SYSTEM, r.code)  # no result yet, the σ_pt is fixed but x_pt robust
        assert e.value.code == "association.pt.too_few_results"
        with pytest.raises(DomainError) as e:
            pt.round_view(s, lab_actor(outsider), r.code)
        assert e.value.status == 403
        with pytest.raises(DomainError) as e:
            pt.round_view(s, Actor(None, "x", "enterprise", ent), r.code)
        assert e.value.status == 403


def test_excel_import_names_row_and_column_and_writes_nothing(db):
    from zhijian.platform.tabular import read_rows

    with db.session() as s:
        r, labs = ready_round(s, 3)
        code = r.code
    csv = "参加者编号,结果,扩展不确定度\nP001,0.52,0.04\nP002,abc,0.04\n".encode()
    with pytest.raises(DomainError) as e, db.session() as s:  # the unit of work rolls back: all or nothing
        pt.import_results(s, SYSTEM, code, read_rows(csv, "r.csv", required=pt.RESULT_COLUMNS))
    assert e.value.extra == {"row": 3, "column": "结果"}
    with db.session() as s:
        assert all(x.result is None for x in pt.enrolments(s, SYSTEM, code))
        ok = "参加者编号,结果,扩展不确定度,包含因子\nP001,0.52,0.04,2\nP002,0.50,,\nP003,0.61,0.05,2\n".encode()
        assert pt.import_results(s, SYSTEM, code, read_rows(ok, "r.csv", required=pt.RESULT_COLUMNS)) == 3
        assert [x.result for x in pt.enrolments(s, SYSTEM, code)] == [0.52, 0.50, 0.61]


def test_follow_up_answered_and_closed(db):
    with db.session() as s:
        r, labs = ready_round(s, 5, sigma=0.05)
        for lab, v in zip(labs, (0.50, 0.51, 0.49, 0.50, 0.80), strict=True):
            pt.submit_result(s, lab_actor(lab), r.code, ResultIn(result=v))
        pt.score(s, SYSTEM, r.code)
        items = pt.follow_ups(s, lab_actor(labs[4]))
        assert len(items) == 1 and items[0][0].signal == "unsatisfactory"
        fid = items[0][0].id
        with pytest.raises(DomainError):
            pt.close_follow_up(s, SYSTEM, fid, "ok")  # not answered yet
        with pytest.raises(DomainError):
            pt.answer_follow_up(s, lab_actor(labs[0]), fid, "x", "y")  # not this lab's
        pt.answer_follow_up(s, lab_actor(labs[4]), fid, "消解不完全", "更换微波消解程序并复测")
        f = pt.close_follow_up(s, SYSTEM, fid, "复测结果 0.51 mg/kg，满意")
        assert f.status == "closed"
        assert s.scalar(select(PtFollowUp.status).where(PtFollowUp.id == fid)) == "closed"
        pt.close_round(s, SYSTEM, r.code)
        assert pt.pt_history(s, labs[4])[0].final
