"""One record's REST routes (issue #17): create, read, update and delete of a kind of record are the same four thin
handlers in every room — validate the body, call the service with the session and the actor, answer the `…Out`
schema — so a room states them once with `record_routes` instead of writing each by hand. The list handler, whose
filters differ per kind, stays the room's own; so does any route that does more than call one service function.

The handlers keep the names (and so the OpenAPI operation ids) and the path parameters the hand-written ones had."""

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from zhijian.platform.deps import ActorDep, SessionDep

Present = Callable[[Any], BaseModel]


def endpoint(name: str, call: Callable[..., Any], params: list[inspect.Parameter], answer: type[Any]) -> Any:
    """A function FastAPI reads like a hand-written one: `params` (then session and actor) in its signature."""

    def handler(**kw: Any) -> Any:
        return call(**kw)

    handler.__name__ = handler.__qualname__ = name
    deps = [inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionDep),
            inspect.Parameter("actor", inspect.Parameter.KEYWORD_ONLY, annotation=ActorDep)]
    handler.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params] + deps, return_annotation=answer)
    return handler


def record_routes(router: APIRouter, path: str, name: str, out: type[BaseModel], *, key: str,
                  read: Callable[..., Any], create: tuple[type[BaseModel], Callable[..., Any]] | None = None,
                  update: tuple[type[BaseModel], Callable[..., Any]] | None = None,
                  delete: Callable[..., Any] | None = None, present: Present | None = None) -> None:
    """Register `POST path` (201), `GET path/{key}`, `PATCH path/{key}` and `DELETE path/{key}` (204) for one kind of
    record, named `create_<name>`, `get_<name>`, `update_<name>`, `delete_<name>`. Each service function is called
    as `(session, actor, data)`, `(session, actor, key)`, `(session, actor, key, patch)`, `(session, actor, key)`;
    `present` turns the service's row into the answer (default: `out.model_validate`)."""
    show: Present = present or out.model_validate
    item = f"{path}/{{{key}}}"
    key_param = inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=int)
    if create is not None:
        body, make = create
        router.add_api_route(path, endpoint(f"create_{name}", lambda data, session, actor: show(make(session, actor, data)),
                                            [inspect.Parameter("data", inspect.Parameter.KEYWORD_ONLY, annotation=body)],
                                            out),
                             methods=["POST"], response_model=out, status_code=201, name=f"create_{name}")
    router.add_api_route(item, endpoint(f"get_{name}", lambda session, actor, **kw: show(read(session, actor, kw[key])),
                                        [key_param], out),
                         methods=["GET"], response_model=out, name=f"get_{name}")
    if update is not None:
        patch_model, change = update
        router.add_api_route(
            item, endpoint(f"update_{name}",
                           lambda patch, session, actor, **kw: show(change(session, actor, kw[key], patch)),
                           [key_param, inspect.Parameter("patch", inspect.Parameter.KEYWORD_ONLY, annotation=patch_model)],
                           out),
            methods=["PATCH"], response_model=out, name=f"update_{name}")
    if delete is not None:
        remove = delete

        def deleted(session: Any, actor: Any, **kw: Any) -> Response:
            remove(session, actor, kw[key])
            return Response(status_code=204)

        router.add_api_route(item, endpoint(f"delete_{name}", deleted, [key_param], Response),
                             methods=["DELETE"], status_code=204, name=f"delete_{name}")
