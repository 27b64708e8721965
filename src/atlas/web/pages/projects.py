"""Pages of the projects area."""

from __future__ import annotations

from atlas.web.routing import page_router

router = page_router()
