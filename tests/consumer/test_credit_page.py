"""Issue 15, finding 2: the enterprise's own credit page (/console/credit/{id}) crashed with
"'cert_kinds' is undefined" (web/_certs.html) for staff and the enterprise alike once the enterprise held a
certificate. Every role that may see the page gets it rendered with the certificate's kind in Chinese."""

from __future__ import annotations

import datetime as dt
import random

from tests import factories
from tests.web.test_pages import web_login
from zhijian.consumer import service
from zhijian.consumer.schemas import CertificateIn
from zhijian.platform.auth import SYSTEM


def test_credit_page_with_certificates_for_every_role_that_may_see_it(client, db):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        other = factories.enterprise(s)
        number = f"2024010{random.randrange(10**8, 10**9)}"
        service.create_certificate(s, SYSTEM, CertificateIn(
            number=number, kind="CCC", holder_name=ent.name, holder_uscc=ent.uscc, body_name="中国质量认证中心",
            scope="电热水壶", issued_on=dt.date(2024, 3, 1), valid_until=dt.date(2029, 2, 28)))
        service.recompute_credit(s, SYSTEM, enterprise_ids=[ent.id])
        eid, oid = ent.id, other.id
    for role, org in (("regulator", None), ("association", None), ("enterprise", ent)):
        client.cookies.clear()
        web_login(client, db, role, org)
        r = client.get(f"/console/credit/{eid}")
        assert r.status_code == 200, (role, r.text[:500])
        assert number in r.text and "强制性产品认证（CCC）" in r.text
    # another enterprise may not see it
    client.cookies.clear()
    with db.session(SYSTEM) as s:
        from zhijian.catalog.models import Organization

        other_org = s.get(Organization, oid)
    web_login(client, db, "enterprise", other_org)
    assert client.get(f"/console/credit/{eid}").status_code == 403
