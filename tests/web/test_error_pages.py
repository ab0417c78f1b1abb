"""The `DomainError` → HTML error page answer of `zhijian.web.core` through a real app on SQLite: a page router made
with `page_router()` renders the error page (status, message in the visitor's language, the field) with the
request's transaction rolled back, API clients asking for JSON still get problem+json, and
`install_error_pages(app)` gives the same answer app-wide."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.web.test_pages import web_login
from zhijian.catalog.models import Organization
from zhijian.platform.app import create_app
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.web.core import install_error_pages, is_pages_module, page_router


def _failing(router: APIRouter, path: str) -> None:
    @router.post(path)
    def fail(request: Request, session: SessionDep, name: str) -> Response:
        session.add(Organization(kind="enterprise", name=name, region_code="330106"))
        session.flush()  # written, then refused: the transaction must roll back
        raise DomainError("demo.refused", "数量不能超过库存", "quantity exceeds the stock", field="quantity")


def test_a_page_router_answers_a_domain_error_with_the_error_page(sqlite_db, settings):
    app = create_app(sqlite_db, settings)
    pages = page_router()
    _failing(pages, "/demo/fail")
    app.include_router(pages)
    name = f"回滚{factories.uid()}"
    with TestClient(app) as client:
        r = client.post("/demo/fail", params={"name": name}, headers={"accept": "text/html"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
        assert "数量不能超过库存" in r.text and "demo.refused" in r.text and "<code>quantity</code>" in r.text
        assert '<a class="button" href="/">' in r.text  # outside /console: the portal's layout
        r = client.post("/demo/fail", params={"name": name, "lang": "en"})
        assert r.status_code == 422 and "quantity exceeds the stock" in r.text
        r = client.post("/demo/fail", params={"name": name}, headers={"accept": "application/json"})
        assert r.status_code == 422 and r.json()["code"] == "demo.refused"  # an API client keeps problem+json
    with sqlite_db.session() as s:
        assert s.scalar(select(Organization.id).where(Organization.name == name)) is None


def test_install_error_pages_answers_every_page_request(sqlite_db, settings):
    app = create_app(sqlite_db, settings)
    plain = APIRouter()
    _failing(plain, "/demo/plain")
    _failing(plain, "/api/v1/demo/plain")
    app.include_router(plain)
    install_error_pages(app)
    with TestClient(app) as client:
        r = client.post("/demo/plain", params={"name": "x"}, headers={"accept": "text/html"})
        assert r.status_code == 422 and "数量不能超过库存" in r.text and "<html" in r.text
        r = client.post("/demo/plain", params={"name": "x"})  # not a pages module, no text/html: problem+json
        assert r.headers["content-type"].startswith("application/problem+json")
        r = client.post("/api/v1/demo/plain", params={"name": "x"}, headers={"accept": "text/html"})
        assert r.headers["content-type"].startswith("application/problem+json")


def test_console_pages_show_their_errors_in_the_console(client, db):
    web_login(client, db, "regulator", None)
    r = client.get("/console/products", params={"page": "abc"})
    assert r.status_code == 422 and "页码「abc」无效" in r.text and "<code>page</code>" in r.text
    assert 'href="/console">' in r.text  # the console's error page (返回工作台)
    r = client.get("/search", params={"q": "奶粉", "type": "products", "cursor": "!!"})
    assert r.status_code == 400 and "分页游标无效" in r.text and '<a class="button" href="/">' in r.text


def test_a_module_of_a_pages_package_counts_as_pages():
    assert is_pages_module("zhijian.catalog.pages") and is_pages_module("zhijian.web.account_pages")
    assert is_pages_module("zhijian.consumer.pages.comparative") and is_pages_module("zhijian.spotcheck.pages.public")
    assert is_pages_module("zhijian.association.exams.pages")
    assert not is_pages_module("zhijian.consumer.api") and not is_pages_module("zhijian.pages")
    assert not is_pages_module("tests.web.pages") and not is_pages_module("zhijian.consumer.service.pages_count")


def test_a_pages_package_answers_an_any_client_with_the_error_page(client, db):
    """consumer and spotcheck pages are packages (`zhijian.<room>.pages.<workflow>`): their handlers raise and a `*/*`
    client still gets the error page it got when they built it by hand; a JSON client gets problem+json."""
    for path in ("/comparative/987654321", "/standards/declarations/987654321", "/spotchecks/987654321",
                 "/certificates/NO-SUCH-987654321/qr.svg"):
        r = client.get(path, headers={"accept": "*/*"})
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
        assert '<a class="button" href="/">' in r.text, path  # the portal's layout
        r = client.get(path, headers={"accept": "application/json"})
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), path
