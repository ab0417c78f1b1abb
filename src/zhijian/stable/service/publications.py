"""Published documents (公告文件): an announcement's PDF or Excel and the Atom feed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.errors import DomainError
from zhijian.stable import documents
from zhijian.stable.models import (
    Announcement,
)
from zhijian.stable.service.announcements import (
    announcement_items,
    announcement_label,
    get_announcement,
    list_announcements,
)
from zhijian.stable.service.policy import CHINA


def announcement_url(base_url: str, ann: Announcement) -> str:
    return f"{base_url.rstrip('/')}/stable/announcements/{ann.year}/{ann.number}"


def announcement_doc(session: Session, ann: Announcement, base_url: str = "") -> documents.AnnouncementDoc:
    rows = tuple(documents.Row(r.certificate_no, r.enterprise_name, r.product_name, r.brand, r.model, r.category_name,
                               r.basis, r.revocation_reason if ann.kind == "revocation" else "")
                 for r in announcement_items(session, ann))
    published = ann.published_at.astimezone(CHINA).date() if ann.published_at else None
    return documents.AnnouncementDoc(announcement_label(ann), ann.kind, ann.title, ann.body, published,
                                     ann.valid_from, ann.valid_until, rows,
                                     announcement_url(base_url, ann) if base_url and ann.year else "")


def announcement_file(session: Session, actor: Actor, ann_id: int, fmt: str, base_url: str = "") -> bytes:
    """公告的 PDF 或 Excel 文件 (drafts only for the association, as a preview)."""
    ann = get_announcement(session, actor, ann_id)
    doc = announcement_doc(session, ann, base_url)
    if fmt == "pdf":
        return documents.announcement_pdf(doc)
    if fmt == "xlsx":
        return documents.announcement_xlsx(doc)
    raise DomainError("stable.bad_format", f"不支持的格式：{fmt}（pdf 或 xlsx）", f"unsupported format: {fmt} (pdf or xlsx)",
                      field="format")


def atom_feed(session: Session, base_url: str) -> bytes:
    entries = []
    for ann in list_announcements(session, SYSTEM)[:50]:
        url = announcement_url(base_url, ann)
        n = len(announcement_items(session, ann))
        what = "列入" if ann.kind == "listing" else "撤销"
        entries.append(documents.FeedEntry(url, f"{ann.title}（{announcement_label(ann)}）",
                                           f"{what}产品 {n} 个。", ann.published_at or dt.datetime.now(dt.UTC),
                                           url + ".pdf"))
    return documents.atom_feed(base_url.rstrip("/"), entries)
