"""Who may change a named query and its subscriptions (EPCIS 2.0 §8.2.6 `DELETE /queries/{name}`,
`/queries/{name}/subscriptions`): the organisation that saved it, and the platform's admin.

The finding: every change was guarded only by the read scope, so the city bureau that may *read* an enterprise's
named query (its division) could delete it with all its subscriptions, list those subscriptions (their webhook
`dest`, where a token often sits in the URL) and unsubscribe them. A reader now sees and removes only its own
subscriptions; the query and the others' subscriptions stay with their owner. And names were the platform's,
not the organisation's (see the third test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests import factories
from tests.conftest import BACKENDS
from tests.dbs import isolated_url
from tests.security.test_epcis_subscriptions import LD
from zhijian.platform import migrate
from zhijian.platform.db import Database


def _world(client, db: Database, login, receiver_url: str):  # type: ignore[no-untyped-def]
    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s, region="330106")
        bureau = factories.regulator(s, level="municipal", region="330100")
    owner, reader = {**login("enterprise", ent), **LD}, {**login("regulator", bureau), **LD}
    name = f"shipped_{uid}"
    assert client.post("/epcis/queries", json={"name": name, "query": {"EQ_bizStep": "shipping"}},
                       headers=owner).status_code == 201
    r = client.post(f"/epcis/queries/{name}/subscriptions", json={"dest": receiver_url, "stream": True}, headers=owner)
    assert r.status_code == 201, r.text
    return name, owner, reader, r.json()["subscriptionID"]


def test_a_reader_of_the_division_may_not_delete_the_enterprises_query(client, db: Database, login,
                                                                      allow_loopback) -> None:  # type: ignore[no-untyped-def]
    name, owner, reader, sub_id = _world(client, db, login, "http://127.0.0.1:9/hook?token=s3cret")
    assert client.get(f"/epcis/queries/{name}", headers=reader).status_code == 200  # it may read it (管辖)
    r = client.delete(f"/epcis/queries/{name}", headers=reader)
    assert r.status_code == 403, r.text  # was 204, and the query and its subscription were gone
    assert r.json()["type"].endswith("SecurityException")
    assert client.get(f"/epcis/queries/{name}", headers=owner).status_code == 200
    # the owner's subscription is neither listed to the bureau (its dest carries a token) nor removable by it
    listed = client.get(f"/epcis/queries/{name}/subscriptions", headers=reader)
    assert listed.status_code == 200 and listed.json() == [] and "s3cret" not in listed.text
    assert client.delete(f"/epcis/queries/{name}/subscriptions/{sub_id}", headers=reader).status_code == 404
    assert [s["subscriptionID"] for s in client.get(f"/epcis/queries/{name}/subscriptions",
                                                     headers=owner).json()] == [sub_id]


def test_the_reader_keeps_its_own_subscription_and_the_owner_and_admin_may_delete(client, db: Database, login,
                                                                                 allow_loopback) -> None:  # type: ignore[no-untyped-def]
    name, owner, reader, sub_id = _world(client, db, login, "http://127.0.0.1:9/owner")
    mine = client.post(f"/epcis/queries/{name}/subscriptions", json={"dest": "http://127.0.0.1:9/bureau",
                                                                      "stream": True}, headers=reader)
    assert mine.status_code == 201, mine.text  # a reader may subscribe (delivery runs in its own scope)
    bureau_sub = mine.json()["subscriptionID"]
    assert [s["subscriptionID"] for s in client.get(f"/epcis/queries/{name}/subscriptions",
                                                     headers=reader).json()] == [bureau_sub]
    assert sorted(s["subscriptionID"] for s in client.get(f"/epcis/queries/{name}/subscriptions",
                                                           headers=owner).json()) == sorted([sub_id, bureau_sub])
    assert sorted(s["subscriptionID"] for s in client.get(f"/epcis/queries/{name}/subscriptions",
                                                           headers=login("admin")).json()) == sorted([sub_id, bureau_sub])
    assert client.delete(f"/epcis/queries/{name}/subscriptions/{bureau_sub}", headers=reader).status_code == 204
    again = client.post(f"/epcis/queries/{name}/subscriptions", json={"dest": "http://127.0.0.1:9/bureau",
                                                                       "stream": True}, headers=reader)
    # the query's owner may end a reader's subscription too (deleting the query would end it anyway)
    assert client.delete(f"/epcis/queries/{name}/subscriptions/{again.json()['subscriptionID']}",
                         headers=owner).status_code == 204
    assert client.delete(f"/epcis/queries/{name}/subscriptions/{sub_id}", headers=login("admin")).status_code == 204
    assert client.delete(f"/epcis/queries/{name}", headers=owner).status_code == 204
    assert client.get(f"/epcis/queries/{name}", headers=owner).status_code == 404


def test_two_organisations_each_keep_a_query_of_one_name(client, db: Database, login,
                                                         allow_loopback) -> None:  # type: ignore[no-untyped-def]
    """Names were unique across the platform: the second enterprise to save "shipped_…" got 409 "a query named …
    exists" — the name taken from it, and the first's query disclosed. Each organisation now has its own names."""
    uid = factories.uid()
    with db.session() as s:
        hz, gd = factories.enterprise(s, region="330106"), factories.enterprise(s, region="440305")
        bureau = factories.regulator(s, level="municipal", region="330100")
    h_hz, h_gd, h_bureau = ({**login(r, o), **LD} for r, o in (("enterprise", hz), ("enterprise", gd),
                                                                 ("regulator", bureau)))
    name = f"shipped_{uid}"
    for headers, step in ((h_hz, "shipping"), (h_gd, "receiving")):
        r = client.post("/epcis/queries", json={"name": name, "query": {"EQ_bizStep": step}}, headers=headers)
        assert r.status_code == 201, r.text  # the second was 409
    again = client.post("/epcis/queries", json={"name": name, "query": {}}, headers=h_hz)
    assert again.status_code == 409 and "本机构已有" in again.json()["detail"]
    assert client.get(f"/epcis/queries/{name}", headers=h_hz).json()["query"] == {"EQ_bizStep": ["shipping"]}
    assert client.get(f"/epcis/queries/{name}", headers=h_gd).json()["query"] == {"EQ_bizStep": ["receiving"]}
    assert [q["name"] for q in client.get("/epcis/queries", headers=h_gd).json()].count(name) == 1
    # the city bureau reads the one of its division; the admin, who reads both, is told the name is ambiguous
    assert client.get(f"/epcis/queries/{name}", headers=h_bureau).json()["query"] == {"EQ_bizStep": ["shipping"]}
    ambiguous = client.get(f"/epcis/queries/{name}", headers=login("admin"))
    assert ambiguous.status_code == 409 and "2 个机构" in ambiguous.json()["detail"]
    # a subscription belongs to its own organisation's query; deleting one query leaves the other
    sub = client.post(f"/epcis/queries/{name}/subscriptions", json={"dest": "http://127.0.0.1:9/gd", "stream": True},
                      headers=h_gd)
    assert sub.status_code == 201, sub.text
    assert client.get(f"/epcis/queries/{name}/subscriptions", headers=h_hz).json() == []
    assert client.delete(f"/epcis/queries/{name}", headers=h_hz).status_code == 204
    assert client.get(f"/epcis/queries/{name}", headers=h_gd).status_code == 200
    assert [s["subscriptionID"] for s in client.get(f"/epcis/queries/{name}/subscriptions",
                                                     headers=h_gd).json()] == [sub.json()["subscriptionID"]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_revision_gives_subscriptions_their_query_and_goes_back(backend: str, tmp_path: Path) -> None:
    """Revision e2b6c9d4a7f1 on each real database: a stored subscription gets its query's id, one whose query is
    gone is deleted; after it two organisations share a name, and the downgrade renames the later one
    (`<name>-<id>`, its subscription with it) so that names are unique again."""
    with isolated_url(backend, tmp_path) as url:
        migrate.upgrade(url, "a4c7e9f2d1b6")
        db = Database(url)
        try:
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO epcis_named_query (id, name, params, owner_id, created_at) "
                                  "VALUES (7, 'shipped', '{}', 41, '2026-03-15 00:00:00')"))
                for sid, qname in (("s-kept", "shipped"), ("s-orphan", "gone")):
                    conn.execute(text(
                        "INSERT INTO epcis_subscription (id, query_name, dest, signature_token, stream, "
                        "report_if_empty, last_event_pk, last_status, owner_id, created_at) VALUES (:id, :q, "
                        "'https://example.org/h', '', TRUE, FALSE, 0, '', 41, '2026-03-15 00:00:00')"),
                        {"id": sid, "q": qname})
            migrate.upgrade(url)
            with db.engine.begin() as conn:
                assert [tuple(r) for r in conn.execute(text("SELECT id, query_id FROM epcis_subscription"))] == [
                    ("s-kept", 7)]
                assert conn.scalar(text("SELECT owner_key FROM epcis_named_query WHERE id = 7")) == 41
                conn.execute(text("INSERT INTO epcis_named_query (id, name, params, owner_id, owner_key, created_at) "
                                  "VALUES (8, 'shipped', '{}', 42, 42, '2026-03-16 00:00:00')"))
                conn.execute(text(
                    "INSERT INTO epcis_subscription (id, query_id, query_name, dest, signature_token, stream, "
                    "report_if_empty, last_event_pk, last_status, owner_id, created_at) VALUES ('s-other', 8, "
                    "'shipped', 'https://example.org/h', '', TRUE, FALSE, 0, '', 42, '2026-03-16 00:00:00')"))
            migrate.downgrade(url, "a4c7e9f2d1b6")
            with db.engine.connect() as conn:
                names = sorted(tuple(r) for r in conn.execute(text("SELECT id, name FROM epcis_named_query")))
                subs = sorted(tuple(r) for r in conn.execute(text("SELECT id, query_name FROM epcis_subscription")))
            assert names == [(7, "shipped"), (8, "shipped-8")]
            assert subs == [("s-kept", "shipped"), ("s-other", "shipped-8")]
        finally:
            db.dispose()


def test_ten_concurrent_saves_of_one_name_store_one_query(app, client, db: Database, login) -> None:  # type: ignore[no-untyped-def]
    """Ten requests of one enterprise saving one name at once, through a real HTTP server: one 201, nine 409
    problem+json, one row (the unique (owner_key, name) decides, not the check before it)."""
    from sqlalchemy import func, select

    from tests.platform.live import fire, live_server
    from zhijian.trace.models import NamedQuery

    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s)
    headers = {**login("enterprise", ent), **LD}
    name = f"race_{uid}"
    with live_server(app) as base:
        answers = fire(10, lambda c: c.post("/epcis/queries", json={"name": name, "query": {"EQ_bizStep": "shipping"}},
                                            headers=headers), base)
    assert sorted(a.status_code for a in answers) == [201] + [409] * 9, [a.text[:200] for a in answers]
    assert all(a.headers["content-type"].startswith("application/problem+json") for a in answers if a.status_code == 409)
    with db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(NamedQuery).where(NamedQuery.name == name)) == 1
