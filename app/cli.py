"""The ``helpdesk`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from app.config import ConfigError, Settings, get_settings
from app.infra.logs import TEXT_FORMAT, configure_logging, uvicorn_log_config

T = TypeVar("T")


def _settings() -> Settings:
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_format)
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    from app.infra.stopping import run_until_signal
    from app.runner import run_all

    settings = _settings()
    run_until_signal(
        "run", lambda stop: run_all(settings, host=args.host, port=args.port, stop=stop)
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.infra.stopping import GracefulServer, run_until_signal, uvloop_factory
    from app.infra.websocket import LiveWebSocketProtocol
    from app.live.runtime import tune_gc_for_long_lived_sockets
    from app.main import create_app

    settings = _settings()
    app = create_app(settings)
    tune_gc_for_long_lived_sockets()
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        ws=LiveWebSocketProtocol,
        # Events are small JSON: compressing each costs CPU and ~40 KiB of zlib state per socket.
        ws_per_message_deflate=False,
        log_level="info",
        log_config=uvicorn_log_config(settings.log_format),
        # X-Forwarded-For/-Proto believed from the proxy only: the client address that the
        # logs and the sign-in limit see is the real one, and nobody else can forge it.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    run_until_signal(
        "serve",
        lambda stop: GracefulServer(config, stop, settings.stop_grace_seconds).serve(),
        loop_factory=uvloop_factory(),
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.infra.stopping import run_until_signal
    from app.workers.serve import worker_with_metrics

    settings = _settings()
    # SIGINT/SIGTERM: the jobs in progress finish (bounded) or go back to the queue.
    run_until_signal(
        "worker",
        lambda stop: worker_with_metrics(
            settings, host=args.metrics_host, port=args.metrics_port, stop=stop
        ),
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.infra import db

    asyncio.run(db.migrate(_settings()))
    print("migrations applied")
    return 0


async def _with_db(coro_factory: Callable[[], Awaitable[T]]) -> T:
    from app.infra import db

    settings = _settings()
    await db.connect(settings)
    try:
        return await coro_factory()
    finally:
        await db.disconnect()


async def _bump_actor_generation() -> None:
    from app.infra import actor_generation
    from app.infra.redis import redis_client

    redis = redis_client(_settings())
    try:
        await actor_generation.bump(redis)
    finally:
        await redis.aclose()


def cmd_create_admin(args: argparse.Namespace) -> int:
    from app.auth.passwords import hash_password, password_problem
    from app.auth.tokens import revoke_tokens
    from app.infra.clock import now
    from app.models import Role, User
    from app.services.directory import normalise_email

    problem = password_problem(args.password)
    if problem:
        raise SystemExit(f"helpdesk: {problem}")

    async def create() -> str:
        email = normalise_email(args.email)
        user, created = await User.get_or_create(
            email=email,
            defaults={
                "name": args.name,
                "role": Role.ADMIN,
                "created_at": now(),
                "password_hash": hash_password(args.password),
            },
        )
        if created:
            return f"admin created: {email}"
        user.role, user.name, user.active = Role.ADMIN, args.name, True
        user.password_hash = hash_password(args.password)
        await user.save()
        # A reset: whoever held the old password keeps no session or token (open sockets
        # close at each server's next session check).
        revoked = await revoke_tokens(user.id)
        # Servers' cached actors go stale (a Redis that does not answer has none to serve).
        await _bump_actor_generation()
        return f"admin updated: {email} (sessions and tokens revoked: {revoked})"

    print(asyncio.run(_with_db(create)))
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from app.seed import seed_demo

    logins = asyncio.run(_with_db(lambda: seed_demo(_settings())))
    if not logins:
        print("users exist already; nothing seeded")
    for login in logins:
        print(f"{login.role:<26} {login.email:<22} {login.password}")
    return 0


def cmd_move_to(args: argparse.Namespace) -> int:
    from app.infra.move_to import run

    return run(_settings(), args.database_url)


def cmd_mail_in(args: argparse.Namespace) -> int:
    from app.mail.intake_cli import mail_in

    return mail_in()


def cmd_backup(args: argparse.Namespace) -> int:
    from app.services.backup import BackupError, backup

    try:
        manifest = backup(_settings(), Path(args.dir))
    except BackupError as exc:
        print(f"helpdesk: backup failed: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {k}" for k, n in manifest["counts"].items())
    print(f"backup written to {args.dir} ({manifest['database']['kind']}: {counts})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.services.backup import BackupError, restore

    try:
        manifest = restore(_settings(), Path(args.dir))
    except BackupError as exc:
        print(f"helpdesk: restore refused: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {k}" for k, n in manifest["counts"].items())
    print(f"restored from {args.dir} (backup of {manifest['started_at']}: {counts})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="everything in one process tree (embedded defaults)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.set_defaults(func=cmd_run)

    serve = commands.add_parser("serve", help="the web server only (GraphQL, UI, downloads)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser("worker", help="an arq worker (notifications, inbound mail, cron)")
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve this worker's /metrics on this port (needs METRICS_TOKEN)",
    )
    worker.add_argument("--metrics-host", default="127.0.0.1")
    worker.set_defaults(func=cmd_worker)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    admin = commands.add_parser("create-admin", help="create or update an administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name", required=True)
    admin.set_defaults(func=cmd_create_admin)

    commands.add_parser(
        "seed-demo", help="demo departments, users and tickets (empty db only)"
    ).set_defaults(func=cmd_seed_demo)
    move = commands.add_parser(
        "move-to",
        help="copy this SQLite installation into an empty PostgreSQL database (stop it first)",
    )
    move.add_argument("database_url", metavar="DATABASE_URL", help="postgres://user:pw@host/db")
    move.set_defaults(func=cmd_move_to)
    backup = commands.add_parser(
        "backup", help="a consistent snapshot of the database and files (while serving)"
    )
    backup.add_argument("dir", help="a new or empty directory to write the backup into")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser(
        "restore", help="restore a backup into an empty data directory or database"
    )
    restore.add_argument("dir", help="the backup directory")
    restore.set_defaults(func=cmd_restore)
    commands.add_parser(
        "mail-in",
        help="ingest one raw message from standard input (exit 75 on a temporary failure)",
    ).set_defaults(func=cmd_mail_in)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format=TEXT_FORMAT)
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
