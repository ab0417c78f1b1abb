"""The console's 赋码申请 form through the real app on every database: field errors in place, a batch made
by the same service as POST /api/v1/trace/batches, PINs to a one-time printer file, other enterprises' products refused."""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories
from tests.web.test_pages import csrf, web_login
from zhijian.trace.models import CodeBatch


def test_enterprise_orders_codes_through_the_console_form(client, db):
    with db.session() as s:
        ent = factories.enterprise(s)
        other = factories.enterprise(s)
        p = factories.product(s, ent, gtin=factories.new_gtin(), name="纯牛奶250mL")
        foreign = factories.product(s, other, gtin=factories.new_gtin())
        pid, fid = p.id, foreign.id
    web_login(client, db, "enterprise", ent)
    token = csrf(client, "/console/trace/batches/new")
    page = client.get("/console/trace/batches/new").text
    assert "纯牛奶250mL" in page and f'value="{fid}"' not in page

    r = client.post("/console/trace/batches/new", data={"csrf_token": token, "product_id": str(pid), "lot": "",
                                                        "quantity": "0"})
    assert r.status_code == 422
    assert 'id="lot-error"' in r.text and 'id="quantity-error"' in r.text and "数量至少为 1" in r.text
    assert 'value="纯牛奶' not in r.text and f'value="{pid}" selected' in r.text

    r = client.post("/console/trace/batches/new", data={"csrf_token": token, "product_id": str(fid),
                                                        "lot": "L1", "quantity": "3"})
    assert r.status_code == 403 and "只能为本企业的产品赋码" in r.text

    lot = "C" + factories.uid()[:6].upper()
    r = client.post("/console/trace/batches/new", data={"csrf_token": token, "product_id": str(pid), "lot": lot,
                                                        "quantity": "12", "expiry": "2027-05-31"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    with db.session() as s:
        batch = s.scalar(select(CodeBatch).where(CodeBatch.lot == lot))
        assert batch is not None and batch.quantity == 12 and batch.product_id == pid
        assert str(batch.expiry) == "2027-05-31"
    assert r.headers["location"] == f"/console/trace/batches/{batch.id}?saved=1"
    page = client.get(r.headers["location"]).text
    assert f'href="/api/v1/trace/batches/{batch.id}/codes.csv"' in page and lot in page
    csv = client.get(f"/api/v1/trace/batches/{batch.id}/codes.csv")
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 1 + 12

    lot2 = "P" + factories.uid()[:6].upper()
    r = client.post("/console/trace/batches/new", data={"csrf_token": token, "product_id": str(pid), "lot": lot2,
                                                        "quantity": "3", "with_pin": "1"})
    assert r.status_code == 200 and "pins.zip" in r.text  # issue 21: PINs to a one-time printer file, not on screen
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CodeBatch).where(CodeBatch.lot == lot2)) == 1


def test_non_enterprise_cannot_open_the_issuance_form(client, db):
    web_login(client, db, "regulator")
    assert client.get("/console/trace/batches/new").status_code == 403
