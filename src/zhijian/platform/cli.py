"""The `zhijian` command: platform commands plus every room's commands (registered from cli.py)."""

from __future__ import annotations

from typing import Any

import typer

from zhijian.platform import audit, migrate
from zhijian.platform.auth import SYSTEM
from zhijian.platform.calendar_cli import calendar_app
from zhijian.platform.cli_support import database, emit, guard_all, unit_of_work
from zhijian.platform.config import get_settings
from zhijian.platform.errors import DomainError, validated
from zhijian.platform.identity.schemas import UserIn
from zhijian.platform.rooms import modules

app = typer.Typer(help="zhijian 质检 — 产品质量检验与市场安全监管平台", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="数据库迁移 / database migrations", no_args_is_help=True)
user_app = typer.Typer(help="用户 / users", no_args_is_help=True)
audit_app = typer.Typer(help="审计链 / audit chain", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(calendar_app, name="calendar")


@db_app.command("upgrade")
def db_upgrade(target: str = typer.Argument("heads")) -> None:
    """Apply migrations (default: every room's head)."""
    migrate.upgrade(database().url, target)
    typer.echo(f"database upgraded to {target}: {database().backend}")


@db_app.command("downgrade")
def db_downgrade(target: str = typer.Argument("base")) -> None:
    migrate.downgrade(database().url, target)
    typer.echo(f"database downgraded to {target}")


@db_app.command("revision")
def db_revision(room: str = typer.Option(..., help="room whose branch gets the revision"),
                message: str = typer.Option(..., "-m", "--message")) -> None:
    """Autogenerate a migration on a room's branch (developers)."""
    migrate.revision(database().url, room, message)


@db_app.command("distribute")
def db_distribute(shards: int = typer.Option(32, help="分片数 / shards of each co-location group (Citus)")) -> None:
    """分布式表 — on a Citus coordinator, distribute the tables each room declares (zhijian.<room>.scaling);
    idempotent: a second run says what is already distributed and changes nothing (docs/SCALING.md)."""
    from zhijian.platform.distribute import distribute

    for outcome in distribute(database().engine, shards=shards):
        typer.echo(outcome.line())


@user_app.command("add")
def user_add(username: str = typer.Option(...), password: str = typer.Option(..., envvar="ZHIJIAN_NEW_PASSWORD"),
             role: str = typer.Option(...), organization: str | None = typer.Option(
                 None, help="organization id, credit code or exact name"),
             display_name: str = typer.Option("")) -> None:
    """添加用户."""
    from zhijian.platform.identity.service import create_user, find_organization

    with unit_of_work() as s:
        org_id = find_organization(s, organization).id if organization else None
        data = _user_in(username=username, password=password, role=role, organization_id=org_id,
                        display_name=display_name)
        user = create_user(s, SYSTEM, data)
        typer.echo(f"user {user.username} ({user.role}) created, id {user.id}")


def _user_in(**fields: Any) -> UserIn:
    """The command's options as a `UserIn`; a bad value is one DomainError naming the option (exit 2)."""
    return validated(UserIn, fields, zh="参数「{field}」无效：{msg}")


@user_app.command("deactivate")
def user_deactivate(username: str = typer.Argument(..., help="the user's name")) -> None:
    """停用用户 — its tokens stop working at once; the last active admin cannot be deactivated."""
    from zhijian.platform.identity.service import deactivate_user, find_user_id

    with unit_of_work() as s:
        deactivate_user(s, SYSTEM, find_user_id(s, username))
    typer.echo(f"user {username} deactivated")


@user_app.command("passwd")
def user_passwd(username: str = typer.Argument(..., help="the user's name"),
                reset: bool = typer.Option(False, "--reset", help="the user must change it at the next login"),
                password: str = typer.Option(..., envvar="ZHIJIAN_NEW_PASSWORD", prompt="新密码 / new password",
                                             hide_input=True, confirmation_prompt=True,
                                             help="the new password (prompted when absent)")) -> None:
    """设置密码 — the new password (policy applies); every session and token of the user is revoked; audited.
    `--reset`: an administrator's reset — the user must choose its own password at the next login."""
    from zhijian.platform.identity.credentials import reset_password
    from zhijian.platform.identity.service import find_user_id

    with unit_of_work() as s:
        change = reset_password(s, SYSTEM, find_user_id(s, username), password, must_change=reset)
    typer.echo(f"password of {username} set; {change.revoked} session(s) revoked"
               + ("; must change at next login" if reset else ""))


@user_app.command("mfa-remove")
def user_mfa_remove(username: str = typer.Argument(..., help="the user's name")) -> None:
    """取消双因素 — remove a user's two-factor authentication (lost device and codes); audited."""
    from zhijian.platform.identity.credentials import remove_second_factor
    from zhijian.platform.identity.service import find_user_id

    with unit_of_work() as s:
        removed = remove_second_factor(s, SYSTEM, find_user_id(s, username))
    typer.echo(f"two-factor authentication of {username} " + ("removed" if removed else "was not enabled"))


@audit_app.command("verify")
def audit_verify(json_out: bool = typer.Option(False, "--json"),
                 checkpoint: str | None = typer.Option(None, "--checkpoint", help="a signed checkpoint file"),
                 public_key: str | None = typer.Option(
                     None, "--public-key", help="trusted Ed25519 public key (file or base64); default: the "
                     "configured signing key's")) -> None:
    """Recompute the keyed chain (and check it still holds a signed checkpoint); name every edited, inserted
    or deleted record (exit 1 if any)."""
    import json as _json
    from pathlib import Path

    from sqlalchemy import func, select

    from zhijian.platform.audit_keys import configured_signing_key
    from zhijian.platform.models import AuditRecord

    cp = None
    if checkpoint is not None:
        try:
            cp = _json.loads(Path(checkpoint).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DomainError("audit.bad_checkpoint", f"无法读取检查点文件：{checkpoint}",
                              f"cannot read checkpoint file: {checkpoint}", field="checkpoint") from exc
    with unit_of_work() as s:
        problems = audit.verify(s)
        if cp is not None:
            trusted = public_key or configured_signing_key().public_key()
            problems += audit.verify_against_checkpoint(s, cp, trusted)
        count = s.scalar(select(func.count()).select_from(AuditRecord)) or 0
    data = {"ok": not problems, "records": count, "problems": [p.__dict__ for p in problems],
            "checkpoint": {"seq": cp.get("seq"), "at": cp.get("at")} if cp else None}

    def text(d: dict[str, Any]) -> str:
        if d["ok"]:
            extra = f", checkpoint of {d['checkpoint']['at']} (record {d['checkpoint']['seq']}) holds" \
                if d["checkpoint"] else ""
            return f"audit chain OK: {d['records']} records{extra}"
        return "\n".join(f"audit chain BROKEN at record {p['seq']}: {p['kind']} ({p['detail']})"
                         for p in d["problems"])

    emit(data, json_out, text)
    if problems:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(out: str | None = typer.Option(None, "--out", help="write the checkpoint to this file")) -> None:
    """Sign a checkpoint (chain head, count, time) with the Ed25519 key; keep copies outside the database host."""
    import json as _json

    from zhijian.platform.audit_keys import configured_signing_key
    from zhijian.platform.files import write_bytes

    with unit_of_work() as s:
        cp = audit.make_checkpoint(s, configured_signing_key())
    text = _json.dumps(cp, ensure_ascii=False, indent=2) + "\n"
    if out:
        write_bytes(out, text.encode("utf-8"))  # atomic: never a half-written checkpoint
        typer.echo(f"checkpoint of {cp['count']} records (head {cp['seq']}) written to {out}")
    else:
        typer.echo(text, nl=False)


@audit_app.command("keygen")
def audit_keygen() -> None:
    """Print a fresh HMAC key and Ed25519 signing key (for ZHIJIAN_AUDIT_KEYS / ZHIJIAN_AUDIT_SIGNING_KEY)."""
    from zhijian.platform.audit_keys import load_private_key, new_hmac_key, new_signing_key, public_key_text

    signing = new_signing_key()
    typer.echo(f"ZHIJIAN_AUDIT_KEYS=k1:{new_hmac_key()}")
    typer.echo(f"ZHIJIAN_AUDIT_SIGNING_KEY={signing}")
    typer.echo(f"# public key (publish it; verify with --public-key): {public_key_text(load_private_key(signing).public_key())}")


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Print the public key that verifies this installation's checkpoints."""
    from zhijian.platform.audit_keys import configured_signing_key, public_key_text

    typer.echo(public_key_text(configured_signing_key().public_key()))


@app.command("demo")
def demo(seed: int = typer.Option(20260915, help="random seed of the demo data")) -> None:
    """Load the demo data (idempotent): organizations, products, standards, users of every role, and more."""
    from zhijian.platform.demo import load_demo

    summary = load_demo(database(), seed=seed)
    for line in summary:
        typer.echo(line)


@app.command("serve")
def serve(host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8000),
          workers: int = typer.Option(1), reload: bool = typer.Option(False)) -> None:
    """Serve the API, the public portal and the console."""
    import uvicorn

    typer.echo(f"zhijian serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run("zhijian.platform.app:serve_app", factory=True, host=host, port=port, workers=workers,
                reload=reload, log_level="warning",
                proxy_headers=False)  # X-Forwarded-For: only from ZHIJIAN_TRUSTED_PROXIES (ClientAddressMiddleware)


@app.command("worker")
def worker(burst: bool = typer.Option(False, help="stop when the queue is empty")) -> None:
    """Run background jobs from Redis (ZHIJIAN_REDIS_URL), from this installation's queue (ZHIJIAN_JOB_QUEUE)."""
    from zhijian.platform.jobs import rq_worker

    rq_worker(get_settings()).work(burst=burst)


for _room, _mod in modules("cli"):
    register = getattr(_mod, "register", None)
    if register is not None:
        register(app)
guard_all(app)


def main() -> None:
    app()
