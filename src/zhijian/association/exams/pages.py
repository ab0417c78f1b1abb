"""考试 pages: the secretariat's exams (bank import, set an exam, papers, marking, certificates, item analysis),
the marker's queue, the candidate's paper (works on a phone: one column, native inputs, no script needed) and
the public certificate verification page. Same service as the API and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhijian.association.common.forms import build
from zhijian.association.exams import rules, service
from zhijian.association.exams.schemas import CandidateIn, ExamIn
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.tabular import read_rows
from zhijian.web.core import console_actor, console_form, error_page, render

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
    try:
        exams = service.list_exams(session, actor)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/exams.html", {"exams": exams, "is_staff": actor.role in ("admin", "association")},
                  actor=actor)


@router.post(BASE)
async def exams_action(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, "association")
    try:
        if form.get("action") == "import":
            upload = form.get("file")
            if upload is None or not hasattr(upload, "read"):
                raise DomainError("import.no_file", "请选择文件", "choose a file", field="file")
            service.import_questions(session, actor, read_rows(await upload.read(), upload.filename or "q.xlsx",
                                                               required=rules.IMPORT_COLUMNS))
            return RedirectResponse(BASE, status_code=303)
        e = service.create_exam(session, actor, build(ExamIn,
            code=str(form.get("code", "")), title=str(form.get("title", "")), bank=str(form.get("bank", "")),
            blueprint=_blueprint(str(form.get("blueprint", ""))),
            time_limit_minutes=int(str(form.get("time_limit_minutes") or 0) or 0) or 60,
            pass_percent=float(str(form.get("pass_percent") or 60))))
    except DomainError as err:
        return error_page(request, err, actor)
    except ValueError:
        return error_page(request, DomainError("validation.invalid", "时长和合格线应为数值", "numbers expected",
                                               field="time_limit_minutes"), actor)
    return RedirectResponse(f"{BASE}/{e.code}", status_code=303)


@router.get(BASE + "/{code}", response_class=HTMLResponse)
def exam_page(code: str, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    staff = actor.role in ("admin", "association")
    try:
        exam = service.exam_by_code(session, code)
        res = service.results(session, actor, code)
        stats = service.item_statistics(session, actor, code) if staff and any(c.status == "marked" for c in res) else []
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/exam.html", {"exam": exam, "results": res[:500], "n": len(res), "stats": stats,
                                                     "is_staff": staff, "difficulty": rules.DIFFICULTY,
                                                     "kinds": rules.KINDS}, actor=actor)


@router.post(BASE + "/{code}/{action}")
async def exam_action(code: str, action: str, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session)
    target = f"{BASE}/{code}"
    try:
        if action == "register":
            service.register(session, actor, code, build(CandidateIn, name=str(form.get("name", "")).strip() or actor.username,
                                                               id_number=str(form.get("id_number", ""))))
        elif action == "papers":
            service.generate_papers(session, actor, code)
        elif action == "mark":
            service.mark_exam(session, actor, code)
        elif action == "close":
            service.close_exam(session, actor, code)
        elif action == "certificates":
            service.issue_certificates(session, actor, code)
        elif action == "start":
            service.start(session, actor, code)
            target += "/take"
        elif action in ("save", "submit"):
            answers = _answers(form)
            service.save_answers(session, actor, code, answers, submit=action == "submit")
            target += "/take"
        elif action == "score":
            service.mark_answer(session, actor, int(str(form.get("mark_id") or 0)), float(str(form.get("points") or -1)))
            target += "/queue"
        else:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
    except DomainError as err:
        return error_page(request, err, actor)
    except ValueError:
        return error_page(request, DomainError("association.exam.bad_points", "得分应为数值", "points must be a number",
                                               field="points"), actor)
    return RedirectResponse(target, status_code=303)


def _answers(form: Any) -> dict[str, Any]:
    """Form fields q<id> (radio, checkboxes or text) → {question id: answer}."""
    out: dict[str, Any] = {}
    for key in set(form.keys()):
        if key.startswith("q") and key[1:].isdigit():
            values = [str(v) for v in form.getlist(key)]
            out[key[1:]] = values if len(values) > 1 or form.get(f"kind{key[1:]}") == "multiple" else values[0]
    return out


@router.get(BASE + "/{code}/take", response_class=HTMLResponse)
def take_page(code: str, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session)
    try:
        v = service.paper_view(session, actor, code)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/exam_take.html", {"v": v, "letters": rules.LETTERS}, actor=actor)


@router.get(BASE + "/{code}/queue", response_class=HTMLResponse)
def queue_page(code: str, request: Request, session: SessionDep) -> Response:
    actor = console_actor(request, session, "association")
    try:
        items = service.marker_queue(session, actor, code, limit=20)
    except DomainError as err:
        return error_page(request, err, actor)
    return render(request, "association/exam_queue.html", {"items": items, "code": code}, actor=actor)


@router.get("/association/certificates/{number}", response_class=HTMLResponse)
def verify_page(number: str, request: Request, session: SessionDep) -> Response:
    """证书查询 — public, no login (the QR on the certificate points here)."""
    try:
        facts = service.verify_certificate(session, number)
    except DomainError as err:
        return error_page(request, err)
    return render(request, "association/certificate_verify.html", {"c": facts})
