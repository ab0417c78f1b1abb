"""Platform background jobs."""

from __future__ import annotations

from typing import Any

from zhijian.platform import audit
from zhijian.platform import idempotency as _idempotency  # noqa: F401  (job platform.idempotency_purge)
from zhijian.platform.db import Database
from zhijian.platform.jobs import job


@job("platform.audit_verify", every_seconds=24 * 3600)
def audit_verify(db: Database) -> dict[str, Any]:
    """Nightly re-check of the audit chain; the result is kept on the job row."""
    with db.session() as s:
        problems = audit.verify(s)
    return {"ok": not problems, "problems": [p.__dict__ for p in problems]}


@job("platform.audit_checkpoint", every_seconds=24 * 3600)
def audit_checkpoint(db: Database, folder: str | None = None) -> dict[str, Any]:
    """Nightly signed checkpoint of the audit chain, after checking the chain still holds the previous one
    (a truncated tail shows here). Files: ZHIJIAN_VAR_DIR/audit-checkpoints/<database>/<seq>-<date>.json;
    copy them off the database host."""
    import hashlib
    import json
    from pathlib import Path

    from zhijian.platform.audit_keys import configured_signing_key
    from zhijian.platform.config import get_settings

    where = Path(folder) if folder else (get_settings().var_dir / "audit-checkpoints"
                                         / hashlib.sha256(db.url.encode()).hexdigest()[:12])
    key = configured_signing_key()
    previous = sorted(where.glob("*.json"))[-1:] if where.is_dir() else []
    with db.session() as s:
        if previous:
            problems = audit.verify_against_checkpoint(s, json.loads(previous[0].read_text(encoding="utf-8")),
                                                       key.public_key())
            if problems:
                return {"ok": False, "checked_against": str(previous[0]), "problems": [p.__dict__ for p in problems]}
        cp = audit.make_checkpoint(s, key)
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{cp['seq']:012d}-{cp['at'][:10]}.json"
    path.write_text(json.dumps(cp, ensure_ascii=False, indent=2), encoding="utf-8")
    return {"ok": True, "seq": cp["seq"], "count": cp["count"], "file": str(path)}
