"""Puts the web app into the FastAPI app: static files, pages, headers, error pages."""

from __future__ import annotations

from fastapi import FastAPI

from atlas.web import api_docs, assets
from atlas.web.errors import install_page_errors
from atlas.web.pages import (
    account,
    accounts,
    auth,
    choices,
    credit_notes,
    finance,
    hr,
    ledger,
    manual_entries,
    projects,
    reports,
    search,
    settings,
    timesheets,
    workspaces,
)
from atlas.web.security import SecurityHeadersMiddleware

PAGE_ROUTERS = (
    auth.router,
    workspaces.router,
    projects.router,
    timesheets.router,
    hr.router,
    finance.router,
    manual_entries.router,
    ledger.router,
    accounts.router,
    reports.router,
    credit_notes.router,
    settings.router,
    account.router,
    choices.router,
    search.router,
)


def install_web(app: FastAPI) -> None:
    """After the API's routers and error handlers: pages wrap those handlers."""
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", assets.static_files(), name="static")
    app.include_router(api_docs.router)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    install_page_errors(app)
