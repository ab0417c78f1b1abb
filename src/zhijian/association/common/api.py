"""What the sub-rooms' REST handlers share: the thin workflow steps stated as a table (`action_routes`), an uploaded
Excel/CSV file read as rows (the required columns checked before any row, all or nothing in the service) and a PDF
answer."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, UploadFile
from fastapi.datastructures import Default
from fastapi.responses import Response
from pydantic import BaseModel

from zhijian.platform.rest import endpoint as rest_endpoint
from zhijian.platform.tabular import read_rows


@dataclass(frozen=True)
class Action:
    """One thin route of a workflow step (立项, 发布, 关闭 …): `method path` calls the service as `call(session, actor,
    *the path's {keys}, body)` (no body when `body` is None) and answers the service's row, validated as the `…Out`
    schema `answer` or, where the route has none, as a JSON object of the row's attributes named by `answer`.
    `name` is the name the hand-written handler had, so the OpenAPI operation id and summary stay."""

    method: str
    path: str
    name: str
    call: Callable[..., Any]
    answer: type[BaseModel] | tuple[str, ...]
    body: type[BaseModel] | None = None
    status_code: int | None = None  # None: 200, as a hand-written route without one
    doc: str | None = None  # the OpenAPI description (a hand-written handler's docstring)


def action_routes(router: APIRouter, keys: Mapping[str, type], *actions: Action) -> None:
    """Register `actions` on `router`, in order; `keys` types the path parameters (`{"code": str, "fid": int}`).
    `platform.rest.record_routes` does the same for a record's CRUD routes, and this shares its handler builder;
    list routes and routes that shape an answer of their own stay hand-written."""
    for a in actions:
        names = re.findall(r"{(\w+)}", a.path)
        params = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=keys[n]) for n in names]
        if a.body is not None:
            params.append(inspect.Parameter("data", inspect.Parameter.KEYWORD_ONLY, annotation=a.body))
        schema = a.answer if isinstance(a.answer, type) else None
        endpoint = rest_endpoint(a.name, _caller(a, names), params, schema or dict[str, Any])
        endpoint.__doc__ = a.doc
        # an object answer's model is inferred from the return annotation, as a hand-written route's is
        model: Any = schema or Default(None)
        router.add_api_route(a.path, endpoint, methods=[a.method], response_model=model, status_code=a.status_code,
                             name=a.name)


def _caller(a: Action, names: list[str]) -> Callable[..., Any]:
    """The service call behind one action: the path's keys in order, then the body; the row shaped as the answer."""

    def call(session: Any, actor: Any, **kw: Any) -> Any:
        row = a.call(session, actor, *[kw[n] for n in names], *([kw["data"]] if a.body is not None else []))
        if isinstance(a.answer, type):
            return a.answer.model_validate(row)
        return {n: getattr(row, n) for n in a.answer}

    return call


async def upload_rows(file: UploadFile, fallback_name: str,
                      required: Sequence[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of an uploaded sheet; a nameless upload is read as ``fallback_name`` (its suffix picks the format)."""
    return read_rows(await file.read(), file.filename or fallback_name, required=required)


def pdf_response(data: bytes, filename: str | None = None) -> Response:
    """A PDF, as a download named ``filename`` when given, else shown inline."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else None
    return Response(data, media_type="application/pdf", headers=headers)
