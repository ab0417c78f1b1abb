"""The statistics room's own error (统计输入错误), so that the pure room imports nothing of the platform.

`StatsError` carries what a platform `DomainError` carries — a stable ``stats.*`` code, a zh-CN and an English
message, the bad field and extra facts — and the platform maps it exactly like one (problem+json 422 in the API,
one line and exit 2 in the CLI, `rooms.call` answering its default): see `zhijian.platform.errors.as_domain_error`.
A `ValueError`, because that is what bad numbers are to any other Python caller.
"""

from __future__ import annotations

from typing import Any


class StatsError(ValueError):
    """Bad input to a statistics function: names the field and says what is wrong, in Chinese and English."""

    status: int = 422

    def __init__(self, code: str, message_zh: str, message_en: str, *, field: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field
        self.extra: dict[str, Any] = dict(extra or {})

    def one_line(self) -> str:
        """The CLI's line, the same as a DomainError's."""
        where = f" [{self.field}]" if self.field else ""
        return f"错误 {self.code}{where}: {self.message_zh} / {self.message_en}"
