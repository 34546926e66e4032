"""The ``helpdesk`` command as an operator uses it (real subprocesses)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPDESK = [sys.executable, "-m", "app.cli"]


def run(
    args: list[str], env: dict[str, str], stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        HELPDESK + args,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        input=None if stdin is None else stdin.decode(),
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "SECRET_KEY", "PUBLIC_URL")
    }
    return {**clean, "HELPDESK_VAR": str(tmp_path / "var")}


@pytest.mark.parametrize(
    "command",
    ["run", "serve", "worker", "migrate", "create-admin", "seed-demo", "mail-in", "move-to"],
)
def test_every_command_has_help(command, env):
    result = run([command, "--help"], env)
    assert result.returncode == 0
    assert "usage: helpdesk" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://x"),
        ("SMTP_URL", "ftp://x"),
        ("AUTO_CLOSE_DAYS", "-3"),
        ("MAX_FILE_BYTES", "lots"),
    ],
)
def test_bad_config_fails_at_start_naming_the_variable(variable, value, env):
    result = run(["migrate"], {**env, variable: value})
    assert result.returncode == 2
    assert variable in result.stderr


def test_migrate_create_admin_and_seed_demo_on_sqlite(env, tmp_path):
    assert run(["migrate"], env).returncode == 0
    assert (tmp_path / "var" / "helpdesk.sqlite3").exists()
    made = run(
        [
            "create-admin",
            "--email",
            "Root@Example.com",
            "--password",
            "correct-horse",
            "--name",
            "Root",
        ],
        env,
    )
    assert made.returncode == 0, made.stderr
    assert "root@example.com" in made.stdout
    # Run again, it resets that admin: a session made with the old password is revoked.
    database = sqlite3.connect(tmp_path / "var" / "helpdesk.sqlite3")
    database.execute(
        "INSERT INTO auth_tokens (user_id, kind, name, token_hash, created_at) "
        "SELECT id, 'session', '', 'old-session', '2026-01-01 00:00:00' FROM users"
    )
    database.commit()
    reset = run(
        ["create-admin", "--email", "root@example.com", "--password", "new-horse", "--name", "R"],
        env,
    )
    assert reset.returncode == 0, reset.stderr
    assert "sessions and tokens revoked: 1" in reset.stdout
    [(revoked_at,)] = database.execute("SELECT revoked_at FROM auth_tokens").fetchall()
    assert revoked_at is not None
    database.close()
    short = run(
        ["create-admin", "--email", "x@example.com", "--password", "short", "--name", "X"], env
    )
    assert short.returncode != 0
    seeded = run(["seed-demo"], env)
    assert "nothing seeded" in seeded.stdout  # users exist already: seed-demo never overwrites


def test_seed_demo_on_an_empty_database(env):
    assert run(["migrate"], env).returncode == 0
    seeded = run(["seed-demo"], env)
    assert seeded.returncode == 0, seeded.stderr
    assert "sam@example.com" in seeded.stdout and "carol@example.com" in seeded.stdout


def test_secret_key_is_generated_once_and_kept(env, tmp_path):
    from app.config import Settings

    settings = Settings(helpdesk_var=tmp_path / "keyvar", secret_key=None)
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert (
        Settings(helpdesk_var=tmp_path / "keyvar", secret_key=None).resolved_secret_key() == first
    )
    assert oct((tmp_path / "keyvar" / "secret_key").stat().st_mode & 0o777) == "0o600"
