"""A lab's PT record: ``pt_summaries`` (association contract) counted from a scored round, the lab's profile
(机构档案: assessments, membership, PT record) for the lab and the staff, and the spot-check plan form reading it
through ``platform.rooms.call`` beside each lab it may choose."""

from __future__ import annotations

import re

from tests import factories
from tests.association.helpers import lab_actor, ready_round
from zhijian.association import contracts
from zhijian.association.pt import service as pt
from zhijian.association.pt.schemas import ResultIn
from zhijian.catalog.models import Organization
from zhijian.platform import rooms
from zhijian.platform.auth import SYSTEM

SIGMA = 0.5


def test_pt_summaries_profile_and_spotcheck_form(db, client, login):
    with db.session() as s:
        r, labs = ready_round(s, 6, sigma=SIGMA)
        # σ_pt 0.5: results 0, ±0.2 and ±1.3 from 10.0 give satisfactory and questionable/unsatisfactory scores
        for lab, v in zip(labs, (10.0, 10.2, 9.8, 11.3, 8.7, 10.0), strict=True):
            pt.submit_result(s, lab_actor(lab), r.code, ResultIn(result=v, expanded_uncertainty=0.2))
        pt.score(s, SYSTEM, r.code)
        got = rooms.call(s, "association", "pt_summaries", labs, default=None)
        assert got is not None and set(got) == set(labs)
        assert all(x.rounds == 1 and x.last_year == 2026 for x in got.values())
        assert sum(x.satisfactory + x.questionable + x.unsatisfactory for x in got.values()) == 6
        assert sum(x.questionable + x.unsatisfactory for x in got.values()) >= 2  # the two results 1.3 off
        history = {lab: contracts.pt_history(s, lab)[0].signal for lab in labs}
        for lab in labs:  # the summary agrees with the lab's history, record by record
            x = got[lab]
            assert (x.satisfactory, x.questionable, x.unsatisfactory) == tuple(
                int(history[lab] == k) for k in ("satisfactory", "questionable", "unsatisfactory"))
        assert contracts.pt_summaries(s, []) == {} and contracts.pt_summaries(s, [labs[0]], since_year=2027) == {}
        lab0 = labs[0]
    me = login("inspector", _lab(db, lab0))
    page = client.get("/console/association/pt/history", headers=me)
    assert page.status_code == 200 and "机构档案" in page.text and "1 轮" in page.text
    staff = login("association")
    assert "机构档案" in client.get(f"/console/association/pt/history?lab={lab0}", headers=staff).text
    other = login("inspector", _new_lab(db))
    fresh = client.get("/console/association/pt/history", headers=other)  # a lab without any PT round
    assert fresh.status_code == 200 and "机构档案" in fresh.text and "暂无记录" in fresh.text
    assert client.get(f"/console/association/pt/history?lab={lab0}", headers=other).text.count(r.code) == 0
    form = client.get("/console/spotcheck/plans/new", headers=login("regulator"))
    assert form.status_code == 200
    label = re.search(rf'id="lab_{lab0}"[^>]*>[^<]*<small>([^<]*)</small>', form.text)
    assert label is not None and "能力验证 1 轮" in label.group(1)


def _lab(db, lab_id: int):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.get(Organization, lab_id)


def _new_lab(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return factories.lab(s)
