"""The static files, under addresses that name their content.

`asset("app.css")` is `/static/app.css?v=<digest>`, the start of the file's SHA-256 as
the process found it: a changed file gets a new address. Asked for at its current
digest, a file is answered `Cache-Control: public, max-age=31536000, immutable` (browsers
keep it a year and never ask again); at any other address, as plain static files are
(validated by their ETag). Compressed (gzip) for clients that accept it. Pages never are:
they carry CSRF tokens, which compression next to reflected text would expose.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
# Files smaller than this are sent as they are.
COMPRESS_FROM_BYTES = 500


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


DIGESTS = {p.relative_to(STATIC).as_posix(): _digest(p) for p in STATIC.rglob("*") if p.is_file()}


def asset(path: str) -> str:
    """The address of static file `path` (relative to `static/`); a missing file fails."""
    return f"/static/{path}?v={DIGESTS[path]}"


class AssetFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        asked = parse_qs(scope.get("query_string", b"").decode()).get("v")
        if response.status_code == 200 and asked == [DIGESTS.get(path)]:
            response.headers["cache-control"] = IMMUTABLE
        return response


def static_files() -> ASGIApp:
    """The app mounted at /static."""
    return GZipMiddleware(AssetFiles(directory=STATIC), minimum_size=COMPRESS_FROM_BYTES)
