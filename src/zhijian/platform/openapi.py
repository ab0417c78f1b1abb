"""The error answers every operation can give, written into /openapi.json in one place (issue 12 item 8).

FastAPI documents only the success answer and a 422 `HTTPValidationError` that this app never sends (its
validation errors are RFC 9457 problem+json, see platform.app). The handlers and middleware of platform.app
answer any operation with a problem+json for a malformed or too-deep body (400), a missing or expired
token (401), a role or CSRF refusal (403), an unknown id (404), a conflicting state (409), an oversized
body (413), a body of another media type (415), an invalid field (422), the rate limit (429), an
unreachable database (503) and an unexpected failure (500, with a request id). `document_errors` adds
those answers, with one `ProblemDetails` schema, to every operation so the spec is true for a client (and
for schemathesis, tests/platform/test_schemathesis.py).

The EPCIS 2.0 REST binding (trace room, /epcis) uses the same body: its `type` is
`epcisException:<Name>` instead of a URI, which the schema allows (a string).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_answer(*media: str, description: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of an API route that answers a file (with `response_class=Response`), so the spec names its
    media type instead of FastAPI's application/json (schemathesis: a comparative test's PNG chart was "undocumented
    content type")."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": {m: binary for m in media}}}


XLSX_ANSWER = file_answer(XLSX, description="Excel 工作簿 (.xlsx)")
PDF_ANSWER = file_answer("application/pdf", description="PDF 文档")
PNG_ANSWER = file_answer("image/png", description="PNG 图")
SVG_ANSWER = file_answer("image/svg+xml", description="SVG 图")
CSV_ANSWER = file_answer("text/csv", description="CSV 表格 (UTF-8)")

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetails",
    "description": "RFC 9457 problem details (错误说明) with the platform's stable code and both languages.",
    "type": "object",
    "required": ["type", "title", "status", "code", "message_zh", "message_en"],
    "properties": {
        "type": {"type": "string", "description": "problem URI, or `epcisException:<Name>` on /epcis"},
        "title": {"type": "string", "description": "English message"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "Chinese message (中文说明)"},
        "instance": {"type": "string", "description": "the request path"},
        "code": {"type": "string", "description": "stable machine code, e.g. `validation.invalid`"},
        "message_zh": {"type": "string"},
        "message_en": {"type": "string"},
        "field": {"type": ["string", "null"], "description": "the field at fault, when one is"},
        "errors": {"type": "array", "description": "every validation error (422) or schema error (EPCIS)",
                   "items": {}},
        "request_id": {"type": "string", "description": "quote it to the operators (500, 503)"},
        "retry_after": {"type": "integer", "description": "seconds (409 in progress, 429, 503)"},
    },
    "additionalProperties": True,
}

# status → (description, only for operations that take a body)
ERROR_RESPONSES: dict[str, tuple[str, bool]] = {
    "400": ("请求格式错误 — malformed JSON or nesting too deep (`request.malformed_json`, `request.too_deep`)",
            False),
    "401": ("未登录或令牌失效 — authentication required (`auth.unauthenticated`)", False),
    "403": ("无权执行 — forbidden for this role or jurisdiction, or CSRF token missing", False),
    "404": ("资源不存在 — not found (also an id out of range)", False),
    "409": ("状态冲突 — conflict with the current state, or the same Idempotency-Key still running", False),
    "413": ("请求体过大 — request body over the configured limit (`request.too_large`)", True),
    "415": ("媒体类型不支持 — unsupported media type of the body", True),
    "422": ("字段无效 — a field is invalid (`field` names it, `errors` lists all)", False),
    "429": ("请求过多 — rate limit reached (`Retry-After`)", False),
    "500": ("服务器内部错误 — unexpected failure, logged with `request_id`", False),
    "503": ("服务暂不可用 — database unreachable (`Retry-After`)", False),
}

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ProblemDetails schema and the error answers to every operation of `schema` (in place).

    An operation's own documented error (a room's `responses=`) is kept, its body made problem+json."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ProblemDetails"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/ProblemDetails"}
    for item in schema.get("paths", {}).values():
        for method, op in item.items():
            if method not in _METHODS or not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            has_body = "requestBody" in op
            for status, (description, body_only) in ERROR_RESPONSES.items():
                if body_only and not has_body:
                    continue
                existing = responses.get(status)
                if existing is None or _is_fastapi_validation(existing):
                    responses[status] = {"description": description, "content": {PROBLEM: {"schema": ref}}}
                else:
                    existing.setdefault("content", {})[PROBLEM] = {"schema": ref}
    return schema


def _is_fastapi_validation(response: dict[str, Any]) -> bool:
    """FastAPI's default 422 (`HTTPValidationError`), which this app replaces by problem+json."""
    content = response.get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    return isinstance(ref, str) and ref.endswith("/HTTPValidationError")


def install(app: FastAPI) -> None:
    """Make app.openapi() return the schema with the error answers (built once, cached by FastAPI)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
