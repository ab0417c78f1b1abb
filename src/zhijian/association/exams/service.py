"""考试 use cases — the only writer of the exam tables; API, CLI, pages, demo and the benchmark call these.

Policy: the secretariat (role association; admin passes) keeps the bank, sets exams, registers candidates,
generates papers, imports answer sheets, marks short answers, closes exams and issues certificates. A candidate
is a logged-in user registered for the exam (any role): he starts his own paper, saves and submits his answers
within the time limit and reads his own result. Certificates are verified publicly by number.
Papers and marking are set-based (one query to read, one executemany to write, one audit record per batch), so
10,000 papers are generated and marked in seconds (bench/bench_association.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from zhijian.association.common.service import fetched, fetched_by, is_secretariat, locked, require_secretariat
from zhijian.association.exams import rules
from zhijian.association.exams.models import Exam, ExamCandidate, ExamCertificate, ExamMark, ExamQuestion
from zhijian.association.exams.schemas import CandidateIn, ExamIn, QuestionIn
from zhijian.platform import audit
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied
from zhijian.platform.tabular import cell_error

OPTION_COLUMNS = tuple(f"选项{c}" for c in rules.LETTERS[:6])


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------- the answers: paper, item analysis, certificate


class PaperView(TypedDict):
    """The candidate's paper (items without their keys) and the clock."""

    exam: Exam
    candidate: ExamCandidate
    items: list[dict[str, Any]]  # id, no, kind, kind_zh, stem, options, points, answer
    deadline_at: dt.datetime | None
    seconds_left: int | None


class ItemStatistics(TypedDict):
    """One question's analysis (``GET …/item-statistics`` answers these as they are)."""

    question_id: int
    code: str
    kind: str
    topic: str
    difficulty: int
    n: int
    p: float
    d: float | None  # discrimination D: upper 27 % − lower 27 %
    r_pb: float | None  # point-biserial: item score vs the rest of the paper


@dataclass(frozen=True)
class CertificateFacts:
    number: str
    holder: str
    id_number_masked: str
    exam_title: str
    issued_on: dt.date
    valid_until: dt.date
    status: str  # valid | expired | revoked
    score: float | None


# ---------------------------------------------------------------- question bank


def _add_question(session: Session, q: rules.QuestionData) -> ExamQuestion:
    if session.scalar(select(ExamQuestion.id).where(ExamQuestion.bank == q.bank, ExamQuestion.code == q.code)):
        raise Conflict("association.exam.duplicate_question", f"题号已存在：{q.bank}/{q.code}",
                       f"question exists: {q.bank}/{q.code}", field="题号")
    row = ExamQuestion(bank=q.bank, code=q.code, kind=q.kind, topic=q.topic, difficulty=q.difficulty, stem=q.stem,
                       options=q.options, answer=q.answer, points=q.points)
    session.add(row)
    return row


def create_question(session: Session, actor: Actor, data: QuestionIn) -> ExamQuestion:
    require_secretariat(actor)
    q = _add_question(session, rules.check_question(data.bank, data.code, data.kind, data.topic, data.difficulty,
                                                    data.stem, data.options, data.answer, data.points))
    flush(session, "assoc_exam_question")
    return q


def import_questions(session: Session, actor: Actor, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
    """题库导入 (Excel/CSV: 题库, 题号, 题型, 知识点, 难度, 题干, 选项A–F, 答案, 分值) — all or nothing."""
    require_secretariat(actor)
    n = 0
    for row_no, row in rows:
        try:
            _add_question(session, rules.check_question(
                row.get("题库"), row.get("题号"), row.get("题型", ""), row.get("知识点"), row.get("难度"),
                row.get("题干", ""), [row.get(c) for c in OPTION_COLUMNS], row.get("答案"), row.get("分值")))
        except DomainError as exc:
            raise cell_error(row_no, exc.field or "", exc.message_zh, exc.message_en) from None
        n += 1
        if n % 500 == 0:
            flush(session, "assoc_exam_question")
    flush(session, "assoc_exam_question")
    return n


def _pools(session: Session, bank: str) -> dict[tuple[str, int, str | None], list[int]]:
    """Active question ids per (topic, difficulty, None) and per (topic, difficulty, kind), sorted by id."""
    pools: dict[tuple[str, int, str | None], list[int]] = defaultdict(list)
    q = (select(ExamQuestion.id, ExamQuestion.topic, ExamQuestion.difficulty, ExamQuestion.kind)
         .where(ExamQuestion.bank == bank, ExamQuestion.active.is_(True)).order_by(ExamQuestion.id))
    for qid, topic, diff, kind in session.execute(q):
        pools[(topic, diff, None)].append(qid)
        pools[(topic, diff, kind)].append(qid)
        if kind != "short":
            pools[(topic, diff, "objective")].append(qid)
    return pools


# ---------------------------------------------------------------- exams and candidates


def create_exam(session: Session, actor: Actor, data: ExamIn) -> Exam:
    """考试: its blueprint checked against the bank (enough active questions in every cell)."""
    require_secretariat(actor)
    pools = _pools(session, data.bank)
    cells = rules.check_blueprint(data.blueprint, {k: len(v) for k, v in pools.items()})
    if session.scalar(select(Exam.id).where(Exam.code == data.code)):
        raise Conflict("association.exam.duplicate", f"考试编号已存在：{data.code}", f"exam code exists: {data.code}",
                       field="code")
    exam = Exam(code=data.code.strip(), title=data.title.strip(), bank=data.bank,
                blueprint=[{"topic": c.topic, "difficulty": c.difficulty, "kind": c.kind, "count": c.count} for c in cells],
                time_limit_minutes=data.time_limit_minutes, pass_percent=data.pass_percent,
                seed=data.seed if data.seed is not None else secrets.randbelow(2**31), certificate_years=data.certificate_years,
                hours=data.hours)
    return added(session, exam, "assoc_exam")


def exam_by_code(session: Session, code: str, *, for_update: bool = False) -> Exam:
    return fetched_by(session, Exam, Exam.code, code, "exam", lock=for_update)


def list_exams(session: Session, actor: Actor) -> list[Exam]:
    """The secretariat sees every exam; a user the exams he is registered for."""
    stmt = select(Exam).order_by(Exam.id.desc())
    if is_secretariat(actor):
        return list(session.scalars(stmt))
    if actor.user_id is None:
        actor.require("association")
    mine = select(ExamCandidate.exam_id).where(ExamCandidate.user_id == actor.user_id)
    return list(session.scalars(stmt.where(Exam.id.in_(mine))))


def register(session: Session, actor: Actor, code: str, data: CandidateIn) -> ExamCandidate:
    """报名: the secretariat registers anyone; a logged-in user registers himself (user_id = his own)."""
    if not is_secretariat(actor):
        if actor.user_id is None:
            actor.require("association")
        data = data.model_copy(update={"user_id": actor.user_id})
    exam = exam_by_code(session, code, for_update=True)
    if exam.status != "open":
        raise Conflict("association.exam.closed", f"考试 {exam.code} 已截止报名", f"exam {exam.code} is closed")
    if data.user_id is not None and session.scalar(select(ExamCandidate.id).where(
            ExamCandidate.exam_id == exam.id, ExamCandidate.user_id == data.user_id)):
        raise Conflict("association.exam.already_registered", "该用户已报名本次考试", "the user is already registered",
                       field="user_id")
    n = (session.scalar(select(func.count()).select_from(ExamCandidate).where(ExamCandidate.exam_id == exam.id)) or 0) + 1
    c = ExamCandidate(exam_id=exam.id, candidate_no=f"K{n:05d}", name=data.name.strip(), id_number=data.id_number.strip(),
                      user_id=data.user_id, organization_id=data.organization_id, paper=[], answers={}, item_scores={})
    return added(session, c, "assoc_exam_candidate")


def register_many(session: Session, actor: Actor, code: str, people: Iterable[CandidateIn]) -> int:
    """考生名单导入 (set-based): candidate numbers continue the exam's sequence."""
    require_secretariat(actor)
    exam = exam_by_code(session, code, for_update=True)
    if exam.status != "open":
        raise Conflict("association.exam.closed", f"考试 {exam.code} 已截止报名", f"exam {exam.code} is closed")
    start = session.scalar(select(func.count()).select_from(ExamCandidate).where(ExamCandidate.exam_id == exam.id)) or 0
    rows: list[dict[str, Any]] = [
        {"exam_id": exam.id, "candidate_no": f"K{start + i + 1:05d}", "name": p.name.strip(), "id_number": p.id_number,
         "user_id": p.user_id, "organization_id": p.organization_id, "status": "registered", "paper": [],
         "answers": {}, "item_scores": {}} for i, p in enumerate(people)]
    for i in range(0, len(rows), 2000):
        session.execute(insert(ExamCandidate), rows[i:i + 2000])
    audit.record(session, "exam.candidates_registered", "assoc_exam", exam.id, None, {"count": len(rows)})
    return len(rows)


def _candidate(session: Session, actor: Actor, exam: Exam, candidate_no: str | None, *, lock: bool = False) -> ExamCandidate:
    stmt = select(ExamCandidate).where(ExamCandidate.exam_id == exam.id)
    if is_secretariat(actor):
        if not candidate_no:
            raise DomainError("association.exam.candidate_required", "请填写准考证号", "give the candidate number",
                              field="candidate_no")
        stmt = stmt.where(ExamCandidate.candidate_no == candidate_no)
    else:
        stmt = stmt.where(ExamCandidate.user_id == actor.user_id)
    c = session.scalar(stmt)
    if c is None or (not is_secretariat(actor) and candidate_no and c.candidate_no != candidate_no):
        raise PermissionDenied("您未报名本次考试", "you are not a candidate of this exam", code="association.exam.not_candidate")
    return locked(session, ExamCandidate, c.id, "exam_candidate") if lock else c


# ---------------------------------------------------------------- papers


def generate_papers(session: Session, actor: Actor, code: str) -> int:
    """组卷 for every registered candidate without a paper: seeded by (exam seed, candidate number)."""
    require_secretariat(actor)
    exam = exam_by_code(session, code, for_update=True)
    pools = _pools(session, exam.bank)
    cells = [rules.Cell(c["topic"], c["difficulty"], c["count"], c.get("kind")) for c in exam.blueprint]
    todo = session.execute(select(ExamCandidate.id, ExamCandidate.candidate_no).where(
        ExamCandidate.exam_id == exam.id, ExamCandidate.status == "registered")).all()
    rows = [{"id": cid, "paper": rules.draw_paper(pools, cells, rules.seed_of(exam.seed, no))} for cid, no in todo]
    for i in range(0, len(rows), 2000):
        session.execute(update(ExamCandidate), rows[i:i + 2000])
    audit.record(session, "exam.papers_generated", "assoc_exam", exam.id, None, {"count": len(rows)})
    return len(rows)


def start(session: Session, actor: Actor, code: str, candidate_no: str | None = None) -> ExamCandidate:
    """开始答题: the paper is drawn (if not yet) and the clock starts; starting again returns the same paper."""
    exam = exam_by_code(session, code)
    if exam.status != "open":
        raise Conflict("association.exam.closed", f"考试 {exam.code} 已结束", f"exam {exam.code} is closed")
    c = _candidate(session, actor, exam, candidate_no, lock=True)
    if c.status in ("submitted", "marking", "marked"):
        raise Conflict("association.exam.already_submitted", "试卷已提交", "the paper is already submitted")
    if not c.paper:
        cells = [rules.Cell(x["topic"], x["difficulty"], x["count"], x.get("kind")) for x in exam.blueprint]
        c.paper = rules.draw_paper(_pools(session, exam.bank), cells, rules.seed_of(exam.seed, c.candidate_no))
    if c.started_at is None:
        c.started_at = now()
        c.deadline_at = c.started_at + dt.timedelta(minutes=exam.time_limit_minutes)
        c.status = "started"
    flush(session, "assoc_exam_candidate")
    return c


def paper_view(session: Session, actor: Actor, code: str, candidate_no: str | None = None) -> PaperView:
    """The paper as the candidate sees it: questions in order without their keys, his saved answers, the clock."""
    exam = exam_by_code(session, code)
    c = _candidate(session, actor, exam, candidate_no)
    qs = {q.id: q for q in session.scalars(select(ExamQuestion).where(ExamQuestion.id.in_(c.paper or [0])))}
    seed = rules.seed_of(exam.seed, c.candidate_no)
    items = []
    for i, qid in enumerate(c.paper or []):
        q = qs[qid]
        order = rules.option_order(seed, qid, len(q.options))  # this candidate's option order (选项乱序)
        items.append({"id": qid, "no": i + 1, "kind": q.kind, "kind_zh": rules.KINDS[q.kind], "stem": q.stem,
                      "options": [q.options[j] for j in order], "points": q.points,
                      "answer": rules.to_shown_order(q.kind, (c.answers or {}).get(str(qid)), order)})
    return {"exam": exam, "candidate": c, "items": items, "deadline_at": c.deadline_at,
            "seconds_left": max(0, int((c.deadline_at - now()).total_seconds())) if c.deadline_at else None}


def _clean_answers(session: Session, exam: Exam, c: ExamCandidate, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The candidate's answers (in his option order) normalised and turned into the bank's option indices."""
    rows = session.execute(select(ExamQuestion.id, ExamQuestion.kind, ExamQuestion.options).where(
        ExamQuestion.id.in_(c.paper or [0]))).all()
    kinds = {qid: kind for qid, kind, _ in rows}
    n_options = {qid: len(opts or []) for qid, _, opts in rows}
    seed = rules.seed_of(exam.seed, c.candidate_no)
    out = dict(c.answers or {})
    for key, raw in answers.items():
        try:
            qid = int(key)
        except (TypeError, ValueError):
            qid = -1
        if qid not in kinds:
            raise DomainError("association.exam.not_on_paper", f"试题 {key} 不在本试卷中", f"question {key} is not on this paper",
                              field="answers")
        order = rules.option_order(seed, qid, n_options[qid])
        out[str(qid)] = rules.to_bank_order(kinds[qid], rules.normalise_answer(kinds[qid], raw), order)
    return out


def save_answers(session: Session, actor: Actor, code: str, answers: Mapping[str, Any],
                 candidate_no: str | None = None, *, submit: bool = False) -> ExamCandidate:
    """保存/交卷: answers count until the time limit (+ a minute's grace); a submitted paper is marked at once."""
    exam = exam_by_code(session, code)
    c = _candidate(session, actor, exam, candidate_no, lock=True)
    if c.status != "started":
        raise Conflict("association.exam.not_started" if c.status == "registered" else "association.exam.already_submitted",
                       "试卷未开始或已提交", "the paper is not started or already submitted")
    late = c.deadline_at is not None and now() > c.deadline_at + dt.timedelta(seconds=rules.GRACE_SECONDS)
    if late and answers:
        raise Conflict("association.exam.time_up", "考试时间已到，答案未保存；已保存的答案将被评分",
                       "time is up: the answers were not saved (the saved ones will be marked)")
    c.answers = _clean_answers(session, exam, c, answers)
    if submit:
        c.status, c.submitted_at = "submitted", now()
        flush(session, "assoc_exam_candidate")
        _mark(session, exam, [c.id])
        session.refresh(c)
    else:
        flush(session, "assoc_exam_candidate")
    return c


def import_answer_sheets(session: Session, actor: Actor, code: str, sheets: Mapping[str, Mapping[str, Any]]) -> int:
    """答题卡导入 (an exam sat on paper or offline): {candidate number: {question id: answer}}; set-based. A sheet
    is keyed by the bank's option order (the printed paper of an offline exam), not a candidate's shuffled one."""
    require_secretariat(actor)
    exam = exam_by_code(session, code, for_update=True)
    found = dict(session.execute(select(ExamCandidate.candidate_no, ExamCandidate.id).where(
        ExamCandidate.exam_id == exam.id, ExamCandidate.candidate_no.in_(list(sheets)))).all()) if len(sheets) < 5000 else \
        dict(session.execute(select(ExamCandidate.candidate_no, ExamCandidate.id).where(ExamCandidate.exam_id == exam.id)).all())
    missing = [no for no in sheets if no not in found]
    if missing:
        raise DomainError("association.exam.unknown_candidate", f"没有准考证号 {missing[0]}", f"no candidate {missing[0]}",
                          field="candidate_no")
    stamp = now()
    rows = [{"id": found[no], "answers": {str(k): v for k, v in a.items()}, "status": "submitted", "submitted_at": stamp}
            for no, a in sheets.items()]
    for i in range(0, len(rows), 2000):
        session.execute(update(ExamCandidate), rows[i:i + 2000])
    audit.record(session, "exam.answer_sheets_imported", "assoc_exam", exam.id, None, {"count": len(rows)})
    return len(rows)


# ---------------------------------------------------------------- marking


def _mark(session: Session, exam: Exam, candidate_ids: list[int] | None = None) -> int:
    """Objective items marked, short answers queued; papers without short answers are final at once."""
    stmt = select(ExamCandidate.id, ExamCandidate.paper, ExamCandidate.answers).where(
        ExamCandidate.exam_id == exam.id, ExamCandidate.status == "submitted")
    if candidate_ids is not None:
        stmt = stmt.where(ExamCandidate.id.in_(candidate_ids))
    papers = session.execute(stmt).all()
    if not papers:
        return 0
    keys = {q.id: q for q in session.execute(select(ExamQuestion.id, ExamQuestion.kind, ExamQuestion.answer,
                                                    ExamQuestion.points).where(ExamQuestion.bank == exam.bank))}
    updates, queue = [], []
    for cid, paper, answers in papers:
        answers = answers or {}
        scores: dict[str, float] = {}
        objective = maximum = 0.0
        queued = False
        for qid in paper or []:
            q = keys[qid]
            maximum += q.points
            a = answers.get(str(qid))
            if q.kind == "short":
                if a:  # a marker reads it; a blank short answer scores 0 without one
                    queue.append({"exam_id": exam.id, "candidate_id": cid, "question_id": qid, "answer": str(a),
                                  "max_points": q.points, "marker": ""})
                    queued = True
                else:
                    scores[str(qid)] = 0.0
                continue
            pts = rules.mark_objective(q.kind, q.answer, a, q.points)
            scores[str(qid)] = pts
            objective += pts
        row: dict[str, Any] = {"id": cid, "objective_score": objective, "max_score": maximum, "item_scores": scores,
                               "status": "marking" if queued else "marked"}
        if not queued:
            row |= {"subjective_score": 0.0, "total_score": objective,
                    "passed": objective >= exam.pass_percent / 100.0 * maximum - 1e-9}
        updates.append(row)
    for i in range(0, len(updates), 2000):
        session.execute(update(ExamCandidate), updates[i:i + 2000])
    for i in range(0, len(queue), 2000):
        session.execute(insert(ExamMark), queue[i:i + 2000])
    return len(updates)


def mark_exam(session: Session, actor: Actor, code: str) -> int:
    """阅卷 (objective part) of every submitted paper; returns the number of papers marked."""
    require_secretariat(actor)
    exam = exam_by_code(session, code, for_update=True)
    n = _mark(session, exam)
    audit.record(session, "exam.marked", "assoc_exam", exam.id, None, {"count": n})
    return n


def marker_queue(session: Session, actor: Actor, code: str, limit: int = 50) -> list[tuple[ExamMark, ExamQuestion]]:
    """阅卷队列: unmarked short answers, oldest first, without the candidate's name."""
    require_secretariat(actor)
    exam = exam_by_code(session, code)
    return [(m, q) for m, q in session.execute(
        select(ExamMark, ExamQuestion).join(ExamQuestion, ExamQuestion.id == ExamMark.question_id)
        .where(ExamMark.exam_id == exam.id, ExamMark.points.is_(None)).order_by(ExamMark.id).limit(limit))]


def mark_answer(session: Session, actor: Actor, mark_id: int, points: float) -> ExamMark:
    """One short answer marked; the paper's total and pass/fail are final when its last answer is marked."""
    require_secretariat(actor)
    m = locked(session, ExamMark, mark_id, "exam_mark")
    if not (0 <= points <= m.max_points):
        raise DomainError("association.exam.bad_points", f"得分应在 0–{m.max_points:g} 之间",
                          f"points must be within 0-{m.max_points:g}", field="points")
    m.points, m.marker, m.marked_at = float(points), actor.label, now()
    flush(session, "assoc_exam_mark")
    c = locked(session, ExamCandidate, m.candidate_id, "exam_candidate")
    scores = dict(c.item_scores or {})
    scores[str(m.question_id)] = float(points)
    c.item_scores = scores
    left = session.scalar(select(func.count()).select_from(ExamMark).where(ExamMark.candidate_id == c.id,
                                                                           ExamMark.points.is_(None)))
    if not left:
        exam = fetched(session, Exam, c.exam_id, "exam")
        subj = float(session.scalar(select(func.sum(ExamMark.points)).where(ExamMark.candidate_id == c.id)) or 0.0)
        c.subjective_score = subj
        c.total_score = (c.objective_score or 0.0) + subj
        c.passed = c.total_score >= exam.pass_percent / 100.0 * (c.max_score or 0.0) - 1e-9
        c.status = "marked"
    flush(session, "assoc_exam_candidate")
    return m


def close_exam(session: Session, actor: Actor, code: str) -> int:
    """考试结束: papers still open are submitted with their saved answers and marked; returns how many."""
    require_secretariat(actor)
    exam = exam_by_code(session, code, for_update=True)
    ids = list(session.scalars(select(ExamCandidate.id).where(ExamCandidate.exam_id == exam.id,
                                                              ExamCandidate.status == "started")))
    if ids:
        session.execute(update(ExamCandidate).where(ExamCandidate.id.in_(ids)).values(status="submitted",
                                                                                     submitted_at=now()))
    _mark(session, exam)
    exam.status = "closed"
    flush(session, "assoc_exam")
    return len(ids)


# ---------------------------------------------------------------- results, statistics, certificates


def results(session: Session, actor: Actor, code: str) -> list[ExamCandidate]:
    exam = exam_by_code(session, code)
    stmt = select(ExamCandidate).where(ExamCandidate.exam_id == exam.id).order_by(ExamCandidate.candidate_no)
    if not is_secretariat(actor):
        stmt = stmt.where(ExamCandidate.user_id == actor.user_id)
    return list(session.scalars(stmt))


def item_statistics(session: Session, actor: Actor, code: str) -> list[ItemStatistics]:
    """试题分析 after marking: difficulty p, discrimination D (27 %) and point-biserial per question."""
    require_secretariat(actor)
    exam = exam_by_code(session, code)
    pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for scores, total in session.execute(select(ExamCandidate.item_scores, ExamCandidate.total_score).where(
            ExamCandidate.exam_id == exam.id, ExamCandidate.status == "marked")):
        for qid, pts in (scores or {}).items():
            pairs[int(qid)].append((float(pts), float(total or 0.0)))
    qs = {q.id: q for q in session.scalars(select(ExamQuestion).where(ExamQuestion.id.in_(list(pairs) or [0])))}
    out: list[ItemStatistics] = []
    for st in rules.item_statistics(pairs, {qid: qs[qid].points for qid in pairs}):
        q = qs[st.question_id]
        out.append({"question_id": q.id, "code": q.code, "kind": q.kind, "topic": q.topic, "difficulty": q.difficulty,
                    "n": st.n, "p": st.difficulty_p, "d": st.discrimination_d, "r_pb": st.point_biserial})
    return out


def issue_certificates(session: Session, actor: Actor, code: str, on: dt.date | None = None) -> int:
    """合格证书 for every passed, marked candidate without one: number CAQI-<exam>-<n>, valid for the exam's years."""
    require_secretariat(actor)
    exam = exam_by_code(session, code, for_update=True)
    day = on or now().date()
    have = set(session.scalars(select(ExamCertificate.candidate_id).where(ExamCertificate.exam_id == exam.id)))
    n = len(have)
    issued = 0
    for c in session.scalars(select(ExamCandidate).where(ExamCandidate.exam_id == exam.id, ExamCandidate.passed.is_(True))
                             .order_by(ExamCandidate.candidate_no)):
        if c.id in have:
            continue
        n += 1
        issued += 1
        try:
            until = day.replace(year=day.year + exam.certificate_years)
        except ValueError:  # 29 February
            until = day.replace(year=day.year + exam.certificate_years, day=28)
        session.add(ExamCertificate(number=f"CAQI-{exam.code.upper()}-{n:05d}", candidate_id=c.id, exam_id=exam.id,
                                    holder=c.name, issued_on=day, valid_until=until))
    flush(session, "assoc_exam_certificate")
    return issued


def _mask(id_number: str) -> str:
    return id_number[:3] + "*" * max(0, len(id_number) - 7) + id_number[-4:] if len(id_number) > 7 else "***"


def verify_certificate(session: Session, number: str, on: dt.date | None = None) -> CertificateFacts:
    """证书查询 (public): the holder, the exam, the validity; the ID number masked."""
    cert = session.scalar(select(ExamCertificate).where(ExamCertificate.number == number.strip().upper()))
    if cert is None:
        raise NotFound("certificate", number)
    c = session.get(ExamCandidate, cert.candidate_id)
    exam = session.get(Exam, cert.exam_id)
    day = on or now().date()
    status = cert.status if cert.status != "valid" else ("expired" if day > cert.valid_until else "valid")
    return CertificateFacts(cert.number, cert.holder, _mask(c.id_number if c else ""), exam.title if exam else "",
                            cert.issued_on, cert.valid_until, status, c.total_score if c else None)


def certificate_pdf(session: Session, number: str, verify_url: str) -> bytes:
    from zhijian.association.exams import certificate

    return certificate.pdf(verify_certificate(session, number), verify_url)
