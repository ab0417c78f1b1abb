"""API shapes of users and tokens (re-exported by ``zhijian.catalog.schemas``, where they lived first)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=256)
    role: Literal["admin", "regulator", "association", "inspector", "enterprise", "public"]
    organization_id: int | None = None
    display_name: str = ""
    email: str | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: str
    organization_id: int | None
    is_active: bool
    must_change_password: bool = Field(description="an administrator reset the password: the user must choose a "
                                       "new one before anything else (its token gets 403 until then)")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    role: str
    username: str
