"""Issue #21 finding 13 (desk density): the credit list of every enterprise is a numbered, sortable page with a
page-size choice on the wide desk layout, not one table of every enterprise (4,400 px on the demo)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.web.test_pages import web_login
from zhijian.consumer import service
from zhijian.platform.app import create_app
from zhijian.platform.auth import SYSTEM


@pytest.fixture
def client(sqlite_db, settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(sqlite_db, dataclasses.replace(settings, public_rate_limit=0))) as c:
        yield c


def test_credit_list_is_paged_sorted_and_sized(client, sqlite_db):
    with sqlite_db.session(SYSTEM) as s:
        ids = [factories.enterprise(s).id for _ in range(25)]
        service.recompute_credit(s, SYSTEM, enterprise_ids=ids)
    web_login(client, sqlite_db, "regulator")
    first = client.get("/console/credit")
    assert first.status_code == 200
    assert '<body class="console wide">' in first.text  # the desk layout: no ~1,000 px column
    rows = re.findall(r'<tr><td><a href="/console/credit/(\d+)">', first.text)
    total = int(re.search(r"共 (\d+) 条", first.text).group(1))
    assert total >= 25 and len(rows) == 20  # 20 a page by default
    assert 'href="/console/credit?size=50"' in first.text and 'aria-sort="ascending"' in first.text
    second = client.get("/console/credit?page=2")
    assert set(re.findall(r'<tr><td><a href="/console/credit/(\d+)">', second.text)).isdisjoint(rows)
    by_name = client.get("/console/credit?sort=name&size=100").text
    names = re.findall(r'<tr><td><a href="/console/credit/\d+">([^<]+)</a>', by_name)
    assert len(names) == min(total, 100) and names == sorted(names)
    assert client.get("/console/credit?size=7").status_code == 422  # a size not offered is a named error
    assert client.get("/console/credit?sort=secret").status_code == 422
