"""What the sub-rooms' REST handlers share: the thin workflow steps stated as a table (`action_routes`, now
`platform.actions`, re-exported here), an uploaded Excel/CSV file read as rows (the required columns checked before
any row, all or nothing in the service) and a PDF answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from zhijian.platform.actions import Action, action_routes
from zhijian.platform.auth import Actor
from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.tabular import read_rows

__all__ = ["Action", "action_routes", "import_route", "pdf_response", "upload_rows"]

Rows = Iterator[tuple[int, dict[str, Any]]]


async def upload_rows(file: UploadFile, fallback_name: str,
                      required: Sequence[str]) -> Rows:
    """The rows of an uploaded sheet; a nameless upload is read as ``fallback_name`` (its suffix picks the format)."""
    return read_rows(await file.read(), file.filename or fallback_name, required=required)


def pdf_response(data: bytes, filename: str | None = None) -> Response:
    """A PDF, as a download named ``filename`` when given, else shown inline."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else None
    return Response(data, media_type="application/pdf", headers=headers)


def import_route(router: APIRouter, path: str, name: str, fallback_name: str, required: Sequence[str],
                 work: Callable[[Session, Actor, Rows], int], doc: str | None = None) -> None:
    """POST ``path``: an uploaded sheet (`upload_rows`) through ``work``, answered ``{"imported": n}``; the handler
    is named ``name`` (operation id, summary) and documented ``doc``, as a hand-written one would be."""

    async def endpoint(session: SessionDep, actor: ActorDep, file: Annotated[UploadFile, File()]) -> dict[str, int]:
        return {"imported": work(session, actor, await upload_rows(file, fallback_name, required))}

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    router.post(path)(endpoint)
