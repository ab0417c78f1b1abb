"""`Action.present_for` (issue #17): a table route whose answer depends on who asks is shaped with the session and the
actor (consumer's case steps answer `service.present(session, actor, case)`); the operation is the hand-written one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from zhijian.platform.actions import Action, action_routes
from zhijian.platform.deps import ActorDep, SessionDep, get_actor, get_session


class NoteIn(BaseModel):
    text: str


def _note(session: Any, actor: Any, cid: int, text: str) -> Any:
    return SimpleNamespace(id=cid, text=text)


def _shown(session: Any, actor: Any, row: Any) -> dict[str, Any]:
    return {"id": row.id, "text": row.text, "viewer": actor, "session": session}


def _app(router: APIRouter) -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_session] = lambda: "S"
    app.dependency_overrides[get_actor] = lambda: "A"
    return app


def test_present_for_shapes_the_row_with_session_and_actor():
    hand = APIRouter()

    @hand.post("/cases/{cid}/notes")
    def note(cid: int, data: NoteIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
        """A note on a case."""
        return _shown(session, actor, _note(session, actor, cid, data.text))

    table = APIRouter()
    action_routes(table, {"cid": int}, Action("POST", "/cases/{cid}/notes", "note",
                                              lambda s, a, cid, data: _note(s, a, cid, data.text), (), NoteIn,
                                              doc="A note on a case.", present_for=_shown))
    assert _app(table).openapi()["paths"] == _app(hand).openapi()["paths"]
    r = TestClient(_app(table)).post("/cases/7/notes", json={"text": "t"})
    assert r.json() == {"id": 7, "text": "t", "viewer": "A", "session": "S"}
