"""Continuing education on every backend: an online course and an in-person course with a two-seat session,
completions crediting hours, hours per person per year (courses and passed exams' hours), and a certificate
renewed only when its holder earned 24 hours during its validity."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.association.exam_helpers import bank, exam
from zhijian.association.exams import service as ex
from zhijian.association.exams.schemas import CandidateIn
from zhijian.association.training import service as tr
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError


def test_courses_hours_and_renewal(db):
    with db.session() as s:
        users = [factories.user(s, "inspector", factories.lab(s)) for _ in range(3)]
        me = Actor(users[0].id, users[0].username, "inspector", users[0].organization_id)
        u = factories.uid()
        online = tr.create_course(s, SYSTEM, tr.CourseIn(code=f"ON{u}", title="测量不确定度评定（线上）", hours=16))
        face = tr.create_course(s, SYSTEM, tr.CourseIn(code=f"FF{u}", title="GB 4806 食品接触材料面授", kind="in_person",
                                                       hours=8))
        sess = tr.add_session(s, SYSTEM, face.code, tr.SessionIn(held_on=dt.date(2027, 4, 1), place="杭州", capacity=2))
        e1 = tr.sign_up(s, me, online.code)
        e2 = tr.sign_up(s, me, face.code, sess.id)
        tr.sign_up(s, SYSTEM, face.code, sess.id, user_id=users[1].id)
        with pytest.raises(DomainError) as e:
            tr.sign_up(s, SYSTEM, face.code, sess.id, user_id=users[2].id)
        assert e.value.code == "association.course.full"
        with pytest.raises(DomainError) as e:
            tr.sign_up(s, me, online.code)
        assert e.value.code == "association.course.already"
        with pytest.raises(DomainError) as e:
            tr.sign_up(s, me, face.code)
        assert e.value.field == "session_id"
        # an exam passed in 2026 with its certificate: 8 hours for passing
        ex_ = exam(s, bank(s, per_cell=4, short=False), short=False)
        ex_.hours = 8.0
        ex.register(s, SYSTEM, ex_.code, CandidateIn(name="证书持有人", user_id=users[0].id))
        c = ex.start(s, me, ex_.code)
        # the right options by their text (each candidate sees the options shuffled): 选项乙; 选项甲 + 选项丙; 对
        right = {"single": ["选项乙"], "multiple": ["选项甲", "选项丙"]}
        paper = ex.paper_view(s, me, ex_.code)["items"]
        ex.save_answers(s, me, ex_.code, {str(i["id"]): [i["options"].index(t) for t in right[i["kind"]]]
                                          if i["kind"] in right else "对" for i in paper}, submit=True)
        ex.issue_certificates(s, SYSTEM, ex_.code, on=dt.date.today())
        from sqlalchemy import select

        from zhijian.association.exams.models import ExamCertificate

        number = s.scalar(select(ExamCertificate.number).where(ExamCertificate.candidate_id == c.id))
        year = dt.date.today().year
        assert tr.hours_by_year(s, me, year)["hours"] == 8.0
        with pytest.raises(DomainError) as e:
            tr.renew_certificate(s, SYSTEM, number)
        assert e.value.code == "association.course.hours_short" and "还差 16" in e.value.message_zh
        tr.complete(s, SYSTEM, e1.id, on=dt.date.today())
        assert tr.hours_by_year(s, me, year)["hours"] == 24.0
        before = s.scalar(select(ExamCertificate.valid_until).where(ExamCertificate.number == number))
        cert = tr.renew_certificate(s, SYSTEM, number)
        assert cert.valid_until == before.replace(year=before.year + 3)
        with pytest.raises(DomainError):
            tr.complete(s, SYSTEM, e1.id)
        assert e2.status == "enrolled"


def test_course_page_and_api(client, db, login):
    with db.session() as s:
        lab = factories.lab(s)
    staff, me = login("association"), login("inspector", lab)
    u = factories.uid()
    r = client.post("/api/v1/association/courses", headers=staff,
                    json={"code": f"C{u}", "title": "抽样检验方法", "kind": "in_person", "hours": 8})
    assert r.status_code == 201
    sid = client.post(f"/api/v1/association/courses/C{u}/sessions", headers=staff,
                      json={"held_on": "2027-05-10", "place": "北京", "capacity": 30}).json()["id"]
    page = client.get("/console/association/courses", headers=me)
    assert page.status_code == 200 and "抽样检验方法" in page.text
    import re

    tok = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    r = client.post("/console/association/courses/sign-up", headers=me, follow_redirects=False,
                    data={"csrf_token": tok, "code": f"C{u}", "session_id": str(sid)})
    assert r.status_code == 303
    assert "1/30" in client.get("/console/association/courses", headers=me).text
    assert client.get("/api/v1/association/courses/hours/2027", headers=me).json()["hours"] == 0.0
    assert client.post("/api/v1/association/courses", headers=me,
                       json={"code": "x", "title": "xx", "hours": 1}).status_code == 403
