"""The association's demo on a fresh SQLite database: loaded through the services after the catalog's demo, a
second run adds no row, and every association page each demo role is shown (console and portal) answers 2xx —
links followed from the room's start pages, as the suite's crawler does for the whole site."""

from __future__ import annotations

import dataclasses
import random
import re
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.web.crawl import _Links
from zhijian.platform.auth import SYSTEM
from zhijian.platform.rooms import room_module

TABLES = ("assoc_pt_round", "assoc_pt_enrolment", "assoc_pt_followup", "assoc_exam_question", "assoc_exam_candidate",
          "assoc_exam_mark", "assoc_exam_certificate", "assoc_group_standard", "assoc_standard_comment", "assoc_member",
          "assoc_member_dues", "assoc_campaign", "assoc_campaign_event", "assoc_event_registration", "assoc_notice",
          "assoc_assessment", "assoc_assessment_item", "assoc_assessment_finding", "assoc_expert", "assoc_expert_assignment")
STARTS = ["/console/association/experts", "/console/association/pt", "/console/association/pt/follow-ups", "/console/association/pt/history",
          "/console/association/exams", "/console/association/standards", "/console/association/members",
          "/console/association/campaigns", "/console/association/assessments", "/console/association/courses", "/association/standards", "/association/members", "/association/campaigns"]
ROLES = {"association": "association", "inspector": "inspector", "enterprise": "enterprise", "regulator": "regulator",
         "admin": "admin", "inspector_gd": "inspector"}  # inspector_gd: the demo's assessment expert


def _counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return {t: s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}  # noqa: S608


def _allowed(role: str, path: str) -> bool:
    """The start pages a role is offered (nav items): campaigns' console is the secretariat's, PT the labs'."""
    if path.startswith("/console/association/campaigns"):
        return role in ("association", "admin")
    if path.startswith("/console/association/assessments"):
        return role in ("association", "admin", "inspector")
    if path == "/console/association/pt/history":
        return role in ("association", "admin", "inspector", "regulator")
    if path.startswith("/console/association/pt"):
        return role in ("association", "admin", "inspector")
    return True


@pytest.mark.slow
def test_demo_is_idempotent_and_every_page_answers(fresh_db, settings):
    db = fresh_db("sqlite")
    for room in ("catalog", "association"):
        with db.session(SYSTEM) as s:
            room_module(room, "demo").load(s, random.Random(f"20260915-{room}"))  # type: ignore[union-attr]
    first = _counts(db)
    assert first["assoc_pt_enrolment"] == 36 and first["assoc_exam_candidate"] == 41 and first["assoc_member"] == 11
    with db.session(SYSTEM) as s:
        out = room_module("association", "demo").load(s, random.Random("20260915-association"))  # type: ignore[union-attr]
    assert all("already loaded" in line for line in out) and _counts(db) == first
    assert first["assoc_assessment_item"] == 29 and first["assoc_assessment_finding"] == 1
    assert first["assoc_expert"] == 2 and first["assoc_expert_assignment"] == 2
    from zhijian.platform.app import create_app

    app = create_app(db, dataclasses.replace(settings, public_rate_limit=0))
    bad: dict[str, int] = {}
    for username, role in [*ROLES.items(), ("public", "public")]:
        with TestClient(app) as client:
            if role != "public":
                page = client.get("/login")
                tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                r = client.post("/login", data={"csrf_token": tok, "username": username, "password": "zhijian-demo",
                                                "next": "/console"}, follow_redirects=False)
                assert r.status_code == 303, username
            queue = [p for p in STARTS if (role != "public" or not p.startswith("/console")) and _allowed(role, p)]
            seen: set[str] = set()
            while queue and len(seen) < 150:
                path = queue.pop(0)
                if path in seen:
                    continue
                seen.add(path)
                r = client.get(path, follow_redirects=False)
                if r.status_code >= 400:
                    bad[f"{username} {path}"] = r.status_code
                    continue
                if "text/html" not in r.headers.get("content-type", ""):
                    continue
                parser = _Links()
                parser.feed(r.text)
                for href in parser.links:
                    parts = urlsplit(urldefrag(href)[0])
                    if not parts.scheme and parts.path.startswith("/association") or parts.path.startswith(
                            "/console/association"):
                        queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert not bad, bad
