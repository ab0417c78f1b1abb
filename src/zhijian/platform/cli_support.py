"""What every room's cli.py uses: the database for a command, JSON output, one-line errors (exit 2)."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from sqlalchemy.orm import Session

from zhijian.platform.auth import SYSTEM, Actor
from zhijian.platform.db import Database, get_database
from zhijian.platform.errors import DomainError, as_domain_error

F = TypeVar("F", bound=Callable[..., Any])


def database() -> Database:
    return get_database(os.environ.get("ZHIJIAN_DATABASE_URL") or None)


@contextmanager
def unit_of_work(actor: Actor = SYSTEM) -> Iterator[Session]:
    """One transaction per command, acting as the system (CLI users are operators)."""
    with database().session(actor) as session:
        yield session


def emit(data: Any, as_json: bool, human: Callable[[Any], str] | None = None) -> None:
    if as_json or human is None:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(human(data))


def counted(message: str, work: Callable[[Session], int]) -> None:
    """Run ``work`` in one unit of work and print ``message`` with its count in place of ``{n}``."""
    with unit_of_work() as session:
        n = work(session)
    typer.echo(message.format(n=n))


def fail(code: str, zh: str, en: str, field: str | None = None) -> DomainError:
    return DomainError(code, zh, en, field=field)


def guarded(fn: F) -> F:
    """Turn a DomainError (or any bad input) into one clear line on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except FileNotFoundError as err:
            typer.echo(f"错误 file.not_found: 找不到文件 / file not found: {err.filename}", err=True)
            raise typer.Exit(2) from None
        except Exception as err:
            domain = as_domain_error(err)  # a DomainError, or a room's error of the same shape (stats)
            if domain is not None:
                typer.echo(domain.one_line(), err=True)
                raise typer.Exit(2) from None
            if os.environ.get("ZHIJIAN_DEBUG"):  # last resort: still one line, never a traceback
                raise
            typer.echo(f"错误 internal: {err.__class__.__name__}: {err}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def guard_all(app: typer.Typer) -> None:
    """Wrap every command of the tree (rooms register plain functions)."""
    for info in app.registered_commands:
        if info.callback is not None and not getattr(info.callback, "__zj_guarded__", False):
            info.callback = guarded(info.callback)
            info.callback.__zj_guarded__ = True  # type: ignore[attr-defined]
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_all(group.typer_instance)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
