"""API docs (`/docs`): Swagger UI served from the installed package (fastapi-offline ships the dist files),
so the page loads nothing from a CDN and runs under a strict CSP (no inline script)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

router = APIRouter(include_in_schema=False)


def swagger_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}

INIT_JS = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: document.getElementById("swagger-ui").dataset.openapi,
    dom_id: "#swagger-ui", deepLinking: true, layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
});
"""

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>zhijian 质检 API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi="/openapi.json"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-init.js"></script>
</body></html>
"""


@router.get("/docs")
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> Response:
    if name == "swagger-init.js":
        return Response(INIT_JS, media_type="text/javascript")
    if name not in ASSETS:
        return Response(status_code=404)
    return FileResponse(swagger_dir() / name, media_type=ASSETS[name],
                        headers={"Cache-Control": "public, max-age=86400"})
