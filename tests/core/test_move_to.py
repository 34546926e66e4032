"""``helpdesk move-to``: an SQLite installation (the demo data plus 10,000 generated tickets)
moved by the real command into a throw-away PostgreSQL database, then served from there.

Needs a PostgreSQL server: runs when TEST_DATABASE_URL is a postgres:// URL (its server hosts
the throw-away databases), skipped on an SQLite-only run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.infra.move_to import KEPT_BY_POSTGRES
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_URL = os.environ.get("TEST_DATABASE_URL", "")
GENERATED = 10_000
RARE_WORD = "quokkas"  # in one generated message only

pytestmark = pytest.mark.skipif(
    not TEST_URL.startswith("postgres"), reason="needs TEST_DATABASE_URL on PostgreSQL"
)


def _server_url(database: str) -> str:
    return TEST_URL.rsplit("/", 1)[0] + "/" + database


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _pg(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(_dsn(url))
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    return asyncio.run(go())


def _recreate(name: str, *, create: bool = True) -> str:
    _pg(_server_url("postgres"), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if create:
        _pg(_server_url("postgres"), f'CREATE DATABASE "{name}"')
    return _server_url(name)


def _tables(url: str) -> list[str]:
    rows = _pg(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    )
    return [r["table_name"] for r in rows]


def helpdesk(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def sqlite_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An installation on the default SQLite file: migrated, demo data, 10,000 more tickets."""
    var = tmp_path_factory.mktemp("move-var")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "HELPDESK_VAR": str(var),
    }
    for command in (["migrate"], ["seed-demo"]):
        done = helpdesk(command, env)
        assert done.returncode == 0, done.stderr
    _generate_tickets(var / "helpdesk.sqlite3")
    return env


def _generate_tickets(path: Path) -> None:
    """Bulk inserts, as fast as SQLite goes (the search triggers index them as the app would)."""
    db = sqlite3.connect(path)
    with db:
        first_id, first_number = db.execute(
            "SELECT max(id) + 1, max(number) + 1 FROM tickets"
        ).fetchone()
        client = db.execute("SELECT id FROM users WHERE email = 'carol@example.com'").fetchone()[0]
        department = db.execute("SELECT min(id) FROM departments").fetchone()[0]
        start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        tickets, messages = [], []
        for i in range(GENERATED):
            at = str(start + timedelta(minutes=i, microseconds=i))
            tickets.append(
                (
                    first_id + i,
                    first_number + i,
                    f"Generated request {i}",
                    "open",
                    2,
                    department,
                    client,
                    at,
                    at,
                )
            )
            body = f"Request {i}: the printer on floor {i % 7} " + (
                f"is full of {RARE_WORD}" if i == 7777 else "shows an error"
            )
            messages.append((first_id + i, client, body, 0, "web", at))
        db.executemany(
            "INSERT INTO tickets (id, number, subject, status, priority, department_id, "
            "client_id, created_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tickets,
        )
        db.executemany(
            "INSERT INTO messages (ticket_id, author_id, body, internal, source, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            messages,
        )
        # An old ticket merged into a newer one: a reference to a row copied after it.
        db.execute(
            "UPDATE tickets SET merged_into_id = ?, status = 'closed', closed_at = created_at "
            "WHERE id = ?",
            (first_id + GENERATED - 1, first_id),
        )
        db.execute("UPDATE ticket_sequence SET next_number = ?", (first_number + GENERATED,))
    db.close()


@pytest.fixture(scope="module")
def moved(sqlite_env: dict[str, str]) -> Iterator[tuple[str, subprocess.CompletedProcess[str]]]:
    name = TEST_URL.rsplit("/", 1)[1] + "_moved"
    url = _recreate(name)
    done = helpdesk(["move-to", url], sqlite_env)
    yield url, done
    _recreate(name, create=False)


@pytest.fixture
def empty_target() -> Iterator[str]:
    name = TEST_URL.rsplit("/", 1)[1] + "_empty"
    yield _recreate(name)
    _recreate(name, create=False)


def _source(env: dict[str, str]) -> sqlite3.Connection:
    db = sqlite3.connect(Path(env["HELPDESK_VAR"]) / "helpdesk.sqlite3")
    db.row_factory = sqlite3.Row
    return db


def _same(pg: Any, lite: Any) -> bool:
    """One value as PostgreSQL returns it and as SQLite stored it."""
    if isinstance(pg, datetime):
        return pg == datetime.fromisoformat(lite)
    if isinstance(pg, bool):
        return pg == bool(lite)
    return bool(pg == lite)


def test_every_row_is_copied_and_verified(moved, sqlite_env):
    url, done = moved
    assert done.returncode == 0, done.stderr
    assert f"DATABASE_URL={url}" in done.stdout
    assert "attachments stay in" in done.stdout
    source = _source(sqlite_env)
    for table in _tables(url):
        if table == "tortoise_migrations":
            continue
        copied = _pg(url, f'SELECT count(*) FROM "{table}"')[0][0]
        assert copied == source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0], table
    assert _pg(url, "SELECT count(*) FROM tickets")[0][0] > GENERATED


@pytest.mark.parametrize("table", ["tickets", "messages", "users"])
def test_sampled_rows_equal_field_by_field(moved, sqlite_env, table):
    url, _ = moved
    source = _source(sqlite_env)
    highest = source.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
    sample = sorted({1, 2, 3, highest // 2, highest - 1, highest} & set(range(1, highest + 1)))
    for row_id in sample:
        lite = source.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        pg = _pg(url, f"SELECT * FROM {table} WHERE id = $1", row_id)[0]
        # A Record iterates values. PostgreSQL keeps the search vectors and each message's copy
        # of its ticket's department itself.
        kept = {"search_vector"} | {c for t, c in KEPT_BY_POSTGRES if t == table}
        columns = [c for c in dict(pg) if c not in kept]
        assert sorted(columns) == sorted(lite.keys())
        for column in columns:
            assert _same(pg[column], lite[column]), (table, row_id, column, pg[column])
    if table == "messages":  # every copied message took its ticket's department
        wrong = _pg(
            url,
            "SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id"
            " WHERE m.department_id IS DISTINCT FROM t.department_id",
        )
        assert wrong[0][0] == 0


def _post(base: str, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


@pytest.fixture
def server_on_postgres(moved, sqlite_env, redis_url, tmp_path) -> Iterator[str]:
    """``helpdesk serve`` on the moved database, with the HELPDESK_VAR of the installation."""
    url, _ = moved
    port = free_port()
    env = {
        **sqlite_env,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "move-to-test-secret",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SMTP_URL": "smtp://127.0.0.1:1",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while True:  # bounded: until /healthz answers or the process dies
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert datetime.now(UTC) < deadline, (tmp_path / "serve.log").read_text()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
        log.close()


LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Session { token } ... on Error { code } } }"""
SEARCH = """query($s: String!) { tickets(filter: {search: $s}) { totalCount
  edges { node { number subject } } } }"""
OPEN = """mutation($d: ID!) { openTicket(input: {departmentId: $d, subject: "After the move",
  body: "Still works"}) { __typename ... on Ticket { id number } ... on Error { code } } }"""


def test_the_app_runs_on_the_moved_database(server_on_postgres, moved, sqlite_env):
    base = server_on_postgres
    url, _ = moved
    source = _source(sqlite_env)

    login = _post(base, LOGIN, {"e": "carol@example.com", "p": "helpdesk-demo"})["login"]
    assert login["__typename"] == "Session"  # the copied password hash signs in
    token = login["token"]
    wrong = _post(base, LOGIN, {"e": "carol@example.com", "p": "not-her-password"})["login"]
    assert wrong["__typename"] != "Session"

    # Search: the copied message's words were indexed by PostgreSQL's generated columns.
    number = source.execute(
        "SELECT t.number FROM tickets t JOIN messages m ON m.ticket_id = t.id WHERE m.body LIKE ?",
        (f"%{RARE_WORD}%",),
    ).fetchone()[0]
    found = _post(base, SEARCH, {"s": "quokka"}, token)["tickets"]
    assert [e["node"]["number"] for e in found["edges"]] == [number]
    by_subject = _post(base, SEARCH, {"s": "Generated request 4242"}, token)["tickets"]
    assert number - 7777 + 4242 in [e["node"]["number"] for e in by_subject["edges"]]

    # A new ticket takes the next number and a new id: nothing is reused.
    next_number = source.execute("SELECT next_number FROM ticket_sequence").fetchone()[0]
    highest_id = source.execute("SELECT max(id) FROM tickets").fetchone()[0]
    department = source.execute("SELECT min(id) FROM departments").fetchone()[0]
    opened = _post(base, OPEN, {"d": str(department)}, token)["openTicket"]
    assert opened["__typename"] == "Ticket", opened
    assert opened["number"] == next_number
    assert int(opened["id"]) == highest_id + 1
    message_ids = _pg(url, "SELECT max(id) FROM messages")[0][0]
    assert message_ids == source.execute("SELECT max(id) FROM messages").fetchone()[0] + 1


def test_a_target_with_rows_is_refused_and_left_alone(moved, sqlite_env):
    url, _ = moved
    before = _pg(url, "SELECT count(*), max(id) FROM tickets")[0]
    done = helpdesk(["move-to", url], sqlite_env)
    assert done.returncode == 2
    assert "not empty" in done.stderr and "nothing changed" in done.stderr
    assert tuple(_pg(url, "SELECT count(*), max(id) FROM tickets")[0]) == tuple(before)


def test_a_target_that_is_not_postgresql_is_refused(sqlite_env, tmp_path):
    other = tmp_path / "other.sqlite3"
    done = helpdesk(["move-to", f"sqlite://{other}"], sqlite_env)
    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr
    assert not other.exists()


def test_an_unreachable_or_missing_target_is_refused(sqlite_env):
    closed = free_port()
    done = helpdesk(["move-to", f"postgres://postgres@127.0.0.1:{closed}/helpdesk"], sqlite_env)
    assert done.returncode == 2
    assert "cannot reach PostgreSQL" in done.stderr
    missing = TEST_URL.rsplit("/", 1)[1] + "_never_created"
    _recreate(missing, create=False)
    done = helpdesk(["move-to", _server_url(missing)], sqlite_env)
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "createdb" in done.stderr


def test_a_running_writer_is_refused(sqlite_env, empty_target):
    writer = sqlite3.connect(Path(sqlite_env["HELPDESK_VAR"]) / "helpdesk.sqlite3")
    writer.isolation_level = None
    writer.execute("BEGIN IMMEDIATE")
    try:
        done = helpdesk(["move-to", empty_target], sqlite_env)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert done.returncode == 2
    assert "another process is writing" in done.stderr
    assert _tables(empty_target) == []  # not even migrated


def test_a_running_helpdesk_is_refused(sqlite_env, empty_target):
    """``helpdesk run`` on this HELPDESK_VAR answers on var/redis.sock, even when idle."""
    path = Path(sqlite_env["HELPDESK_VAR"]) / "redis.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen()
    try:
        done = helpdesk(["move-to", empty_target], sqlite_env)
    finally:
        listener.close()
        path.unlink()
    assert done.returncode == 2
    assert "the helpdesk is running" in done.stderr
    assert _tables(empty_target) == []


def test_a_failed_copy_leaves_the_target_empty_to_try_again(tmp_path, empty_target):
    """A message whose ticket is gone (SQLite let it in with foreign keys off): PostgreSQL
    refuses it, the whole copy rolls back, and after the fix the move goes through."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "HELPDESK_VAR": str(tmp_path / "var"),
    }
    for command in (["migrate"], ["seed-demo"]):
        assert helpdesk(command, env).returncode == 0
    source = sqlite3.connect(tmp_path / "var" / "helpdesk.sqlite3")
    with source:
        source.execute(
            "INSERT INTO messages (id, ticket_id, body, internal, source, created_at) "
            "VALUES (900, 99999, 'orphan', 0, 'web', '2026-01-01 00:00:00+00:00')"
        )
    done = helpdesk(["move-to", empty_target], env)
    assert done.returncode == 1
    assert "99999" in done.stderr and "rolled back" in done.stderr
    for table in ("users", "tickets", "messages", "departments"):
        assert _pg(empty_target, f"SELECT count(*) FROM {table}")[0][0] == 0

    with source:
        source.execute("DELETE FROM messages WHERE id = 900")
    source.close()
    done = helpdesk(["move-to", empty_target], env)
    assert done.returncode == 0, done.stderr
    assert _pg(empty_target, "SELECT count(*) FROM users")[0][0] == 5


def test_the_checksum_sees_one_changed_value_but_not_the_order():
    from app.infra.move_to import Checksum, Column

    columns = [Column("id", "integer"), Column("at", "timestamp with time zone")]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [(1, at), (2, None), (3, at + timedelta(microseconds=1))]

    def checksum(rows: list[tuple[Any, ...]]) -> str:
        total = Checksum(columns)
        for row in rows:
            total.add(row)
        return total.hex

    assert checksum(rows) == checksum(list(reversed(rows)))
    assert checksum(rows) != checksum([*rows[:2], (3, at)])
    assert checksum(rows) != checksum(rows[:2])


def test_a_source_that_is_not_a_migrated_sqlite_file_is_refused(sqlite_env, tmp_path, empty_target):
    on_postgres = helpdesk(["move-to", empty_target], {**sqlite_env, "DATABASE_URL": TEST_URL})
    assert on_postgres.returncode == 2
    assert "not on SQLite" in on_postgres.stderr

    nowhere = helpdesk(["move-to", empty_target], {**sqlite_env, "HELPDESK_VAR": str(tmp_path)})
    assert nowhere.returncode == 2
    assert "no SQLite database at" in nowhere.stderr

    behind = tmp_path / "behind"
    behind.mkdir()
    copy = sqlite3.connect(behind / "helpdesk.sqlite3")
    original = _source(sqlite_env)
    original.backup(copy)
    original.close()
    with copy:
        copy.execute("DELETE FROM tortoise_migrations WHERE name = '0011_accounts'")
    copy.close()
    done = helpdesk(["move-to", empty_target], {**sqlite_env, "HELPDESK_VAR": str(behind)})
    assert done.returncode == 2
    assert "0011_accounts" in done.stderr and "helpdesk migrate" in done.stderr
    assert _tables(empty_target) == []
