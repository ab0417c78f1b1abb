"""The deadline service (zhijian.platform.deadlines) on real databases: the calendar from the database, the import of
a 放假安排 (service, CLI, console page), its refusals (nothing half-written), cache invalidation, provisional deadlines.

Imports that change a near year (2027) run on a fresh database so that the shared one keeps the rule for everyone;
tests on the shared database use a far year (2098) nobody else computes deadlines in.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests import factories
from tests.conftest import BACKENDS
from tests.platform.test_calendar import NOTICE_2027
from zhijian.platform import deadlines
from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.calendar import statutory_holidays
from zhijian.platform.calendar_models import CalendarDay, CalendarYear
from zhijian.platform.errors import DomainError, PermissionDenied

D = dt.date

# a (hypothetical) 2027 notice in the State Council's usual shape: National Day and Mid-Autumn separate,
# 10-01..10-07 off with 09-26 (Sun) and 10-09 (Sat) worked
NOTICE_2027_FULL = NOTICE_2027 + "".join(f"2027-10-{d:02d},休,国庆节\n" for d in range(4, 8)) + "2027-10-09,班,国庆节\n"


def _notice(year: int) -> str:
    return "date,kind,name\n" + "".join(f"{h.day},休,{h.name}\n" for h in statutory_holidays(year))


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_notice_replaces_the_rule_and_is_seen_by_the_next_session(backend, fresh_db):
    db = fresh_db(backend)
    with db.session() as s:
        before = deadlines.working_days(s, D(2027, 9, 28), 5)
        assert (before.due, before.provisional) == (D(2027, 10, 8), True)  # rule: 10-01..10-05 off
        assert deadlines.calendar(s).is_provisional_year(2027)
    with db.session(SYSTEM) as s:
        res = deadlines.import_notice(s, SYSTEM, NOTICE_2027_FULL, source="测试：2027年放假安排", year=2027)
        assert (res.years, res.days) == ([2027], 19)
    with db.session() as s:  # a new session (as another request would) sees the imported notice
        after = deadlines.working_days(s, D(2027, 9, 28), 5)
        # 09-29, 09-30, [10-01..10-07], 10-08, 10-09 (Saturday worked), 10-11
        assert (after.due, after.provisional) == (D(2027, 10, 11), False)
        assert deadlines.calendar(s).is_workday(D(2027, 9, 26))
        y = {i.year: i for i in deadlines.years(s, first=2025, last=2028)}
        assert (y[2025].origin, y[2026].origin, y[2027].origin, y[2028].origin) == ("package", "package", "imported",
                                                                                    "rule")
        assert y[2027].source == "测试：2027年放假安排（导入）" and not y[2027].provisional and y[2028].provisional
        assert y[2027].imported_by == SYSTEM.label
        # the import is on the audit chain
        from zhijian.platform import audit

        assert [r.action for r in audit.history(s, "calendar_year", 2027)] == ["import"]
    with db.session(SYSTEM) as s:  # importing the year again replaces it whole
        deadlines.import_notice(s, SYSTEM, NOTICE_2027, year=2027)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CalendarDay)) == 14
        assert deadlines.working_days(s, D(2027, 9, 28), 5).due == D(2027, 10, 6)
        assert deadlines.calendar(s).is_workday(D(2027, 9, 26)) and deadlines.calendar(s).is_workday(D(2027, 10, 4))


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_notice_and_non_admin_write_nothing(backend, fresh_db):
    db = fresh_db(backend)
    bad = NOTICE_2027 + "2027-13-40,休,x\n"
    with db.session(SYSTEM) as s:
        with pytest.raises(DomainError) as e:
            deadlines.import_notice(s, SYSTEM, bad)
        assert e.value.code == "calendar.bad_date" and "第 16 行" in e.value.message_zh
        with pytest.raises(DomainError) as e:
            deadlines.import_notice(s, SYSTEM, NOTICE_2027, source="x" * 201)
        assert e.value.code == "calendar.bad_source"
        regulator = Actor(None, "reg", "regulator", None)
        with pytest.raises(PermissionDenied):
            deadlines.import_notice(s, regulator, NOTICE_2027)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CalendarYear)) == 0
        assert s.scalar(select(func.count()).select_from(CalendarDay)) == 0


def test_calendar_is_cached_until_the_tables_change(sqlite_db):
    with sqlite_db.session() as s:
        a = deadlines.calendar(s)
        assert deadlines.calendar(s) is a  # cached
    with sqlite_db.session(SYSTEM) as s:  # another process's import: only the table stamp changes here
        s.add(CalendarYear(year=2099, source="t", imported_by="t"))
        s.flush()
        s.add(CalendarDay(day=D(2099, 1, 5), year=2099, kind="rest", name="t"))
    with sqlite_db.session() as s:
        b = deadlines.calendar(s)
        assert b is not a and not b.is_workday(D(2099, 1, 5)) and not b.is_provisional_year(2099)
    with sqlite_db.session() as s:
        s.execute(CalendarDay.__table__.delete().where(CalendarDay.year == 2099))
        s.execute(CalendarYear.__table__.delete().where(CalendarYear.year == 2099))
    with sqlite_db.session() as s:
        assert deadlines.calendar(s).is_workday(D(2099, 1, 5))


def test_service_periods_and_bad_input(sqlite_db):
    with sqlite_db.session() as s:
        d = deadlines.calendar_days(s, D(2026, 9, 16), 15)
        assert (d.due, d.provisional) == (D(2026, 10, 8), False) and "第二百零三条" in d.basis
        assert deadlines.working_days_between(s, D(2026, 9, 30), D(2026, 10, 9)) == 2
        with pytest.raises(DomainError) as e:
            deadlines.working_days(s, D(2026, 9, 16), -3)
        assert e.value.code == "calendar.bad_days"
        with pytest.raises(DomainError) as e:
            deadlines.year_notice(s, 99999)
        assert e.value.code == "calendar.bad_year"
        n = deadlines.year_notice(s, 2026)
        assert not n.provisional and n.source.startswith("chinesecalendar")


# ---------------------------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    from zhijian.platform import migrate
    from zhijian.platform.db import get_database

    url = f"sqlite:///{tmp_path / 'cal.sqlite3'}"
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", url)
    get_database.cache_clear()
    migrate.upgrade(url)
    yield url
    get_database.cache_clear()


def _run(*args: str):  # type: ignore[no-untyped-def]
    from zhijian.platform.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_import_show_due_and_errors(cli_db, tmp_path):
    import json

    r = _run("calendar", "due", "2026-12-24", "7", "--working", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert (out["due"], out["provisional"]) == ("2027-01-05", True)
    r = _run("calendar", "due", "2026-09-16", "15")
    assert r.exit_code == 0 and r.output.startswith("2026-10-08")
    f = tmp_path / "2027.csv"
    f.write_text(NOTICE_2027_FULL, encoding="utf-8")
    r = _run("calendar", "import", str(f), "--source", "国办发明电（测试）", "--year", "2027")
    assert r.exit_code == 0, r.output
    assert "imported 2027: 19 days" in r.output
    r = _run("calendar", "show", "--json")
    assert r.exit_code == 0
    rows = {x["year"]: x for x in json.loads(r.output)}
    assert rows[2027]["origin"] == "imported" and rows[2027]["working_weekends"] == 2
    r = _run("calendar", "show", "2027")
    assert r.exit_code == 0 and "2027-10-09  班  国庆节" in r.output
    r = _run("calendar", "due", "2027-09-28", "5", "--working")
    assert r.output.startswith("2027-10-11") and "provisional" not in r.output
    r = _run("calendar", "provisional")
    assert r.exit_code == 0 and "no provisional deadlines" in r.output
    r = _run("calendar", "recompute")
    assert r.exit_code == 0 and "0 provisional deadlines recomputed" in r.output
    # bad input: one line, exit 2, nothing written
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2028-01-01,放假,元旦\n", encoding="utf-8")
    r = _run("calendar", "import", str(bad))
    assert r.exit_code == 2 and "calendar.bad_kind" in r.output and len(r.output.strip().splitlines()) == 1
    r = _run("calendar", "import", str(tmp_path / "missing.csv"))
    assert r.exit_code == 2 and "file.not_found" in r.output
    r = _run("calendar", "due", "2026-02-30", "3")
    assert r.exit_code == 2 and "calendar.bad_date" in r.output
    r = _run("calendar", "show", "2028")
    assert "provisional" in r.output.splitlines()[0]


# ---------------------------------------------------------------------------------------------- console page

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _console_login(client, db, role: str) -> str:  # type: ignore[no-untyped-def]
    with db.session() as s:
        org = {"regulator": factories.regulator, "enterprise": factories.enterprise}.get(role)
        username = factories.user(s, role, org(s) if org else None).username
    r = client.get("/login")
    r = client.post("/login", data={"csrf_token": TOKEN.search(r.text).group(1), "username": username,
                                    "password": "correct horse 1", "next": "/console"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return TOKEN.search(client.get("/console").text).group(1)


def test_console_page_lists_years_and_imports_a_notice(client, db):
    token = _console_login(client, db, "admin")
    page = client.get("/console/calendar?year=2027")
    assert page.status_code == 200
    assert "工作日历" in page.text and "按法定规则推算（暂定）" in page.text and "2027-02-05" in page.text
    assert 'href="/console/calendar"' in client.get("/console").text  # in the admin's menu
    # a bad file: the form again with the error in place, 422, nothing stored
    bad = client.post("/console/calendar/import", data={"csrf_token": token, "year": "2098", "source": "t"},
                      files={"file": ("2098.csv", b"2098-01-01,x,y\n", "text/csv")})
    assert bad.status_code == 422 and 'id="file-error"' in bad.text and "类型「x」无效" in bad.text
    assert 'value="2098"' in bad.text
    with db.session() as s:
        assert s.get(CalendarYear, 2098) is None
    ok = client.post("/console/calendar/import", data={"csrf_token": token, "year": "2098", "source": "页面测试"},
                     files={"file": ("2098.csv", _notice(2098).encode(), "text/csv")}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/console/calendar?year=2098")
    shown = client.get(ok.headers["location"])
    assert "页面测试（导入）" in shown.text and "放假安排已导入" in shown.text
    with db.session() as s:
        assert s.get(CalendarYear, 2098).source == "页面测试"
        assert not deadlines.calendar(s).is_provisional_year(2098)


def test_console_import_is_for_admins_only(client, db):
    token = _console_login(client, db, "regulator")
    assert client.get("/console/calendar").status_code == 200  # regulators may look
    assert "导入放假安排" not in client.get("/console/calendar").text
    r = client.post("/console/calendar/import", data={"csrf_token": token, "year": "2097"},
                    files={"file": ("2097.csv", _notice(2097).encode(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 403
    with db.session() as s:
        assert s.get(CalendarYear, 2097) is None
    token = _console_login(client, db, "enterprise")
    assert client.get("/console/calendar").status_code == 403
