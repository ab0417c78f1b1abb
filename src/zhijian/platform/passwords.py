"""密码策略 — pure password rules (OWASP ASVS 4.0 V2.1): length, a shipped common-password list, no username.

The list is `data/common-passwords.txt` (30,000 entries; source and licence in `data/README.md`).
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from zhijian.platform.errors import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 256
_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _LIST.read_text(encoding="utf-8").splitlines() if line.strip())


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def check_password(password: str, username: str | None = None) -> None:
    """Refuse a weak password with a message that says which rule it breaks (code user.weak_password)."""
    length = len(password)
    if length < MIN_LENGTH:
        raise DomainError("user.weak_password", f"密码至少 {MIN_LENGTH} 个字符（现为 {length} 个）",
                          f"password must have at least {MIN_LENGTH} characters (has {length})", field="password")
    if length > MAX_LENGTH:
        raise DomainError("user.weak_password", f"密码最多 {MAX_LENGTH} 个字符", f"password may have at most "
                          f"{MAX_LENGTH} characters", field="password")
    norm = _norm(password)
    if norm in common_passwords() or norm.strip() in common_passwords():
        raise DomainError("user.common_password", "该密码属于最常见密码，请换一个",
                          "this password is one of the most common passwords; choose another", field="password")
    if len(set(norm)) < 3:
        raise DomainError("user.weak_password", "密码不能只由一两个重复字符组成",
                          "password must not repeat one or two characters only", field="password")
    if username and len(username) >= 3 and _norm(username) in norm:
        raise DomainError("user.password_contains_username", "密码不能包含用户名",
                          "password must not contain the username", field="password")
