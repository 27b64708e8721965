"""Settings: one object, read from ATLAS_* environment variables (and .env)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

PROJECT_DIR = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATLAS_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL of the owner role (runs migrations). Unset: embedded server.",
    )
    app_database_url: str | None = Field(
        default=None,
        description="URL of the runtime app role. Unset: database_url with user atlas_app.",
    )
    data_dir: Path = Field(default=PROJECT_DIR / ".atlas", description="Embedded server data.")
    embedded_port: int = Field(
        default=54329,
        description="Names the embedded server's Unix socket (.s.PGSQL.<port>); no TCP port.",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs workspace tokens. Unset: a key kept in data_dir."
    )
    environment: Literal["development", "production", "test"] = "development"
    session_ttl_seconds: int = 7 * 24 * 3600
    session_refresh_seconds: int = 24 * 3600
    workspace_token_ttl_seconds: int = Field(default=900, le=900)
    password_min_length: int = 10
    # Failed sign-ins per window: per (account, IP), per IP, per account (see SignInThrottles).
    signin_max_failures: int = 5
    signin_max_failures_per_ip: int = 20
    signin_max_failures_per_account: int = 100
    signin_window_seconds: int = 900
    invitation_ttl_hours: int = 48
    pool_min_size: int = 2
    pool_max_size: int = 10
    statement_timeout_ms: int = 15_000
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    public_url: str = "http://localhost:8000"
    cookie_secure: bool = False
    # Email: the outbox's sender uses SMTP when smtp_url is set, else writes to the log.
    smtp_url: SecretStr | None = Field(
        default=None, description="smtp://user:password@host:port (smtps:// for TLS)."
    )
    mail_from: str = "Atlas ERP <no-reply@atlas.invalid>"
    email_verification_ttl_hours: int = 48
    password_reset_ttl_minutes: int = 60
    # Rate limits: counters in Redis when redis_url is set, else in each worker's memory.
    redis_url: str | None = None
    rate_limit_window_seconds: int = 60
    rate_limit_auth_per_ip: int = 30  # sign-in, sign-up and password-reset requests
    rate_limit_auth_per_account: int = 10
    rate_limit_invitations_per_account: int = 30
    rate_limit_api_per_workspace: int = 1200  # 0 turns the API limit off
    rate_limit_api_per_member: int = 600  # per member inside a workspace; below the above
    rate_limit_api_per_key: int = 300  # per API key, on top of its creator's member limit
    max_body_bytes: int = 1_048_576
    # Reverse proxies whose X-Forwarded-For (or Forwarded) names the client: IPs or CIDRs.
    trusted_proxies: str = ""
    trusted_proxy_header: Literal["x-forwarded-for", "forwarded"] = "x-forwarded-for"
    db_acquire_timeout_seconds: float = 5.0

    def owner_url(self) -> str:
        if self.database_url is None:
            raise RuntimeError("database_url is not set and no embedded server was started")
        return self.database_url

    def runtime_url(self) -> str:
        if self.app_database_url:
            return self.app_database_url
        return (
            make_url(self.owner_url())
            .set(username="atlas_app", password=None)
            .render_as_string(hide_password=False)
        )

    def app_role(self) -> str:
        name = make_url(self.runtime_url()).username
        if not name:
            raise RuntimeError("the app database URL names no user")
        return name


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
