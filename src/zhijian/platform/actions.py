"""A room's thin REST routes stated as a table (issue #17): a workflow step (立项, 发布, 签字 …), a record created or
changed under its parent, or the unfiltered list of a parent's records is one service call — validate the body, call
the service with the session and the actor, answer the `…Out` schema — so a room lists them as `Action`s instead of
writing each handler by hand (association's sub-rooms, equipment, enforcement). `platform.rest.record_routes` does
the same for a record's CRUD routes, and this shares its handler builder; a list with filters and a route that
shapes an answer of its own stay hand-written.

The handlers keep the names (and so the OpenAPI operation ids), the path parameters, the status codes and the
descriptions the hand-written ones had."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.datastructures import Default
from pydantic import BaseModel

from zhijian.platform.rest import endpoint as rest_endpoint


@dataclass(frozen=True)
class Action:
    """One thin route: `method path` calls the service as `call(session, actor, *the path's {keys}, body)` (no body
    when `body` is None) and answers the service's row, validated as the `…Out` schema `answer` (or shaped into it
    by `present`, where the schema does not read the row as it is) or, where the route has none, as a JSON object of
    the row's attributes named by `answer`; with `many`, the service returns rows and the route answers
    `list[answer]`. `name` is the name the hand-written handler had, so the OpenAPI operation id and summary stay."""

    method: str
    path: str
    name: str
    call: Callable[..., Any]
    answer: type[BaseModel] | tuple[str, ...]
    body: type[BaseModel] | None = None
    status_code: int | None = None  # None: 200, as a hand-written route without one
    doc: str | None = None  # the OpenAPI description (a hand-written handler's docstring)
    many: bool = False  # the service returns rows; the answer is list[answer]
    present: Callable[[Any], BaseModel] | None = None  # the row into the `answer` schema (default: model_validate)
    # the row shaped with the session and the actor, `(session, actor, row)`, where the answer depends on who asks
    # (consumer's complaint: what the viewer may see of it); answers a JSON object
    present_for: Callable[[Any, Any, Any], Any] | None = None


def action_routes(router: APIRouter, keys: Mapping[str, type], *actions: Action) -> None:
    """Register `actions` on `router`, in order; `keys` types the path parameters (`{"code": str, "fid": int}`)."""
    for a in actions:
        names = re.findall(r"{(\w+)}", a.path)
        params = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=keys[n]) for n in names]
        if a.body is not None:
            params.append(inspect.Parameter("data", inspect.Parameter.KEYWORD_ONLY, annotation=a.body))
        schema = a.answer if isinstance(a.answer, type) else None
        answer: Any = schema or dict[str, Any]
        if a.many:
            answer = list[answer]
        endpoint = rest_endpoint(a.name, _caller(a, names), params, answer)
        endpoint.__doc__ = a.doc
        # an object answer's model is inferred from the return annotation, as a hand-written route's is
        model: Any = answer if schema else Default(None)
        router.add_api_route(a.path, endpoint, methods=[a.method], response_model=model, status_code=a.status_code,
                             name=a.name)


def _caller(a: Action, names: list[str]) -> Callable[..., Any]:
    """The service call behind one action: the path's keys in order, then the body; the row shaped as the answer."""

    def shape(row: Any) -> Any:
        if a.present is not None:
            return a.present(row)
        if isinstance(a.answer, type):
            return a.answer.model_validate(row)
        return {n: getattr(row, n) for n in a.answer}

    def call(session: Any, actor: Any, **kw: Any) -> Any:
        got = a.call(session, actor, *[kw[n] for n in names], *([kw["data"]] if a.body is not None else []))
        if a.present_for is not None:
            return [a.present_for(session, actor, r) for r in got] if a.many else a.present_for(session, actor, got)
        return [shape(r) for r in got] if a.many else shape(got)

    return call
