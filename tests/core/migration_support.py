"""Running a migration test's script in a child process on a database of its own: a SQLite
file under ``tmp_path``, or with TEST_DATABASE_URL on PostgreSQL a database next to the test one
(created empty first, dropped after)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg


def run_on_own_database(
    script: str, tmp_path: Path, suffix: str
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (given the database URL as its argument) from the project's root."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    postgres = f"{url}_{suffix}" if url.startswith("postgres") else None
    if postgres is not None:
        _recreate(postgres)
    try:
        return subprocess.run(
            [sys.executable, "-c", script, postgres or f"sqlite://{tmp_path / 'old.sqlite3'}"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ, "HELPDESK_VAR": str(tmp_path)},
        )
    finally:
        if postgres is not None:
            _recreate(postgres, create=False)


def _recreate(url: str, *, create: bool = True) -> None:
    async def go() -> None:
        base, name = url.rsplit("/", 1)
        conn = await asyncpg.connect(base.replace("postgres://", "postgresql://") + "/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if create:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(go())
