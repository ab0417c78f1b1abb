"""What the sub-rooms' REST handlers share: the thin workflow steps stated as a table (`action_routes`, now
`platform.actions`, re-exported here), an uploaded Excel/CSV file read as rows (the required columns checked before
any row, all or nothing in the service) and a PDF answer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import UploadFile
from fastapi.responses import Response

from zhijian.platform.actions import Action, action_routes
from zhijian.platform.tabular import read_rows

__all__ = ["Action", "action_routes", "pdf_response", "upload_rows"]


async def upload_rows(file: UploadFile, fallback_name: str,
                      required: Sequence[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of an uploaded sheet; a nameless upload is read as ``fallback_name`` (its suffix picks the format)."""
    return read_rows(await file.read(), file.filename or fallback_name, required=required)


def pdf_response(data: bytes, filename: str | None = None) -> Response:
    """A PDF, as a download named ``filename`` when given, else shown inline."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else None
    return Response(data, media_type="application/pdf", headers=headers)
