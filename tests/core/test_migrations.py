"""The committed migrations describe exactly the models: a model change needs its migration."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from app.infra.db import tortoise_config


async def test_models_and_migrations_do_not_drift(database, settings):
    config = tortoise_config(settings)
    detector = MigrationAutodetector(Tortoise.apps, config["apps"])
    pending = await detector.changes()
    described = [f"{w.app_label}: {[type(op).__name__ for op in w.operations]}" for w in pending]
    assert not pending, (
        "models differ from app/models/migrations; run "
        "`HELPDESK_VAR=$(mktemp -d) .venv/bin/tortoise makemigrations -n <what_changed>`: "
        f"{described}"
    )


_MIGRATE = """
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
config = {
    "connections": {"default": "sqlite://" + sys.argv[1]},
    "apps": {"models": {"models": ["app.models"], "default_connection": "default",
                        "migrations": "app.models.migrations"}},
    "use_tz": True,
    "timezone": "UTC",
}


async def main():
    await migrate(config=config, target=sys.argv[2] if len(sys.argv) > 2 else None)
    await Tortoise.close_connections()

asyncio.run(main())
"""


def _migrate(path, target: str | None = None) -> None:
    """In a child process: Tortoise's migrate re-initialises the process-wide Tortoise."""
    args = [sys.executable, "-c", _MIGRATE, str(path), *([target] if target else [])]
    subprocess.run(args, check=True, timeout=120, cwd=Path(__file__).resolve().parents[2])


def test_tickets_written_before_versions_start_at_version_1(tmp_path):
    """0003 adds Ticket.version to a table that already has tickets (a real upgrade): they get
    version 1."""
    path = tmp_path / "upgrade.sqlite3"
    _migrate(path, "models.0002_inbound_mail_held")
    stamp = "2026-01-01 00:00:00+00:00"
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO departments (id, name, created_at) VALUES (1, 'Support', ?)", [stamp]
        )
        db.execute(
            "INSERT INTO users (id, email, name, role, active, created_at) "
            "VALUES (1, 'a@example.com', 'Alice', 'client', 1, ?)",
            [stamp],
        )
        db.execute(
            "INSERT INTO tickets (id, number, subject, status, priority, created_at, "
            "last_activity_at, client_id, department_id) "
            "VALUES (1, 1000, 'Old', 'open', 2, ?, ?, 1, 1)",
            [stamp, stamp],
        )
    _migrate(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM tickets WHERE id = 1").fetchone() == (1,)
