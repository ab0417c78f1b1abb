"""The resolver's hot path (issue #23): every GS1 primary key is served by a plain Starlette route — no FastAPI
dependency solving, request-body parsing or response-model validation per scan — while the platform's middleware
(security headers, rate limits, 503 on an unreachable database) and every answer stay as they were."""

from __future__ import annotations

from starlette.routing import Route

from zhijian.trace import digital_link

JSON = {"accept": "application/json"}


def test_every_primary_key_is_a_plain_starlette_route(app):
    from fastapi.routing import APIRoute

    from zhijian.trace.pages import hot_router

    routes = [r for r in hot_router.routes if isinstance(r, Route) and r.path.split("/")[1] in
              digital_link.PRIMARY_KEYS]
    # GET/HEAD and OPTIONS for each key
    assert {r.path.split("/")[1] for r in routes} == set(digital_link.PRIMARY_KEYS)
    assert {m for r in routes for m in r.methods or ()} == {"GET", "HEAD", "OPTIONS"}
    assert [r.path for r in routes if isinstance(r, APIRoute)] == []


def test_lean_route_keeps_answers_headers_and_methods(client, lot):
    path = f"/01/{lot.gtin}/10/{lot.lot}/21/{lot.serials[0]}"
    first = client.get(path, headers=JSON)
    assert first.status_code == 200 and first.json()["answer"] == "genuine_first"
    assert first.headers["cache-control"] == "no-store"
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.headers["x-content-type-options"] == "nosniff"  # security headers still applied
    assert 'rel="linkset"' in first.headers["link"]
    assert client.get(path, headers=JSON).json()["answer"] == "genuine_repeat"
    assert client.head(path).status_code == 200
    opts = client.options(path)
    assert opts.status_code == 204 and "OPTIONS" in opts.headers["allow"]
    assert client.get(f"/01/{lot.gtin}/21/{lot.serials[0]}X", headers=JSON).status_code in (400, 404)
    linkset = client.get(path + "?linkType=linkset")
    assert linkset.headers["content-type"].startswith("application/linkset+json")
