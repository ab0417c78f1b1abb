"""Issue 15, certificate findings: no check of the CCC certificate's 5-year validity; 委托人, 生产者 and 生产企业 not
kept apart (the importer read 委托人 as the holder); 绿色食品 listed as a certification though it is a mark licence
(标志使用许可); the verification page did not say which register an entry came from or when it was refreshed."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests import factories
from zhijian.consumer import rules, service
from zhijian.consumer.schemas import CertificateIn
from zhijian.platform.auth import SYSTEM
from zhijian.platform.errors import DomainError


def test_ccc_validity_and_format_rules():
    assert rules.ccc_validity_exceeded(dt.date(2024, 3, 1), dt.date(2029, 3, 2))
    assert not rules.ccc_validity_exceeded(dt.date(2024, 3, 1), dt.date(2029, 3, 1))
    assert not rules.ccc_validity_exceeded(dt.date(2024, 2, 29), dt.date(2029, 2, 28))
    view = rules.CertView("2024010701234567", "CCC", "valid", "甲公司", None, "", (), dt.date(2024, 3, 1),
                          dt.date(2030, 3, 1), "中国质量认证中心", True, ("CCC",))
    v = rules.verify_certificate("2024010701234567", view, today=dt.date(2026, 1, 1))
    assert not v.valid and [f.code for f in v.findings] == ["validity_too_long"]
    assert rules.cert_category("green_food") == "mark_licence" and rules.cert_category("organic") == "certification"
    assert rules.CERT_KIND_ZH["green_food"] == "绿色食品标志使用许可"


def test_registration_refuses_bad_ccc_and_keeps_parties_apart(client, db):
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        name = ent.name
        base = dict(kind="CCC", holder_name=name, body_name="中国质量认证中心", issued_on=dt.date(2024, 3, 1))
        with pytest.raises(DomainError) as e:
            service.create_certificate(s, SYSTEM, CertificateIn(number="2024ABC", valid_until=dt.date(2029, 1, 1),
                                                                **base))
        assert e.value.code == "certificate.bad_format"
        number = f"2024{random.randrange(10**11, 10**12)}"
        with pytest.raises(DomainError) as e:
            service.create_certificate(s, SYSTEM, CertificateIn(number=number, valid_until=dt.date(2030, 3, 1),
                                                                **base))
        assert e.value.code == "certificate.ccc_validity"
        service.create_certificate(s, SYSTEM, CertificateIn(
            number=number, valid_until=dt.date(2029, 2, 28), applicant_name="乙贸易有限公司",
            producer_name="丙电器有限公司", factory_name="丁电器制造厂", register="CNCA 认证认可业务信息统一查询平台",
            refreshed_at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC), **base))
    page = client.get("/certificates/verify", params={"number": number}).text
    for text in ("乙贸易有限公司", "丙电器有限公司", "丁电器制造厂", "CNCA 认证认可业务信息统一查询平台", "2026-11-30",
                 "认证委托人", "生产企业（工厂）", "认证证书"):
        assert text in page, text
