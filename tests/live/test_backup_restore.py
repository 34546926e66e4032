"""``helpdesk backup`` while the product serves a load of replies and uploads, ``helpdesk
restore`` into a fresh place, and the product started on it: everything from before the backup
began is there and consistent, and numbering goes on. And the refusals: a non-empty target, a
corrupted backup, a non-empty backup directory, each with a clear message, exit 1 and nothing
changed. On SQLite and on PostgreSQL (TEST_DATABASE_URL), as real processes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from processes import ServerProcess, process_env

from app.config import Settings
from app.models import Attachment, Message, Ticket, User
from app.services import tickets
from app.services.attachments import BytesFile
from tests.attachments import samples
from tests.attachments.helpers import Uploader

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
COMMAND_TIMEOUT = 120.0


@dataclass
class Result:
    code: int
    output: str


async def helpdesk(env: dict[str, str], *args: str) -> Result:
    """``helpdesk <args>`` as a process of its own; its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(errors="replace"))


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(scheme="postgresql", path="/postgres").geturl()


@pytest.fixture
async def fresh_target(settings: Settings, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """A fresh place to restore into: a new var directory, and on PostgreSQL a new database."""
    var = tmp_path / "restored-var"
    if not settings.db_url.startswith("postgres"):
        yield {"HELPDESK_VAR": str(var), "DATABASE_URL": f"sqlite://{var}/helpdesk.sqlite3"}
        return
    name = urlsplit(settings.db_url).path.lstrip("/") + "_restore"
    admin = await asyncpg.connect(_admin_url(settings.db_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = urlsplit(settings.db_url)._replace(path=f"/{name}").geturl()
        yield {"HELPDESK_VAR": str(var), "DATABASE_URL": url}
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def query(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read straight from a database (not through the app's connection)."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split("://", 1)[1])
        try:
            return [tuple(row) for row in conn.execute(sql)]
        finally:
            conn.close()
    pg = await asyncpg.connect("postgresql://" + database_url.split("://", 1)[1])
    try:
        return [tuple(row) for row in await pg.fetch(sql)]
    finally:
        await pg.close()


def absent(path: Path) -> bool:
    return not path.exists()


def nothing_in(folder: Path) -> bool:
    return not folder.exists() or not any(folder.rglob("*"))


@dataclass
class State:
    tickets: set[int]
    messages: set[int]
    attachments: set[tuple[str, str]]  # (public id, sha256)
    users: set[int]


async def state_of(database_url: str) -> State:
    return State(
        tickets={r[0] for r in await query(database_url, "SELECT number FROM tickets")},
        messages={r[0] for r in await query(database_url, "SELECT id FROM messages")},
        attachments={
            (r[0], r[1])
            for r in await query(database_url, "SELECT public_id, sha256 FROM attachments")
        },
        users={r[0] for r in await query(database_url, "SELECT id FROM users")},
    )


async def state_now() -> State:
    """What the product has committed, read through the test's own connection."""
    return State(
        tickets=set(await Ticket.all().values_list("number", flat=True)),
        messages=set(await Message.all().values_list("id", flat=True)),
        attachments=set(await Attachment.all().values_list("public_id", "sha256")),
        users=set(await User.all().values_list("id", flat=True)),
    )


class Load:
    """Clients replying with a new file each time and opening tickets with files, over HTTP,
    until stopped; ``done`` counts the replies and tickets the server confirmed."""

    def __init__(self, up: Uploader, world: Any, numbers: list[int]) -> None:
        self.up, self.world, self.numbers = up, world, numbers
        self.done = 0
        self.progress = asyncio.Event()
        self.stopping = asyncio.Event()

    async def run(self, worker: int) -> None:
        client = self.world.client_a
        count = 0
        while not self.stopping.is_set():
            count += 1
            data = samples.text(f"worker {worker} file {count}")
            if count % 5 == 0:
                result = await self.up.open_ticket(
                    client, self.world.dept_x, [(f"new-{worker}-{count}.txt", data)]
                )
                assert result["__typename"] == "Ticket", result
                self.numbers.append(result["number"])
            else:
                number = self.numbers[count % len(self.numbers)]
                result = await self.up.reply(client, number, [(f"r-{worker}-{count}.txt", data)])
                assert result["__typename"] == "Message", result
            self.done += 1
            if self.done >= 30:
                self.progress.set()


async def test_a_backup_taken_under_load_restores_complete_and_numbering_goes_on(
    world, settings, start, fresh_target, tmp_path
):
    server = start("serve")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    async with httpx.AsyncClient(timeout=60) as http:
        up = Uploader(server.base, http)
        numbers: list[int] = []
        for i in range(3):
            opened = await up.open_ticket(
                world.client_a, world.dept_x, [(f"first-{i}.txt", samples.text(f"first {i}"))]
            )
            numbers.append(opened["number"])
        load = Load(up, world, numbers)
        workers = [asyncio.create_task(load.run(w)) for w in range(3)]
        try:
            await asyncio.wait_for(load.progress.wait(), 60)
            before = await state_now()
            done_before = load.done
            backup_dir = tmp_path / "backup"
            env = process_env(settings, REDIS_URL=server.env["REDIS_URL"])
            made = await helpdesk(env, "backup", str(backup_dir))
            during = load.done - done_before
        finally:
            load.stopping.set()
            await asyncio.gather(*workers)
    assert made.code == 0, made.output
    assert "backup written" in made.output
    assert during > 0, "the load should have gone on while the backup ran"

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    restore_env = {**env, **fresh_target}
    restored = await helpdesk(restore_env, "restore", str(backup_dir))
    assert restored.code == 0, restored.output

    target_url = fresh_target["DATABASE_URL"]
    after = await state_of(target_url)
    assert before.tickets <= after.tickets
    assert before.messages <= after.messages
    assert before.attachments <= after.attachments
    assert before.users <= after.users
    # Exactly what the snapshot held, and every referenced file is there with its content.
    counts = manifest["counts"]
    assert (len(after.tickets), len(after.messages), len(after.attachments), len(after.users)) == (
        counts["tickets"],
        counts["messages"],
        counts["attachments"],
        counts["users"],
    )
    store = Path(fresh_target["HELPDESK_VAR"]) / "files"
    for _, sha256 in after.attachments:
        content = (store / sha256[:2] / sha256[2:4] / sha256).read_bytes()
        assert hashlib.sha256(content).hexdigest() == sha256
    dangling = await query(
        target_url,
        "SELECT count(*) FROM attachments a LEFT JOIN messages m ON m.id = a.message_id "
        "WHERE m.id IS NULL",
    )
    assert dangling == [(0,)]

    # The product on the restored data: files download, sessions work, numbering goes on.
    revived = start("serve", **fresh_target)
    assert isinstance(revived, ServerProcess)
    await revived.wait_ready()
    async with httpx.AsyncClient(timeout=60) as http:
        up = Uploader(revived.base, http)
        public_id, sha256 = sorted(before.attachments)[0]
        filename = (
            await query(
                target_url, f"SELECT filename FROM attachments WHERE public_id = '{public_id}'"
            )
        )[0][0]
        download = await up.download(
            f"{revived.base}/attachments/{public_id}/{filename}", token=world.client_a.token
        )
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == sha256
        opened = await up.open_ticket(world.client_a, world.dept_x, [])
    assert opened["__typename"] == "Ticket", opened
    assert opened["number"] > max(after.tickets)


async def test_refusals_change_nothing(world, settings, fresh_target, tmp_path):
    await tickets.open_ticket(
        actor=world.client_a.actor,
        settings=settings,
        department_id=world.dept_x.id,
        subject="Backed up",
        body="with a file",
        files=[BytesFile("note.txt", samples.text("in the backup"))],
    )
    env = process_env(settings)

    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    refused = await helpdesk(env, "backup", str(occupied))
    assert refused.code == 1
    assert "not empty" in refused.output
    assert [p.name for p in occupied.iterdir()] == ["keep.txt"]

    backup_dir = tmp_path / "backup"
    made = await helpdesk(env, "backup", str(backup_dir))
    assert made.code == 0, made.output

    # A store that lost a file the database references: no backup rather than a partial one.
    sha256 = (await Attachment.first()).sha256
    live_file = settings.var_dir / "files" / sha256[:2] / sha256[2:4] / sha256
    content = live_file.read_bytes()
    live_file.unlink()
    try:
        failed = await helpdesk(env, "backup", str(tmp_path / "partial"))
    finally:
        live_file.write_bytes(content)
    assert failed.code == 1
    assert "missing" in failed.output and sha256 in failed.output
    assert nothing_in(tmp_path / "partial")

    # Into the installation it came from: not empty, so refused, and nothing changed there.
    before = await state_now()
    refused = await helpdesk(env, "restore", str(backup_dir))
    assert refused.code == 1
    assert "will not restore into this installation" in refused.output
    assert await state_now() == before

    # A corrupted backup: refused before the fresh target is touched.
    stored = next(p for p in (backup_dir / "files").rglob("*") if p.is_file())
    intact = stored.read_bytes()
    stored.write_bytes(intact + b"!")
    restore_env = {**env, **fresh_target}
    refused = await helpdesk(restore_env, "restore", str(backup_dir))
    assert refused.code == 1
    assert "corrupted" in refused.output and stored.name in refused.output
    assert nothing_in(Path(fresh_target["HELPDESK_VAR"]))
    assert await target_database_is_empty(fresh_target["DATABASE_URL"])

    # An empty database but a data directory whose store holds files: refused as well.
    stored.write_bytes(intact)
    stray = Path(fresh_target["HELPDESK_VAR"]) / "files" / "aa" / "bb" / ("ab" * 32)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"someone else's file")
    refused = await helpdesk(restore_env, "restore", str(backup_dir))
    assert refused.code == 1
    assert "holds files already" in refused.output
    assert await target_database_is_empty(fresh_target["DATABASE_URL"])
    assert stray.read_bytes() == b"someone else's file"

    # The same backup, intact, into the empty place: restored.
    stray.unlink()
    restored = await helpdesk(restore_env, "restore", str(backup_dir))
    assert restored.code == 0, restored.output


async def target_database_is_empty(database_url: str) -> bool:
    if database_url.startswith("postgres"):
        sql = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        return await query(database_url, sql) == [(0,)]
    return absent(Path(database_url.split("://", 1)[1]))


_MIGRATE_TO = """
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
    await migrate(config=config, target=sys.argv[2])
    await Tortoise.close_connections()

asyncio.run(main())
"""


def last_migration(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT max(name) FROM tortoise_migrations").fetchone()[0]
    finally:
        conn.close()


async def test_an_older_backup_is_brought_up_to_date_and_a_newer_one_refused(settings, tmp_path):
    """On SQLite whatever the suite's database: the migration level is the backup's own."""
    old_var = tmp_path / "old"
    old_var.mkdir()
    database = old_var / "helpdesk.sqlite3"
    migrate = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _MIGRATE_TO, str(database), "models.0010_sla", cwd=ROOT
    )
    assert await asyncio.wait_for(migrate.wait(), COMMAND_TIMEOUT) == 0
    conn = sqlite3.connect(database)
    conn.execute(
        "INSERT INTO departments (name, email, created_at) "
        "VALUES ('Old support', 'old@helpdesk.test', '2025-01-01 00:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    # No SECRET_KEY in the environment: the key kept in the data directory travels along.
    (old_var / "secret_key").write_text("the-key-reply-addresses-are-signed-with")
    old = {"HELPDESK_VAR": str(old_var), "DATABASE_URL": f"sqlite://{database}", "SECRET_KEY": ""}
    backup_dir = tmp_path / "backup"
    made = await helpdesk(process_env(settings, **old), "backup", str(backup_dir))
    assert made.code == 0, made.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["database"]["migration"] == "0010_sla"

    new_var = tmp_path / "new"
    new = {
        "HELPDESK_VAR": str(new_var),
        "DATABASE_URL": f"sqlite://{new_var}/helpdesk.sqlite3",
        "SECRET_KEY": "",
    }
    restored = await helpdesk(process_env(settings, **new), "restore", str(backup_dir))
    assert restored.code == 0, restored.output
    newest = sorted(p.stem for p in (ROOT / "app/models/migrations").glob("0*.py"))[-1]
    assert last_migration(new_var / "helpdesk.sqlite3") == newest
    rows = await query(new["DATABASE_URL"], "SELECT name FROM departments")
    assert rows == [("Old support",)]
    key = new_var / "secret_key"
    assert key.read_text() == "the-key-reply-addresses-are-signed-with"
    assert key.stat().st_mode & 0o077 == 0

    # A backup from a version that knows more migrations than this one: refused, untouched.
    manifest["database"]["migration"] = "9999_from_the_future"
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))
    sums = [
        line
        if not line.endswith("  manifest.json")
        else hashlib.sha256((backup_dir / "manifest.json").read_bytes()).hexdigest()
        + "  manifest.json"
        for line in (backup_dir / "SHA256SUMS").read_text().splitlines()
    ]
    (backup_dir / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    later = {
        "HELPDESK_VAR": str(tmp_path / "later"),
        "DATABASE_URL": f"sqlite://{tmp_path}/later/db",
    }
    refused = await helpdesk(process_env(settings, **later), "restore", str(backup_dir))
    assert refused.code == 1
    assert "9999_from_the_future" in refused.output
    assert nothing_in(tmp_path / "later")
