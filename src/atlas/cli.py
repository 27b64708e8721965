"""The `atlas-erp` command: serve, database migrations and status, demo data, exports, and
the operator's tools of the books (verify the journal's chains, reopen a period)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import uvicorn

from atlas.books_upgrade import bring_books_up_to_date
from atlas.config import Settings, get_settings
from atlas.db import migrate
from atlas.db.embedded import EmbeddedPostgres, EmbeddedServerError
from atlas.demo import load_demo_if_empty, sign_in_lines
from atlas.errors import AtlasError
from atlas.exports.service import UnknownWorkspace, export_to_path
from atlas.ledger import service as ledger
from atlas.observability import configure_logging
from atlas.runtime import use_embedded_database


def _with_database(settings: Settings, action: Callable[[], int]) -> int:
    """Runs `action` against the configured database, or the embedded one (stopped after)."""
    server: EmbeddedPostgres | None = None
    try:
        if settings.database_url is None:
            server = use_embedded_database(settings)
        return action()
    except EmbeddedServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    def run() -> int:
        if not args.no_migrate:
            migrate.upgrade(settings.owner_url(), settings.app_role())
        if args.demo:
            if asyncio.run(load_demo_if_empty(settings)):
                print("Loaded the demo data.", flush=True)
            print("\n".join(sign_in_lines()), flush=True)
        print(f"Atlas ERP on http://{args.host}:{args.port}  (API docs: /api/docs)", flush=True)
        uvicorn.run(
            "atlas.app:create_server_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=None,
            access_log=False,
            # The client's address is atlas.proxies' business (ATLAS_TRUSTED_PROXIES):
            # uvicorn's own handling would trust X-Forwarded-For from 127.0.0.1.
            proxy_headers=False,
        )
        return 0

    return _with_database(settings, run)


def _db_upgrade(settings: Settings, _: argparse.Namespace) -> int:
    def run() -> int:
        migrate.upgrade(settings.owner_url(), settings.app_role())
        print(f"database at {migrate.status(settings.owner_url()).current}")
        counts = asyncio.run(bring_books_up_to_date(settings.owner_url()))
        print("books up to date: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
        return 0

    return _with_database(settings, run)


def _db_status(settings: Settings, _: argparse.Namespace) -> int:
    def run() -> int:
        state = migrate.status(settings.owner_url())
        print(f"current: {', '.join(state.current) or '(empty)'}")
        print(f"head:    {state.head}")
        print("up to date" if state.at_head else "migrations pending: run `atlas-erp db upgrade`")
        return 0 if state.at_head else 1

    return _with_database(settings, run)


def _demo(settings: Settings, _: argparse.Namespace) -> int:
    def run() -> int:
        migrate.upgrade(settings.owner_url(), settings.app_role())
        loaded = asyncio.run(load_demo_if_empty(settings))
        print(
            "Loaded the demo data." if loaded else "The database has data; the demo was not loaded."
        )
        print("\n".join(sign_in_lines()))
        return 0

    return _with_database(settings, run)


PROGRESS_WIDTH = 30


def _print_progress(table: str, done: int, total: int) -> None:
    """One text bar per table on stderr, redrawn in place; a newline once it is full."""
    filled = PROGRESS_WIDTH if total == 0 else PROGRESS_WIDTH * done // total
    bar = "#" * filled + "-" * (PROGRESS_WIDTH - filled)
    end = "\n" if done >= total else ""
    print(f"\r{table:<20} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)


def _workspace_export(settings: Settings, args: argparse.Namespace) -> int:
    """Operator tool: connects as the runtime app role and acts as the workspace (its
    tenant context is set for the export's transaction), with no user or permission check."""

    def run() -> int:
        path = Path(args.file)
        try:
            manifest = asyncio.run(
                export_to_path(settings.runtime_url(), args.slug, path, progress=_print_progress)
            )
        except UnknownWorkspace as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        rows = sum(table["rows"] for table in manifest["tables"])
        print(f"Exported {rows} rows of workspace '{args.slug}' to {path}")
        return 0

    return _with_database(settings, run)


def _ledger_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Operator tool: as the owner, every workspace's chain (or SLUG's), one line each."""

    def run() -> int:
        try:
            reports = asyncio.run(ledger.verify_books(settings.owner_url(), args.slug))
        except AtlasError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        for report in reports:
            broken = report.first_break
            if broken is not None:
                print(
                    f"{report.slug}: BROKEN at {broken.number} (chain_seq {broken.chain_seq}):"
                    f" {broken.what}"
                )
            elif report.totals_break is not None:
                print(f"{report.slug}: BROKEN: {report.totals_break}")
            else:
                print(f"{report.slug}: {report.entries} entries, chain intact")
        return 1 if any(report.broken for report in reports) else 0

    return _with_database(settings, run)


def _ledger_reopen(settings: Settings, args: argparse.Namespace) -> int:
    """Operator tool: as the owner, moves SLUG's lock date back; the audit trail names
    the operator."""

    def run() -> int:
        lock_date = None if args.clear else args.to
        try:
            change = asyncio.run(ledger.reopen_books(settings.owner_url(), args.slug, lock_date))
        except AtlasError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        print(f"{change.slug}: lock date {change.old} -> {change.new or 'none'}")
        return 0

    return _with_database(settings, run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atlas-erp", description="Atlas ERP service.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API (embedded PostgreSQL if none is set)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    serve.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    serve.set_defaults(handler=_serve)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser(
        "upgrade", help="apply migrations up to head, then bring the books up to date"
    ).set_defaults(handler=_db_upgrade)
    db_sub.add_parser("status", help="show the current and head revisions").set_defaults(
        handler=_db_status
    )

    sub.add_parser("demo", help="load demo data into an empty database").set_defaults(handler=_demo)

    workspace = sub.add_parser("workspace", help="operator tools acting on one workspace")
    workspace_sub = workspace.add_subparsers(dest="workspace_command", required=True)
    export = workspace_sub.add_parser(
        "export",
        help="write a workspace's rows to a ZIP file (acts as the workspace: operator tool)",
        description=(
            "Write every row of the workspace named SLUG to FILE as a ZIP of JSON-lines files"
            " and a manifest (the same archive as GET /api/v1/workspace/export). This is an"
            " operator tool: it connects as the runtime app role and acts as the workspace,"
            " without any user's sign-in or permission check."
        ),
    )
    export.add_argument("slug", metavar="SLUG", help="the workspace's slug")
    export.add_argument("file", metavar="FILE", help="the ZIP file to write")
    export.set_defaults(handler=_workspace_export)

    books = sub.add_parser("ledger", help="operator tools of the books (as the owner role)")
    books_sub = books.add_subparsers(dest="ledger_command", required=True)
    verify = books_sub.add_parser(
        "verify",
        help="recompute every journal entry's hash and check the chains; exit 1 on a break",
        description=(
            "For every workspace (or the one named SLUG), walk the journal entries in chain"
            " order, recompute each entry's SHA-256 and check the chain's links, its numbering"
            " and the lines each entry sealed. Prints one line per workspace: a summary, or"
            " the first break. Exit status 1 if any chain is broken."
        ),
    )
    verify.add_argument("slug", metavar="SLUG", nargs="?", help="only this workspace")
    verify.set_defaults(handler=_ledger_verify)
    reopen = books_sub.add_parser(
        "reopen",
        help="move a workspace's lock date back (the audit trail names the operator)",
        description=(
            "Move the lock date of the workspace named SLUG back to DATE, or clear it. Only"
            " the tables' owner may; the change is an audit event whose actor is 'operator'."
        ),
    )
    reopen.add_argument("slug", metavar="SLUG", help="the workspace's slug")
    target = reopen.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", type=date.fromisoformat, metavar="DATE", help="YYYY-MM-DD")
    target.add_argument("--clear", action="store_true", help="no lock date at all")
    reopen.set_defaults(handler=_ledger_reopen)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    handler: Callable[[Settings, argparse.Namespace], int] = args.handler
    sys.exit(handler(settings, args))
