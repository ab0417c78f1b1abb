"""Issue 13, CSRF and headers: a cross-site form POST with the enterprise's cookie withdrew its declaration;
authenticated pages lacked `Cache-Control: no-store`; no HSTS option; `/docs` had no CSP (and loaded Swagger UI
from a CDN)."""

from __future__ import annotations

import dataclasses
import re

from fastapi.testclient import TestClient

from tests import factories
from zhijian.catalog.schemas import IndicatorIn
from zhijian.platform.app import create_app
from zhijian.platform.auth import SYSTEM, csrf_token_for


def _declaration(db, login, client):  # type: ignore[no-untyped-def]
    """An enterprise's standard declaration, made through the API with its bearer token (as in the consumer
    room's tests)."""
    with db.session(SYSTEM) as s:
        cat = factories.category(s, name=f"测试食品{factories.uid()}")
        factories.standard(s, category_id=cat.id, indicators=[
            IndicatorIn(name="铅(以Pb计)", unit="mg/kg", requirement_kind="max", upper=0.2, text="≤0.2")])
        ent = factories.enterprise(s)
        cat_id, ent_id = cat.id, ent.id
    ent_h = login("enterprise", ent)
    body = {"enterprise_id": ent_id, "category_id": cat_id, "code": f"Q/T {factories.uid()}S-2025",
            "title": "某食品企业标准", "products_text": "测试食品",
            "indicators": [{"name": "铅(以Pb计)", "unit": "mg/kg", "requirement_kind": "max", "upper": 0.15}]}
    r = client.post("/api/v1/declarations", json=body, headers=ent_h)
    assert r.status_code == 201, r.text
    return r.json()["id"], ent_h["Authorization"][7:]


def test_cross_site_form_post_with_the_cookie_cannot_withdraw_a_declaration(client, db, login) -> None:
    decl_id, token = _declaration(db, login, client)
    client.cookies.set("zj_session", token)
    try:
        # what a hostile page's <form method=post action=".../withdraw"> sends: the cookie, a form body, no header
        r = client.post(f"/api/v1/declarations/{decl_id}/withdraw", data={"x": "1"},
                        headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and r.json()["code"] == "request.csrf", r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        bearer = {"Authorization": f"Bearer {token}"}
        before = client.get(f"/api/v1/declarations/{decl_id}", headers=bearer).json()["status"]
        assert before != "withdrawn"  # nothing happened
        r = client.post(f"/api/v1/declarations/{decl_id}/withdraw", headers={"X-CSRF-Token": "0" * 64})
        assert r.status_code == 403
        # the console's own call carries the token the console page renders (bound to the cookie)
        good = {"X-CSRF-Token": csrf_token_for("test-secret", token)}
        r = client.post(f"/api/v1/declarations/{decl_id}/withdraw", headers=good)
        assert r.status_code == 200 and r.json()["status"] == "withdrawn", r.text
    finally:
        client.cookies.clear()


def test_bearer_requests_need_no_csrf_token(client, login) -> None:
    h = login("regulator")
    assert client.post("/api/v1/auth/revoke", headers=h).status_code == 204


def test_authenticated_responses_are_not_cached(client, login) -> None:
    h = login("regulator")
    r = client.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    tok = h["Authorization"][7:]
    client.cookies.set("zj_session", tok)
    try:
        r = client.get("/console")
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        css = re.search(r'href="(/static/[^"]+\.css)"', r.text).group(1)  # the same for everyone: cacheable
        assert "no-store" not in client.get(css).headers.get("cache-control", "")
    finally:
        client.cookies.clear()
    assert "no-store" not in client.get("/").headers.get("cache-control", "")  # public pages stay cacheable


def test_login_response_setting_the_session_cookie_is_not_cached(client, db) -> None:
    with db.session() as s:
        name = factories.user(s, "regulator").username
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text).group(1)
    r = client.post("/login", data={"csrf_token": token, "username": name, "password": "correct horse 1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["cache-control"] == "no-store"
    client.cookies.clear()


def test_framing_is_refused_twice(client) -> None:
    r = client.get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_hsts_is_optional(sqlite_db, settings) -> None:
    with TestClient(create_app(sqlite_db, settings)) as c:
        assert "strict-transport-security" not in c.get("/healthz").headers
    with TestClient(create_app(sqlite_db, dataclasses.replace(settings, hsts=True))) as c:
        assert c.get("/healthz").headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_docs_have_a_csp_and_load_nothing_from_a_cdn(client) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    sources = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)", r.text)  # no inline script
    for s in sources:
        asset = client.get(s)
        assert asset.status_code == 200 and len(asset.content) > 100, s
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "zhijian 质检 API"
