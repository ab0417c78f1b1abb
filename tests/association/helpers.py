"""PT rounds made through the real service (unique codes, so tests can share one database)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests import factories
from zhijian.association.pt import service as pt
from zhijian.association.pt.models import PtRound
from zhijian.association.pt.schemas import HomogeneityIn, RoundIn, SchemeIn
from zhijian.platform.auth import SYSTEM, Actor

# homogeneous items (ISO 13528:2015 B.2 example data of M. Koch, see test_homogeneity.py), scaled to the measurand
ITEMS = [[0.185, 0.194], [0.187, 0.189], [0.182, 0.186], [0.188, 0.196], [0.191, 0.181], [0.188, 0.180],
         [0.187, 0.196], [0.177, 0.186], [0.179, 0.187], [0.188, 0.196]]


def lab_actor(lab_id: int) -> Actor:
    return Actor(None, f"lab{lab_id}", "inspector", lab_id)


def new_round(s: Session, *, sigma: float | None = 0.5, assigned: float | None = None,
              assigned_u: float | None = None, score_kind: str = "z", unit: str = "mg/kg") -> PtRound:
    u = factories.uid()
    pt.create_scheme(s, SYSTEM, SchemeIn(code=f"CAQI-PT-{u}", name="食品中铅的测定", field="食品"))
    return pt.create_round(s, SYSTEM, RoundIn(
        scheme_code=f"CAQI-PT-{u}", code=f"PT{u}", year=2026, measurand="铅(以Pb计)", unit=unit, method="GB 5009.12",
        assigned_method="given" if assigned is not None else "robust", assigned_given=assigned,
        assigned_given_u=assigned_u, sigma_method="fixed" if sigma is not None else "robust", sigma_given=sigma,
        score_kind=score_kind))


def ready_round(s: Session, n_labs: int, **kw: object) -> tuple[PtRound, list[int]]:
    """A round with n labs enrolled, homogeneity passed and the items dispatched."""
    r = new_round(s, **kw)  # type: ignore[arg-type]
    labs = [factories.lab(s).id for _ in range(n_labs)]
    for lab in labs:
        pt.enrol(s, SYSTEM, r.code, lab)
    pt.record_homogeneity(s, SYSTEM, r.code, HomogeneityIn(measurements=ITEMS, sigma_pt=0.015))
    pt.dispatch(s, SYSTEM, r.code)
    return r, labs
