"""考试 pages: the secretariat's exams (bank import, set an exam, papers, marking, certificates, item analysis),
the marker's queue, the candidate's paper (works on a phone: one column, native inputs, no script needed) and
the public certificate verification page. Same service as the API and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhijian.association.common.forms import Fields, build
from zhijian.association.common.pages import Step, console_step, form_route, invalid_as, is_secretariat, keyed, show
from zhijian.association.exams import rules, service
from zhijian.association.exams.schemas import CandidateIn, ExamIn
from zhijian.platform.auth import Actor
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor

router = APIRouter(include_in_schema=False)
BASE = "/console/association/exams"


def _blueprint(text: str) -> list[dict[str, Any]]:
    """One cell per line: 知识点, 难度 (易/中/难), 题数[, 题型]."""
    cells = []
    for i, line in enumerate(text.splitlines(), 1):
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if not any(parts):
            continue
        if len(parts) < 3 or not parts[2].isdigit():
            raise DomainError("association.exam.bad_blueprint", f"蓝图第 {i} 行应为：知识点, 难度, 题数[, 题型]",
                              f"blueprint line {i} must be: topic, difficulty, count[, kind]", field="blueprint")
        kind = rules.KIND_BY_ZH.get(parts[3], parts[3]) if len(parts) > 3 and parts[3] else None
        cells.append({"topic": parts[0], "difficulty": rules.DIFFICULTY_BY_ZH.get(parts[1], 0), "count": int(parts[2]),
                      "kind": "objective" if kind == "客观题" else kind})
    return cells


@router.get(BASE, response_class=HTMLResponse)
def exams_page(request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    return show(request, "association/exams.html", lambda: {
        "exams": service.list_exams(session, actor), "is_staff": is_secretariat(actor)}, actor)


async def _import_or_create(session: Session, actor: Actor, f: Fields, _: None) -> str:
    """The exams page's one form: 题库导入 (action=import) or 新建考试."""
    if f.raw("action") == "import":
        service.import_questions(session, actor, await f.sheet("q.xlsx", rules.IMPORT_COLUMNS))
        return BASE
    e = service.create_exam(session, actor, build(
        ExamIn, code=f.text("code"), title=f.text("title"), bank=f.text("bank"),
        blueprint=_blueprint(f.text("blueprint")), time_limit_minutes=int(f.text("time_limit_minutes", "0") or 0) or 60,
        pass_percent=float(f.text("pass_percent", "60"))))
    return f"{BASE}/{e.code}"


form_route(router, BASE, "exams_action", _import_or_create,
           invalid=invalid_as("validation.invalid", "时长和合格线应为数值", "numbers expected", "time_limit_minutes"))


@router.get(BASE + "/{code}", response_class=HTMLResponse)
def exam_page(code: str, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    return show(request, "association/exam.html", lambda: _exam_ctx(session, actor, code), actor)


def _exam_ctx(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    staff = is_secretariat(actor)
    exam = service.exam_by_code(session, code)
    res = service.results(session, actor, code)
    stats = service.item_statistics(session, actor, code) if staff and any(c.status == "marked" for c in res) else []
    return {"exam": exam, "results": res[:500], "n": len(res), "stats": stats, "is_staff": staff,
            "difficulty": rules.DIFFICULTY, "kinds": rules.KINDS}


def _register(session: Session, actor: Actor, f: Fields, code: str) -> None:
    service.register(session, actor, code, build(CandidateIn, name=f.text("name").strip() or actor.username,
                                                 id_number=f.text("id_number")))






def _start(session: Session, actor: Actor, f: Fields, code: str) -> str:
    service.start(session, actor, code)
    return f"{BASE}/{code}/take"


def _save(session: Session, actor: Actor, f: Fields, code: str) -> str:
    service.save_answers(session, actor, code, _answers(f))
    return f"{BASE}/{code}/take"


def _submit(session: Session, actor: Actor, f: Fields, code: str) -> str:
    service.save_answers(session, actor, code, _answers(f), submit=True)
    return f"{BASE}/{code}/take"


def _score(session: Session, actor: Actor, f: Fields, code: str) -> str:
    """阅卷: one short answer's points (letters → the points error)."""
    service.mark_answer(session, actor, f.number("mark_id"), float(f.text("points", "-1")))
    return f"{BASE}/{code}/queue"


STEPS: dict[str, Step[str]] = {
    "register": _register, "papers": keyed(service.generate_papers), "mark": keyed(service.mark_exam),
    "close": keyed(service.close_exam), "certificates": keyed(service.issue_certificates), "start": _start,
    "save": _save, "submit": _submit, "score": _score}


_BAD_POINTS = invalid_as("association.exam.bad_points", "得分应为数值", "points must be a number", "points")


@router.post(BASE + "/{code}/{action}")
async def exam_action(code: str, action: str, request: Request, session: SessionDep) -> Response:
    return await console_step(request, session, (), STEPS.get(action), code, f"{BASE}/{code}", action=action,
                              invalid=_BAD_POINTS)


def _answers(f: Fields) -> dict[str, Any]:
    """Form fields q<id> (radio, checkboxes or text) → {question id: answer}."""
    out: dict[str, Any] = {}
    for key in f.keys():
        if key.startswith("q") and key[1:].isdigit():
            values = [str(v) for v in f.getlist(key)]
            out[key[1:]] = values if len(values) > 1 or f.raw(f"kind{key[1:]}") == "multiple" else values[0]
    return out


@router.get(BASE + "/{code}/take", response_class=HTMLResponse)
def take_page(code: str, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    return show(request, "association/exam_take.html", lambda: {
        "v": service.paper_view(session, actor, code), "letters": rules.LETTERS}, actor)


@router.get(BASE + "/{code}/queue", response_class=HTMLResponse)
def queue_page(code: str, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "association")
    return show(request, "association/exam_queue.html", lambda: {
        "items": service.marker_queue(session, actor, code, limit=20), "code": code}, actor)


@router.get("/association/certificates/{number}", response_class=HTMLResponse)
def verify_page(number: str, request: Request, session: SessionDep) -> Response:
    """证书查询 — public, no login (the QR on the certificate points here)."""
    return show(request, "association/certificate_verify.html",
                lambda: {"c": service.verify_certificate(session, number)})
