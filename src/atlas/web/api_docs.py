"""The interactive API reference at /api/docs: Swagger UI from our own static files.

FastAPI's default page loads Swagger UI from a CDN and starts it with an inline script;
this one serves the vendored copy (static/vendor/) and starts it from static/api-docs.js,
so it runs under the same Content-Security-Policy as every page (`script-src 'self'`).
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

SWAGGER_UI = "5.35.0"
VENDOR = f"/static/vendor/swagger-ui-{SWAGGER_UI}"

router = APIRouter()


@router.get("/api/docs", include_in_schema=False)
async def api_docs(request: Request) -> HTMLResponse:
    title = escape(f"{request.app.title} API")
    openapi_url = escape(request.app.openapi_url or "")
    return HTMLResponse(
        f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{VENDOR}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{VENDOR}/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""
    )
