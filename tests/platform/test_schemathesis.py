"""Schemathesis over the whole /openapi.json (issue 12 item 8): every operation, as admin and as an enterprise.

A bounded, derandomized property-based run through the ASGI app in-process on SQLite. A case fails on any
5xx or on an answer the spec does not document (status code, content type, body schema, headers). The
error answers come from one place (platform/openapi.py); the fast test below checks they are in the spec.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.dbs import isolated_url
from zhijian.platform import migrate
from zhijian.platform.app import create_app
from zhijian.platform.config import get_settings
from zhijian.platform.db import Database

EXAMPLES = int(os.environ.get("ZHIJIAN_SCHEMATHESIS_EXAMPLES", "2"))
"""Cases per operation and role: 2 keeps the run of ~390 operations × 2 roles near a minute here."""

# Operations whose 5xx or schema violation lies in a room (not platform/*): room owners fix them.
# "METHOD /path" → reason. Each is still run; its failure is reported but does not fail the test.
KNOWN: dict[str, str] = {
}

SKIP: set[str] = set()
"""Known failures not even run: each retries a locked database for ~1 min before its 503."""


@pytest.fixture(scope="module")
def st_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    with isolated_url("sqlite", tmp) as url:
        migrate.upgrade(url)
        db = Database(url)
        from zhijian.platform.demo import seed_reference_data

        seed_reference_data(db)
        settings = dataclasses.replace(get_settings(), public_rate_limit=10_000_000, secret_key="test-secret",
                                       login_lock_after=10_000_000)
        app = create_app(db, settings)
        # the run sends every case from one address: wrong passwords to /auth/password and /auth/mfa/* would back
        # the address off (at 15 cases per operation the run's own logins were refused 429 "auth.throttled")
        app.state.login_throttle.policy = dataclasses.replace(app.state.login_throttle.policy, free=10_000_000,
                                                              client_free=10_000_000, client_lock_after=10_000_000)
        with db.session() as s:
            admin = factories.user(s, "admin").username
            ent = factories.user(s, "enterprise", factories.enterprise(s)).username
        tokens: dict[str, dict[str, str]] = {}
        with TestClient(app) as c:
            for role, name in (("admin", admin), ("enterprise", ent)):
                r = c.post("/api/v1/auth/token", json={"username": name, "password": "correct horse 1"})
                assert r.status_code == 200, r.text
                tokens[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        def throwaway(role: str) -> dict[str, str]:
            """A token of a new user of `role`, for the /auth operations that end or change a session."""
            with db.session() as s:
                org = factories.enterprise(s) if role == "enterprise" else None
                name = factories.user(s, role, org).username
            with TestClient(app) as c:
                r = c.post("/api/v1/auth/token", json={"username": name, "password": "correct horse 1"})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        tokens["fresh"] = throwaway  # type: ignore[assignment]
        try:
            yield app, tokens
        finally:
            db.dispose()


def test_every_operation_documents_its_problem_answers(settings: Any) -> None:
    """Each operation lists the platform's error answers as problem+json with the ProblemDetails schema
    (before platform/openapi.py: only FastAPI's 422 `HTTPValidationError`, a body this app never sends)."""
    spec = create_app(Database("sqlite://"), settings).openapi()
    problem = spec["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status", "code", "message_zh", "message_en"} <= set(problem["required"])
    ops = [(m, p, op) for p, item in spec["paths"].items() for m, op in item.items()]
    assert len(ops) > 300
    for method, path, op in ops:
        for status in ("400", "401", "403", "404", "409", "422", "429", "500", "503"):
            content = op["responses"][status]["content"]
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/ProblemDetails"}, \
                (method, path, status)
        assert ("413" in op["responses"]) == ("requestBody" in op), (method, path)
    assert "HTTPValidationError" not in str(spec["paths"])  # FastAPI's 422 shape is never sent


FILE_ANSWERS = {
    "/api/v1/comparative-tests/{test_id}/chart/{kind}.png": ["image/png"],
    "/api/v1/comparative-tests/{test_id}/report.pdf": ["application/pdf"],
    "/api/v1/certificates/{number}/qr.svg": ["image/svg+xml"],
    "/api/v1/enforcement/cases/{case_id}/documents/{kind}.pdf": ["application/pdf"],
    "/api/v1/enforcement/cases/{case_id}/inquiries/{inquiry_id}.pdf": ["application/pdf"],
    "/api/v1/equipment/labels.pdf": ["application/pdf"],
    "/api/v1/risk/assessments/{assessment_id}/pdf": ["application/pdf"],
    "/api/v1/spotcheck/batches/{batch_id}/report.pdf": ["application/pdf"],
    "/api/v1/spotcheck/attachments/{attachment_id}": ["*/*"],
    "/api/v1/stable/announcements/{ann_id}/file.{fmt}": [
        "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    "/api/v1/trace/batches/{batch_id}/codes.csv": ["text/csv"],
}


def test_file_answers_name_their_media_type(settings: Any) -> None:
    """Found by schemathesis at 100 cases per operation: GET …/chart/bar.png answered image/png where the spec
    said application/json (FastAPI's default for a route returning `Response`). Every route that answers a file
    now documents what it sends (platform/openapi.py `file_answer`)."""
    spec = create_app(Database("sqlite://"), settings).openapi()
    for path, media in FILE_ANSWERS.items():
        assert sorted(spec["paths"][path]["get"]["responses"]["200"]["content"]) == sorted(media), path


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "enterprise"])
def test_schemathesis_whole_api(st_app: tuple[Any, dict[str, dict[str, str]]], role: str) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    app, tokens = st_app
    headers = tokens[role]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance]
    failures: dict[str, str] = {}
    cases = 0
    timings: dict[str, float] = {}
    operations = 0
    from schemathesis.python import asgi

    started = time.monotonic()
    client_cm = asgi.get_client(app)
    client = client_cm.__enter__()  # one in-process client for the run (one per call costs ~0.5 s each)
    for result in schema.get_all_operations():
        op = result.ok()
        label = f"{op.method.upper()} {op.path}"
        # logout, token revocation and password change end or change the session they run in: each of their
        # cases runs as a new user of the role (argon2's test profile makes a login cheap)
        own_session = "/auth/" in op.path and op.method.lower() != "get"
        operations += 1
        if label in SKIP:
            continue
        op_started = time.monotonic()

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            nonlocal cases
            cases += 1
            auth = tokens["fresh"](role) if own_session else headers  # type: ignore[operator]  # noqa: B023 (run now)
            case.call_and_validate(headers=dict(auth), checks=checks, session=client)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 — a FailureGroup: collect every operation's, report all
            failures[label] = f"{type(exc).__name__}: {str(exc)[:600]}"
        timings[label] = time.monotonic() - op_started
    client_cm.__exit__(None, None, None)
    elapsed = time.monotonic() - started
    print(f"\nschemathesis as {role}: {operations} operations, {cases} cases, {len(failures)} failing, "
          f"{elapsed:.0f} s")
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:8]
    print("  slowest: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
    for label, why in sorted(failures.items()):
        print(f"  {'(known) ' if label in KNOWN else ''}{label}: {why[:300]}")
    unexpected = {k: v for k, v in failures.items() if k not in KNOWN}
    assert not unexpected, "\n".join(f"{k}: {v}" for k, v in sorted(unexpected.items()))
