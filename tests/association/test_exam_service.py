"""An exam of 2,000 candidates through the service on every backend: registered, papers drawn from the blueprint
(seeded, reproducible), taken (simulated answers: 1,950 answer sheets imported, 50 papers taken one by one within
the time limit), marked (objective automatically, short answers through the marker's queue), certificates issued
and verified, item statistics computed. Totals are recomputed here from the keys, independently of the service."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select, update

from tests import factories
from tests.association.exam_helpers import bank, exam, simulated_answer
from zhijian.association.exams import rules
from zhijian.association.exams import service as ex
from zhijian.association.exams.models import ExamCandidate, ExamCertificate, ExamQuestion
from zhijian.association.exams.schemas import CandidateIn, QuestionIn
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError

N = 2000


def _expected_objective(paper: list[int], answers: dict[str, object], keys: dict[int, ExamQuestion]) -> float:
    total = 0.0
    for qid in paper:
        q, a = keys[qid], answers.get(str(qid))
        if q.kind == "short" or a is None:
            continue
        if q.kind in ("single", "truefalse"):
            total += q.points if a == q.answer else 0
        elif set(a) == set(q.answer):  # type: ignore[arg-type]
            total += q.points
        elif a and set(a) < set(q.answer):  # type: ignore[arg-type]
            total += q.points / 2
    return total


@pytest.mark.slow
def test_exam_of_2000_candidates(db):
    rng = random.Random(20260915)
    with db.session() as s:
        e = exam(s, bank(s))
        code, seed = e.code, e.seed
        assert ex.register_many(s, SYSTEM, code, [CandidateIn(name=f"考生{i}", id_number=f"33010619900101{i:04d}")
                                                   for i in range(N)]) == N
        assert ex.generate_papers(s, SYSTEM, code) == N
    with db.session() as s:
        keys = {q.id: q for q in s.scalars(select(ExamQuestion).where(ExamQuestion.bank == e.bank))}
        cands = list(s.scalars(select(ExamCandidate).where(ExamCandidate.exam_id == e.id).order_by(ExamCandidate.id)))
        pools = ex._pools(s, e.bank)
        cells = [rules.Cell(c["topic"], c["difficulty"], c["count"], c.get("kind")) for c in e.blueprint]
        for c in cands[:50]:  # reproducible from (exam seed, candidate number), 28 items by the blueprint
            assert c.paper == rules.draw_paper(pools, cells, rules.seed_of(seed, c.candidate_no))
        assert {len(c.paper) for c in cands} == {28}
        assert len({tuple(c.paper) for c in cands}) > N * 0.99  # randomized per candidate
        theta = {c.candidate_no: rng.gauss(0.3, 1.0) for c in cands}
        sheets = {c.candidate_no: {str(q): simulated_answer(rng, keys[q].kind, keys[q].answer, theta[c.candidate_no],
                                                            keys[q].difficulty) for q in c.paper} for c in cands}
        papers = {c.candidate_no: c.paper for c in cands}
    offline = {no: a for no, a in sheets.items() if int(no[1:]) > 50}
    with db.session() as s:
        assert ex.import_answer_sheets(s, SYSTEM, code, offline) == N - 50
    with db.session() as s:  # 50 candidates take the paper on line (proctored: the secretariat acts for them)
        for no in sorted(set(sheets) - set(offline)):
            c = ex.start(s, SYSTEM, code, no)
            assert c.deadline_at - c.started_at == dt.timedelta(minutes=60)
            # on line the candidate ticks options as shown to him (shuffled): the same choices, by their text
            shown = {str(i["id"]): i["options"] for i in ex.paper_view(s, SYSTEM, code, no)["items"]}
            on_screen = {k: sorted(shown[k].index(keys[int(k)].options[j]) for j in v)
                         if keys[int(k)].kind in ("single", "multiple") else v for k, v in sheets[no].items()}
            half = dict(list(on_screen.items())[:10])
            ex.save_answers(s, SYSTEM, code, half, no)
            ex.save_answers(s, SYSTEM, code, on_screen, no, submit=True)
    with db.session() as s:
        assert ex.mark_exam(s, SYSTEM, code) == N - 50  # the on-line 50 were marked at submission
    with db.session() as s:
        got = {c.candidate_no: c for c in ex.results(s, SYSTEM, code)}
        for no, c in got.items():
            assert c.objective_score == pytest.approx(_expected_objective(papers[no], {
                k: rules.normalise_answer(keys[int(k)].kind, v) for k, v in sheets[no].items()}, keys)), no
            assert c.max_score == 27 * 2 + 10  # 27 objective items of 2 points and one short answer of 10
        queue_statuses = {c.status for c in got.values()}
        assert queue_statuses <= {"marking", "marked"}
        waiting = [c for c in got.values() if c.status == "marking"]
        assert waiting, "some candidates wrote a short answer"
        done = 0
        while True:
            batch = ex.marker_queue(s, SYSTEM, code, limit=500)
            if not batch:
                break
            for m, q in batch:
                assert q.kind == "short" and m.answer
                ex.mark_answer(s, SYSTEM, m.id, 8.0)
                done += 1
        assert done == len(waiting)
    with db.session() as s:
        res = ex.results(s, SYSTEM, code)
        assert {c.status for c in res} == {"marked"}
        for c in res:
            want = c.objective_score + (8.0 if any(sheets[c.candidate_no].get(str(q)) for q in papers[c.candidate_no]
                                                   if keys[q].kind == "short") else 0.0)
            assert c.total_score == pytest.approx(want)
            assert c.passed == (c.total_score >= 0.6 * 64 - 1e-9)
        passed = sum(1 for c in res if c.passed)
        assert 0 < passed < N
        assert ex.issue_certificates(s, SYSTEM, code, on=dt.date(2026, 9, 30)) == passed
        assert ex.issue_certificates(s, SYSTEM, code) == 0  # idempotent
        stats = {x["question_id"]: x for x in ex.item_statistics(s, SYSTEM, code)}
        by_diff: dict[int, list[float]] = {1: [], 2: [], 3: []}
        for x in stats.values():
            if x["kind"] != "short":
                by_diff[x["difficulty"]].append(x["p"])
                assert x["d"] is not None and x["d"] > 0.1  # the simulated ability discriminates
        mean = {d: sum(v) / len(v) for d, v in by_diff.items()}
        assert mean[1] > mean[2] > mean[3]  # easy items are answered right more often
        first = next(c for c in res if c.passed)
        number = s.scalar(select(ExamCertificate.number).where(ExamCertificate.candidate_id == first.id))
        facts = ex.verify_certificate(s, number, on=dt.date(2027, 1, 1))
        assert facts.status == "valid" and facts.valid_until == dt.date(2029, 9, 30) and "*" in facts.id_number_masked
        assert ex.verify_certificate(s, number, on=dt.date(2029, 10, 1)).status == "expired"
        pdf = ex.certificate_pdf(s, number, f"https://zhijian.example/association/certificates/{number}")
        assert pdf.startswith(b"%PDF")


def test_time_limit_permissions_and_bad_input(db):
    with db.session() as s:
        e = exam(s, bank(s, per_cell=4, short=False), short=False, minutes=30)
        code = e.code
        u = factories.user(s, "public")
        me = Actor(u.id, u.username, "public")
        c = ex.register(s, me, code, CandidateIn(name="李明"))
        with pytest.raises(DomainError) as err:
            ex.register(s, me, code, CandidateIn(name="李明"))
        assert err.value.code == "association.exam.already_registered"
        other = factories.user(s, "public")
        with pytest.raises(DomainError) as err:
            ex.start(s, Actor(other.id, other.username, "public"), code)
        assert err.value.code == "association.exam.not_candidate"
        with pytest.raises(DomainError) as err:
            ex.save_answers(s, me, code, {})
        assert err.value.code == "association.exam.not_started"
        c = ex.start(s, me, code)
        paper = ex.paper_view(s, me, code)
        assert len(paper["items"]) == 27 and all("answer" not in i or i["answer"] is None for i in paper["items"])
        assert all(set(i) >= {"id", "stem", "options"} for i in paper["items"])
        # 选项乱序: this candidate sees the choice options in his own order (the same on every view), same texts
        bank_opts = {i["id"]: s.get(ExamQuestion, i["id"]).options for i in paper["items"]}
        choice = [i for i in paper["items"] if i["kind"] in ("single", "multiple")]
        assert all(sorted(i["options"]) == sorted(bank_opts[i["id"]]) for i in choice)
        assert sum(i["options"] != bank_opts[i["id"]] for i in choice) > len(choice) / 2
        assert [i["options"] for i in ex.paper_view(s, me, code)["items"]] == [i["options"] for i in paper["items"]]
        with pytest.raises(DomainError) as err:
            ex.save_answers(s, me, code, {"999999999": "A"})
        assert err.value.field == "answers"
        first = str(c.paper[0])
        shown_b = paper["items"][0]["options"][1]  # the text this candidate sees as option B (options shuffled)
        ex.save_answers(s, me, code, {first: "B"})
        # the clock runs out: answers after the limit (+60 s grace) are refused, the saved ones are marked
        s.execute(update(ExamCandidate).where(ExamCandidate.id == c.id).values(
            deadline_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)))
        s.expire_all()
        with pytest.raises(DomainError) as err:
            ex.save_answers(s, me, code, {first: "C"})
        assert err.value.code == "association.exam.time_up" and err.value.status == 409
        with pytest.raises(DomainError):
            ex.item_statistics(s, me, code)  # secretariat only
        assert ex.close_exam(s, SYSTEM, code) == 1
        [mine] = ex.results(s, me, code)
        bank_options = s.get(ExamQuestion, int(first)).options
        assert mine.status == "marked" and mine.answers[first] == [bank_options.index(shown_b)]  # stored in bank order
        with pytest.raises(DomainError) as err:
            ex.register(s, SYSTEM, code, CandidateIn(name="迟到"))
        assert err.value.code == "association.exam.closed"
        with pytest.raises(DomainError) as err:
            ex.create_question(s, me, QuestionIn(bank="x", code="1", kind="single", topic="t", difficulty=1,
                                                 stem="s", options=["a", "b"], answer="A"))
        assert err.value.status in (401, 403)


def test_question_import_all_or_nothing(db):
    from zhijian.platform.tabular import read_rows

    name = f"导入{factories.uid()}"
    good = (f"题库,题号,题型,知识点,难度,题干,选项A,选项B,选项C,答案,分值\n"
            f"{name},1,单选题,计量,易,法定计量单位是,SI,CGS,英制,A,2\n"
            f"{name},2,判断题,计量,中,砝码须定期检定,,,,对,1\n").encode()
    bad = good + f"{name},3,多选题,计量,难,以下属于,甲,乙,丙,AZ,2\n".encode()
    with pytest.raises(DomainError) as err, db.session() as s:
        ex.import_questions(s, SYSTEM, read_rows(bad, "q.csv", required=rules.IMPORT_COLUMNS))
    assert err.value.extra == {"row": 4, "column": "答案"}
    with db.session() as s:
        assert s.scalar(select(ExamQuestion.id).where(ExamQuestion.bank == name)) is None
        assert ex.import_questions(s, SYSTEM, read_rows(good, "q.csv", required=rules.IMPORT_COLUMNS)) == 2
