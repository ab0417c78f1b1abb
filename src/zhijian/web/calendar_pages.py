"""Console page of the working-day calendar (工作日历): the years and their source, one year's days, the stored
provisional deadlines, and (admins) the import of a State Council 放假安排. Calls `zhijian.platform.deadlines`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from zhijian.platform import deadlines
from zhijian.platform.calendar import PACKAGE_SOURCE, REST
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import console_actor, console_form, locale_of, nav_item, page_router, render

router = page_router()

nav_item("/console/calendar", "工作日历", roles=("admin", "regulator"), order=90)

ORIGIN_ZH = {"imported": "已导入通知", "package": "内置节假日数据", "rule": "按法定规则推算（暂定）"}
MAX_UPLOAD = 256 * 1024


def _context(session: Session, year: int | None) -> dict[str, Any]:
    shown = year if year is not None else dt.date.today().year + 1
    return {"years": deadlines.years(session), "origin_zh": ORIGIN_ZH, "package_source": PACKAGE_SOURCE,
            "shown": deadlines.year_notice(session, shown),
            "provisional": deadlines.provisional_deadlines(session), "errors": {}, "form": {"year": str(shown)},
            "rest_kind": REST}


def _year_param(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise DomainError("calendar.bad_year", f"年份「{raw}」无效", f"invalid year '{raw}'", field="year")
    return int(raw)


@router.get("/console/calendar")
def calendar_page(request: Request, session: SessionDep, year: str | None = None) -> Response:
    actor = console_actor(request, session, "regulator")
    try:
        ctx = _context(session, _year_param(year))
    except DomainError:
        ctx = _context(session, None)
    ctx["imported"] = request.query_params.get("imported", "")
    return render(request, "web/console/calendar.html", ctx, actor=actor)


@router.post("/console/calendar/import")
async def calendar_import(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session)
    if actor.role != "admin":
        console_actor(request, session, "admin")  # a 403 page for everyone else
    upload = form.get("file")
    source = str(form.get("source", "") or "").strip()
    raw_year = str(form.get("year", "") or "").strip()
    try:
        year = _year_param(raw_year)
        if upload is None or isinstance(upload, str):
            raise DomainError("calendar.file_required", "请选择放假安排文件（CSV）", "choose the notice file (CSV)",
                              field="file")
        data = await upload.read()
        if len(data) > MAX_UPLOAD:
            raise DomainError("calendar.file_too_large", "文件过大（上限 256 KB）", "file too large (256 KB at most)",
                              field="file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("calendar.bad_encoding", "文件须为 UTF-8 编码的 CSV", "the file must be UTF-8 CSV",
                              field="file") from None
        with session.begin_nested():
            res = deadlines.import_notice(session, actor, text, source=source, year=year)
    except DomainError as err:
        ctx = _context(session, None)
        ctx["errors"] = {err.field or "file": err.message_en if locale_of(request) == "en" else err.message_zh}
        ctx["form"] = {"year": raw_year, "source": source}
        ctx["imported"] = ""
        return render(request, "web/console/calendar.html", ctx, status_code=422, actor=actor)
    return RedirectResponse(f"/console/calendar?year={res.years[0]}&imported={res.recomputed}", status_code=303)
