"""Certificates (证书): public verification of a certificate number and its PDF."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.errors import NotFound
from zhijian.stable import documents, rules
from zhijian.stable.models import Listing
from zhijian.stable.schemas import VerificationOut
from zhijian.stable.service.announcements import listing_state
from zhijian.stable.service.listings import _announcement_no


def listing_by_certificate(session: Session, certificate_no: str) -> Listing:
    row = session.scalar(select(Listing).where(Listing.certificate_no == certificate_no.strip().upper()))
    if row is None or row.status == "pending":
        raise NotFound("certificate", certificate_no)
    return row


def verify_certificate(session: Session, certificate_no: str, on: dt.date | None = None) -> VerificationOut:
    """证书验证 — valid / under review / expired / revoked, and why: the API's own answer model, which the public
    page and the CLI show too (one shape, not a dataclass repeating it field for field)."""
    row = listing_by_certificate(session, certificate_no)
    state = listing_state(row, on)
    why = {"valid": f"列入{_announcement_no(session, row.announcement_id)}公告，有效期至 {row.valid_until}",
           "under_review": f"资格复核中：{row.flag_reason}",
           "expired": f"有效期已于 {row.valid_until} 届满",
           "revoked": f"资格已撤销：{row.revocation_reason}"}.get(state, "")
    return VerificationOut(
        certificate_no=row.certificate_no, state=state, state_zh=rules.STATE_ZH[state], reason=why,
        enterprise=row.enterprise_name, product=row.product_name, brand=row.brand, model=row.model,
        category=row.category_name, valid_from=row.valid_from, valid_until=row.valid_until,
        announcement_no=_announcement_no(session, row.announcement_id),
        revocation_announcement_no=_announcement_no(session, row.revocation_announcement_id),
        revoked_at=row.revoked_at, flagged_at=row.flagged_at if row.flagged else None)


def verify_url(base_url: str, certificate_no: str) -> str:
    return f"{base_url.rstrip('/')}/stable/verify/{certificate_no}"


def certificate_file(session: Session, certificate_no: str, base_url: str) -> bytes:
    """证书 PDF of a published listing (public: the certificate is shown to buyers anyway)."""
    row = listing_by_certificate(session, certificate_no)
    doc = documents.CertificateDoc(row.certificate_no, row.enterprise_name, row.product_name, row.brand, row.model,
                                   row.category_name, _announcement_no(session, row.announcement_id) or "—",
                                   row.valid_from, row.valid_until, verify_url(base_url, row.certificate_no))
    return documents.certificate_pdf(doc)
