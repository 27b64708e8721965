"""Puts the web app into the FastAPI app: static files, pages, headers, error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from atlas.web import api_docs
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
    settings,
    timesheets,
    workspaces,
)
from atlas.web.security import SecurityHeadersMiddleware

STATIC = Path(__file__).parent / "static"
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
)


def install_web(app: FastAPI) -> None:
    """After the API's routers and error handlers: pages wrap those handlers."""
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_docs.router)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    install_page_errors(app)
