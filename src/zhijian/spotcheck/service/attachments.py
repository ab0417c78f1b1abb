"""Sampling attachments (抽样照片、封条、文书): stored by SHA-256, served only to the regulator, the labs and the
enterprise of the batch, and re-checked against their hash when opened."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, get_or_404
from zhijian.platform.errors import DomainError, NotFound
from zhijian.spotcheck.models import (
    Attachment,
    Batch,
)
from zhijian.spotcheck.service.batches import get_batch
from zhijian.spotcheck.service.policy import may_see_attachments, plan_of, require_sampler

# ---------------------------------------------------------------- attachments (SHA-256, served only to those allowed)

MAX_ATTACHMENT = 20 * 1024 * 1024


def _store_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "spotcheck" / "attachments"


def add_attachment(session: Session, actor: Actor, batch_id: int, *, filename: str, content_type: str, data: bytes,
                   kind: str, var_dir: Path) -> Attachment:
    batch = get_batch(session, actor, batch_id)
    require_sampler(actor, batch, plan_of(session, batch))
    if kind not in ("photo", "seal", "document"):
        raise DomainError("spotcheck.bad_kind", "附件类型应为 photo、seal 或 document", "kind must be photo, seal or document",
                          field="kind")
    if not data:
        raise DomainError("spotcheck.empty_file", "附件为空", "the file is empty", field="file")
    if len(data) > MAX_ATTACHMENT:
        raise DomainError("spotcheck.file_too_large", "附件超过 20 MB", "the file is larger than 20 MB", field="file")
    digest = hashlib.sha256(data).hexdigest()
    target = _store_dir(var_dir) / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    name = Path(filename or "file").name[:200] or "file"
    att = Attachment(batch_id=batch.id, kind=kind, filename=name, content_type=(content_type or "application/octet-stream")[:100],
                     size=len(data), sha256=digest, uploaded_by=actor.label)
    return added(session, att, "attachment")


def list_attachments(session: Session, actor: Actor, batch_id: int) -> list[Attachment]:
    batch = get_batch(session, actor, batch_id)
    if not may_see_attachments(session, actor, batch):
        return []
    return list(session.scalars(select(Attachment).where(Attachment.batch_id == batch_id).order_by(Attachment.id)))


def open_attachment(session: Session, actor: Actor, attachment_id: int, var_dir: Path) -> tuple[Attachment, bytes]:
    """Serve a file only to the regulator, the labs and the enterprise of the batch; the hash is re-checked."""
    att = get_or_404(session, Attachment, attachment_id, "attachment")
    batch = session.get(Batch, att.batch_id)
    if batch is None or not may_see_attachments(session, actor, batch):
        raise NotFound("attachment", attachment_id)
    path = _store_dir(var_dir) / att.sha256[:2] / att.sha256
    data = path.read_bytes() if path.exists() else b""
    if hashlib.sha256(data).hexdigest() != att.sha256:
        raise DomainError("spotcheck.attachment_corrupt", "附件文件缺失或已被篡改（SHA-256 不符）",
                          "attachment file is missing or was altered (SHA-256 mismatch)", status=500)
    return att, data
