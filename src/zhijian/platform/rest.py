"""One record's REST routes (issue #17): create, read, update and delete of a kind of record are the same four thin
handlers in every room — validate the body, call the service with the session and the actor, answer the `…Out`
schema — so a room states them once with `record_routes` instead of writing each by hand. A list with filters, which
differ per kind, stays the room's own; an unfiltered collection — `POST path` (201) and `GET path` answering every
record of it (a unit's 维保记录, an organ's 协查 requests) — is `collection_routes`. Any route that does more than call
one service function stays the room's own.

The handlers keep the names (and so the OpenAPI operation ids) and the path parameters the hand-written ones had."""

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from zhijian.platform.deps import ActorDep, SessionDep

Present = Callable[[Any], BaseModel]


def _handler(name: str, call: Callable[..., Any], params: list[inspect.Parameter], answer: Any,
             doc: str | None = None) -> Any:
    """A function FastAPI reads like a hand-written one: `params` (then session and actor) in its signature, `doc`
    as its docstring (the operation's description)."""

    def handler(**kw: Any) -> Any:
        return call(**kw)

    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = doc
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
        router.add_api_route(path, _handler(f"create_{name}", lambda data, session, actor: show(make(session, actor, data)),
                                            [inspect.Parameter("data", inspect.Parameter.KEYWORD_ONLY, annotation=body)],
                                            out),
                             methods=["POST"], response_model=out, status_code=201, name=f"create_{name}")
    router.add_api_route(item, _handler(f"get_{name}", lambda session, actor, **kw: show(read(session, actor, kw[key])),
                                        [key_param], out),
                         methods=["GET"], response_model=out, name=f"get_{name}")
    if update is not None:
        patch_model, change = update
        router.add_api_route(
            item, _handler(f"update_{name}",
                           lambda patch, session, actor, **kw: show(change(session, actor, kw[key], patch)),
                           [key_param, inspect.Parameter("patch", inspect.Parameter.KEYWORD_ONLY, annotation=patch_model)],
                           out),
            methods=["PATCH"], response_model=out, name=f"update_{name}")
    if delete is not None:
        remove = delete

        def deleted(session: Any, actor: Any, **kw: Any) -> Response:
            remove(session, actor, kw[key])
            return Response(status_code=204)

        router.add_api_route(item, _handler(f"delete_{name}", deleted, [key_param], Response),
                             methods=["DELETE"], status_code=204, name=f"delete_{name}")


def collection_routes(router: APIRouter, path: str, out: type[BaseModel], *,
                      listing: tuple[str, Callable[..., Iterable[Any]]],
                      create: tuple[str, type[BaseModel], Callable[..., Any]] | None = None,
                      parent: tuple[str, type[Any]] | None = None, present: Present | None = None,
                      docs: Mapping[str, str] | None = None) -> None:
    """Register `POST path` (201, when `create` is given) and `GET path` answering `list[out]` for the records of one
    collection, each handler named as given: `create=("record_maintenance", MaintenanceIn, service.record_maintenance)`,
    `listing=("list_maintenance", service.maintenance_records)`. With `parent=("code", str)` the path names the record
    they belong to (`/units/{code}/maintenance`) and the service functions are called as `(session, actor, code,
    data)` and `(session, actor, code)`, else as `(session, actor, data)` and `(session, actor)`. `present` turns a
    row into the answer (default: `out.model_validate`); `docs` maps a handler's name to its description."""
    show: Present = present or out.model_validate
    about = docs or {}
    key_params = ([inspect.Parameter(parent[0], inspect.Parameter.KEYWORD_ONLY, annotation=parent[1])]
                  if parent else [])

    def keyed(kw: dict[str, Any]) -> tuple[Any, ...]:
        return (kw[parent[0]],) if parent else ()

    if create is not None:
        create_name, body, make = create
        router.add_api_route(
            path, _handler(create_name, lambda data, session, actor, **kw: show(make(session, actor, *keyed(kw), data)),
                           key_params + [inspect.Parameter("data", inspect.Parameter.KEYWORD_ONLY, annotation=body)],
                           out, about.get(create_name)),
            methods=["POST"], response_model=out, status_code=201, name=create_name)
    list_name, rows = listing
    router.add_api_route(
        path, _handler(list_name, lambda session, actor, **kw: [show(r) for r in rows(session, actor, *keyed(kw))],
                       key_params, list[out], about.get(list_name)),  # type: ignore[valid-type]
        methods=["GET"], response_model=list[out], name=list_name)  # type: ignore[valid-type]
