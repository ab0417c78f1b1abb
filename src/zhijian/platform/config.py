"""Settings from environment variables (never from the repo): one frozen object, read once."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """All configuration of one zhijian process. Documented in README.md (配置)."""

    database_url: str
    var_dir: Path
    secret_key: str
    token_ttl_minutes: int = 8 * 60
    redis_url: str | None = None
    jobs_backend: str = "inprocess"  # inprocess | redis
    job_queue: str = "zhijian"  # the RQ queue: one per installation sharing a Redis (a worker runs what it finds)
    scheduler: bool = True  # run the periodic jobs from this process (their runs are claimed in the database)
    public_rate_limit: int = 120  # requests per minute per client on public endpoints
    max_body_bytes: int = 10 * 1024 * 1024
    resolver_host: str = "id.zhijian.example"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "noreply@zhijian.example"
    cookie_secure: bool = False
    log_json: bool = True
    access_log: bool = True
    trusted_proxies: str = ""  # addresses/CIDRs whose X-Forwarded-For is believed (default: none)
    hsts: bool = False  # send Strict-Transport-Security (only behind HTTPS)
    login_lock_after: int = 10  # failed logins of one account before it is locked
    login_lock_minutes: int = 15
    audit_keys: str | None = None  # "kid:base64key,kid2:base64key" (the last one signs new records)
    audit_signing_key: str | None = None  # Ed25519 private key: PEM file path or base64 of 32 raw bytes
    # portal footer (网站标识): 主办单位, ICP 备案号 and 政府网站标识码 (GB/T 33476 / 国办发〔2017〕47号); "" shows a placeholder
    site_sponsor: str = ""
    site_icp: str = ""
    site_gov_code: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def default_sqlite_url(var_dir: Path) -> str:
    return f"sqlite:///{(var_dir / 'zhijian.sqlite3').resolve()}"


def _local_secret(var_dir: Path) -> str:
    """Without ZHIJIAN_SECRET_KEY: one random key kept in `$ZHIJIAN_VAR_DIR/secret_key` (0600), shared by every
    process of this installation and kept across restarts — a per-process key made sessions, CSRF tokens and the
    Idempotency-Key hashes change at a restart, so a retry after a crash did its work twice. Production sets the
    variable (docs/SECURITY.md); a directory that cannot be written falls back to a per-process key."""
    path = var_dir / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip() or secrets.token_urlsafe(32)
    except FileNotFoundError:
        pass
    except OSError:
        return secrets.token_urlsafe(32)
    key = secrets.token_urlsafe(32)
    try:
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # exactly one process creates it
    except FileExistsError:
        return path.read_text(encoding="ascii").strip() or key
    except OSError:
        return key
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
        f.flush()
        os.fsync(f.fileno())
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    var_dir = Path(_env("ZHIJIAN_VAR_DIR", "./var") or "./var")
    secret = _env("ZHIJIAN_SECRET_KEY") or _local_secret(var_dir)
    redis_url = _env("ZHIJIAN_REDIS_URL")
    return Settings(
        database_url=_env("ZHIJIAN_DATABASE_URL") or default_sqlite_url(var_dir),
        var_dir=var_dir,
        secret_key=secret,
        token_ttl_minutes=int(_env("ZHIJIAN_TOKEN_TTL_MINUTES", "480") or 480),
        redis_url=redis_url,
        jobs_backend=_env("ZHIJIAN_JOBS_BACKEND", "redis" if redis_url else "inprocess") or "inprocess",
        job_queue=_env("ZHIJIAN_JOB_QUEUE", "zhijian") or "zhijian",
        scheduler=(_env("ZHIJIAN_SCHEDULER", "1") == "1"),
        public_rate_limit=int(_env("ZHIJIAN_PUBLIC_RATE_LIMIT", "120") or 120),
        max_body_bytes=int(_env("ZHIJIAN_MAX_BODY_BYTES", str(10 * 1024 * 1024)) or 0),
        resolver_host=_env("ZHIJIAN_RESOLVER_HOST", "id.zhijian.example") or "id.zhijian.example",
        smtp_host=_env("ZHIJIAN_SMTP_HOST"),
        smtp_port=int(_env("ZHIJIAN_SMTP_PORT", "25") or 25),
        smtp_sender=_env("ZHIJIAN_SMTP_SENDER", "noreply@zhijian.example") or "noreply@zhijian.example",
        cookie_secure=(_env("ZHIJIAN_COOKIE_SECURE", "0") == "1"),
        log_json=(_env("ZHIJIAN_LOG_JSON", "1") == "1"),
        access_log=(_env("ZHIJIAN_ACCESS_LOG", "1") == "1"),
        trusted_proxies=_env("ZHIJIAN_TRUSTED_PROXIES", "") or "",
        hsts=(_env("ZHIJIAN_HSTS", "0") == "1"),
        login_lock_after=int(_env("ZHIJIAN_LOGIN_LOCK_AFTER", "10") or 10),
        login_lock_minutes=int(_env("ZHIJIAN_LOGIN_LOCK_MINUTES", "15") or 15),
        audit_keys=_env("ZHIJIAN_AUDIT_KEYS") or (f"k1:{_env('ZHIJIAN_AUDIT_KEY')}" if _env("ZHIJIAN_AUDIT_KEY")
                                                   else None),
        audit_signing_key=_env("ZHIJIAN_AUDIT_SIGNING_KEY"),
        site_sponsor=_env("ZHIJIAN_SITE_SPONSOR", "") or "",
        site_icp=_env("ZHIJIAN_SITE_ICP", "") or "",
        site_gov_code=_env("ZHIJIAN_SITE_GOV_CODE", "") or "",
    )
