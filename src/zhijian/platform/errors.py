"""Errors every adapter understands: a stable machine code and a zh-CN and English message.

The API renders them as RFC 9457 problem+json; the CLI prints one line and exits 2.
Rooms' pure rules may raise them: this module does no I/O. The statistics room raises its own ``StatsError``
(same fields), which ``as_domain_error`` maps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound="BaseModel")


class DomainError(Exception):
    """A failure the user can act on (错误): names what is wrong, never a traceback."""

    status: int = 422

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        status: int | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        if status is not None:
            self.status = status
        self.field = field
        self.extra = dict(extra or {})

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://zhijian.example/problems/{self.code}",
            "title": self.message_en,
            "status": self.status,
            "detail": self.message_zh,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }
        if self.field:
            body["field"] = self.field
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body

    def one_line(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"错误 {self.code}{where}: {self.message_zh} / {self.message_en}"


class NotFound(DomainError):
    status = 404

    def __init__(self, entity: str, key: object, *, field: str | None = None) -> None:
        super().__init__(
            f"{entity}.not_found",
            f"未找到{entity}：{key}",
            f"{entity} not found: {key}",
            field=field,
            extra={"entity": entity, "key": str(key)},
        )


class Conflict(DomainError):
    status = 409


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, message_zh: str = "无权执行此操作", message_en: str = "not allowed", *, code: str = "auth.forbidden") -> None:
        super().__init__(code, message_zh, message_en)


class Unauthenticated(DomainError):
    status = 401

    def __init__(self, message_zh: str = "需要登录", message_en: str = "authentication required") -> None:
        super().__init__("auth.unauthenticated", message_zh, message_en)


class InvalidTransition(DomainError):
    """A state change the workflow does not allow (非法状态转换)."""

    status = 409

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(
            f"{entity}.invalid_transition",
            f"{entity} 不能从「{current}」转到「{target}」",
            f"{entity} cannot go from '{current}' to '{target}'",
            extra={"current": current, "target": target},
        )


def as_domain_error(exc: BaseException) -> DomainError | None:
    """The DomainError an exception stands for: itself, or — for the error of a room the platform may not import
    (``zhijian.stats.errors.StatsError``, a ValueError with ``code``, ``message_zh``, ``message_en``, ``field``,
    ``extra``) — a DomainError with the same fields, so that the API, the CLI and ``rooms.call`` treat both alike.
    None for anything else."""
    if isinstance(exc, DomainError):
        return exc
    if not isinstance(exc, ValueError):
        return None
    code, zh, en = (getattr(exc, name, None) for name in ("code", "message_zh", "message_en"))
    if not (isinstance(code, str) and isinstance(zh, str) and isinstance(en, str)):
        return None
    field, extra, status = (getattr(exc, name, None) for name in ("field", "extra", "status"))
    err = DomainError(code, zh, en, status=status if isinstance(status, int) else None,
                      field=field if isinstance(field, str) else None, extra=extra if isinstance(extra, dict) else None)
    err.__cause__ = exc
    return err


def invalid(field: str, message_zh: str, message_en: str, *, code: str = "validation.invalid") -> DomainError:
    """Shorthand for a 422 naming the bad field."""
    return DomainError(code, message_zh, message_en, field=field)


def validation_error(exc: ValidationError, *, code: str = "validation.invalid", zh: str = "「{field}」无效：{msg}",
                     en: str = "'{field}' is invalid: {msg}") -> DomainError:
    """A Pydantic `ValidationError` as one DomainError naming its first error's field (the dotted location) — a bad
    option or row is one line (exit 2) or one 422, not a traceback. `zh` and `en` are templates of `{field}` and
    `{msg}` (Pydantic's message) for a caller that words it otherwise (the row of an import)."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    msg = first["msg"]
    return DomainError(code, zh.format(field=field, msg=msg), en.format(field=field, msg=msg), field=field)


def validated(model: type[M], data: Mapping[str, Any], **wording: str) -> M:
    """`model.model_validate(data)`, a `ValidationError` raised as `validation_error(exc, **wording)`."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, **wording) from None


class EarlyResponse(Exception):  # noqa: N818 — not an error: a page's answer given before its work starts
    """A page's early answer (the login page for a visitor, a 403 page for the wrong role), raised so every
    console handler starts with one line instead of a check-and-return; the app sends `response` as it is and
    the request's transaction is rolled back (nothing was written yet)."""

    def __init__(self, response: Any) -> None:
        super().__init__("early response")
        self.response = response
