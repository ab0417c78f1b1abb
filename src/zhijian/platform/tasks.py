"""Platform background jobs."""

from __future__ import annotations

from typing import Any

from zhijian.platform import audit
from zhijian.platform.db import Database
from zhijian.platform.jobs import job


@job("platform.audit_verify", every_seconds=24 * 3600)
def audit_verify(db: Database) -> dict[str, Any]:
    """Nightly re-check of the audit chain; the result is kept on the job row."""
    with db.session() as s:
        problems = audit.verify(s)
    return {"ok": not problems, "problems": [p.__dict__ for p in problems]}
