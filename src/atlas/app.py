"""The FastAPI application: routers, error handlers, the pool and its safety check."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import asyncpg
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from atlas import __version__, health
from atlas.apikeys.endpoints import router as api_keys_router
from atlas.audit.endpoints import router as audit_router
from atlas.config import Settings, get_settings
from atlas.db.pool import UnsafeRuntimeRole, create_pool, verify_runtime_role
from atlas.errors import API_ERROR_RESPONSES, install_error_handlers
from atlas.exports.endpoints import router as exports_router
from atlas.finance.endpoints import router as finance_router
from atlas.hr.endpoints import router as hr_router
from atlas.identity.csrf import ApiCsrfMiddleware
from atlas.identity.endpoints import router as auth_router
from atlas.identity.service import SignInThrottles
from atlas.identity.two_factor import TwoFactorKeys
from atlas.ledger.endpoints import router as ledger_router
from atlas.limits.dependencies import workspace_limit
from atlas.limits.limiter import install_limits
from atlas.mail.sender import run_outbox_sender
from atlas.observability import RequestContextMiddleware, configure_logging, log_loop_errors
from atlas.projects.endpoints import router as projects_router
from atlas.proxies import ForwardedClient, TrustedProxies
from atlas.roles.endpoints import router as roles_router
from atlas.schema import tenant_tables
from atlas.search.endpoints import router as search_router
from atlas.tenancy.endpoints import router as permissions_router
from atlas.timesheets.endpoints import router as timesheets_router
from atlas.web.app import install_web
from atlas.web.documents import router as documents_router
from atlas.workspaces.endpoints import router as workspaces_router

log = logging.getLogger("atlas.app")


def signing_key(settings: Settings) -> str:
    """The workspace-token key: from settings, else kept in the data folder."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.environment == "production":
        raise RuntimeError("ATLAS_SECRET_KEY must be set in production")
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def operation_id(route: APIRoute) -> str:
    """The endpoint's function name (`create_project`): what a generated client calls the
    operation. Names are unique across the app; tests/test_openapi_client.py checks it."""
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_loop_errors(asyncio.get_running_loop())
        pool = await create_pool(settings.runtime_url(), settings)
        try:
            async with pool.acquire() as conn:
                await verify_runtime_role(
                    cast(asyncpg.Connection, conn), [t.name for t in tenant_tables()]
                )
            app.state.pool = pool
            async with run_outbox_sender(pool, settings):
                yield
        except UnsafeRuntimeRole as exc:
            log.critical("%s", exc)
            raise
        finally:
            await pool.close()

    app = FastAPI(
        title="Atlas ERP",
        version=__version__,
        description="Multi-tenant ERP API. Every tenant route runs inside one workspace.",
        lifespan=lifespan,
        docs_url=None,  # /api/docs is atlas.web.api_docs: Swagger UI from our own origin
        redoc_url=None,
        openapi_url="/api/openapi.json",
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.signing_key = signing_key(settings)
    app.state.sign_in_throttles = SignInThrottles.from_settings(settings)
    app.state.two_factor = TwoFactorKeys.from_signing_key(app.state.signing_key)
    install_limits(app)
    app.add_middleware(ApiCsrfMiddleware)  # inside the request context: refusals are logged
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(
        ForwardedClient,
        proxies=TrustedProxies.parse(settings.trusted_proxies),
        header=settings.trusted_proxy_header,
    )
    install_error_handlers(app)
    app.include_router(health.router)
    # The account routes name the per-workspace API limit one by one (sign-in has no caller).
    app.include_router(auth_router, responses=API_ERROR_RESPONSES)
    for api_router in (
        workspaces_router,
        projects_router,
        permissions_router,
        roles_router,
        hr_router,
        timesheets_router,
        finance_router,
        documents_router,
        ledger_router,
        exports_router,
        audit_router,
        search_router,
        api_keys_router,
    ):
        app.include_router(
            api_router, responses=API_ERROR_RESPONSES, dependencies=[Depends(workspace_limit)]
        )
    install_web(app)
    return app


def create_server_app() -> FastAPI:
    """The app as `atlas-erp serve` runs it in each worker process: settings from the
    environment, logging configured."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)
