"""Who may change a named query and its subscriptions (EPCIS 2.0 §8.2.6 `DELETE /queries/{name}`,
`/queries/{name}/subscriptions`): the organisation that saved it, and the platform's admin.

The finding: every change was guarded only by the read scope, so the city bureau that may *read* an enterprise's
named query (its division) could delete it with all its subscriptions, list those subscriptions (their webhook
`dest`, where a token often sits in the URL) and unsubscribe them. A reader now sees and removes only its own
subscriptions; the query and the others' subscriptions stay with their owner."""

from __future__ import annotations

from tests import factories
from tests.security.test_epcis_subscriptions import LD
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
