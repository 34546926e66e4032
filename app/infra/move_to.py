"""``helpdesk move-to DATABASE_URL``: copy an SQLite installation into an empty PostgreSQL
database.

The order: refuse early (target not PostgreSQL, unreachable, missing or not empty; source not
SQLite or not migrated; another process writing to the source) without changing anything;
then run the product's migrations on the target, copy every table in foreign-key order in
batches (binary COPY), keep the ids, set each id sequence and the ticket-number row past the
highest value, and compare row counts and a checksum per table on both sides.

The source is held with SQLite's write lock (``BEGIN IMMEDIATE``) from the first check to the
last comparison: nothing can change it during the move, and a process writing at the start is
detected. The product should be stopped anyway: a server that stays up keeps writing (or failing
to) into the SQLite file, not into the new database.

Foreign keys on the target are dropped for the copy and added again at the end (PostgreSQL
checks every row then): a ticket merged into a newer ticket refers to a row copied after it.
Generated columns (the search vectors of migration 0005) are left out of the copy: PostgreSQL
computes them for each copied row.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from tortoise.exceptions import BaseORMException

from app.config import Settings
from app.infra import db

MIGRATIONS_TABLE = "tortoise_migrations"
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "models" / "migrations"
BATCH_ROWS = 5000
CONNECT_TIMEOUT = 10.0


class MoveRefused(Exception):
    """Nothing was changed; the message says why and what to do."""


class MoveFailed(Exception):
    """The copy started and did not finish or did not verify; the target must be recreated."""


@dataclass
class Column:
    name: str
    data_type: str


@dataclass
class Table:
    name: str
    columns: list[Column]
    refers_to: set[str] = field(default_factory=set)


@dataclass
class TableResult:
    name: str
    rows: int
    checksum: str


@dataclass
class MoveResult:
    target_url: str
    tables: list[TableResult]
    seconds: float
    files_dir: Path
    next_ticket_number: int | None


def _postgres_dsn(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in ("postgres", "postgresql"):
        raise MoveRefused(
            f"the target must be a PostgreSQL URL (postgres://user:password@host/database), "
            f"not {scheme or 'this'}://"
        )
    return "postgresql://" + url.split("://", 1)[1]


def _sqlite_path(settings: Settings) -> Path:
    url = settings.db_url
    if not url.startswith("sqlite://"):
        raise MoveRefused(
            "DATABASE_URL names no SQLite database: this installation is not on SQLite "
            "(unset DATABASE_URL, or set it to the sqlite:// URL to move from)"
        )
    path = Path(url[len("sqlite://") :].split("?", 1)[0])
    if not path.is_file():
        raise MoveRefused(f"no SQLite database at {path} (check HELPDESK_VAR and DATABASE_URL)")
    return path


def _committed_migrations() -> list[str]:
    return sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py"))


def _check_not_running(settings: Settings) -> None:
    """``helpdesk run`` on this HELPDESK_VAR answers on its private Redis socket: refuse then,
    even when it is idle (the write lock below only catches a write in progress)."""
    path = settings.var_dir / "redis.sock"
    if not path.exists():
        return
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return  # a socket file left by a stopped run
    raise MoveRefused(
        f"the helpdesk is running on {settings.var_dir} (its Redis answers at {path}): "
        "stop it (Ctrl+C on `helpdesk run`) before moving"
    )


def _lock_source(path: Path) -> sqlite3.Connection:
    """Open the source and take its write lock, held until the connection closes: no one can
    write during the move, and a writer holding the lock now is refused rather than waited for."""
    source = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        source.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        source.close()
        raise MoveRefused(
            f"another process is writing to {path} ({exc}): stop the helpdesk "
            "(run, serve, worker, mail-in) before moving"
        ) from None
    return source


def _check_source_migrated(source: sqlite3.Connection) -> None:
    try:
        applied = {row[0] for row in source.execute(f'SELECT name FROM "{MIGRATIONS_TABLE}"')}
    except sqlite3.OperationalError:
        applied = set()
    missing = [name for name in _committed_migrations() if name not in applied]
    if missing:
        raise MoveRefused(
            f"the SQLite database lacks migrations ({', '.join(missing)}): "
            "run `helpdesk migrate` first, then move"
        )


async def _connect(dsn: str) -> asyncpg.Connection:
    host = urlsplit(dsn).hostname or "localhost"
    try:
        return await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT)
    except asyncpg.InvalidCatalogNameError:
        name = urlsplit(dsn).path.lstrip("/")
        raise MoveRefused(
            f"the database {name!r} does not exist on {host}: create it empty first "
            f"(createdb {name}), then move"
        ) from None
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise MoveRefused(f"cannot reach PostgreSQL at {host}: {exc}") from None


async def _user_tables(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return [row["table_name"] for row in rows]


async def _check_target_empty(conn: asyncpg.Connection) -> None:
    """Empty: no rows in any table (a database that only ran ``helpdesk migrate`` is empty)."""
    for table in await _user_tables(conn):
        if table == MIGRATIONS_TABLE:
            continue
        if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
            raise MoveRefused(
                f"the target database is not empty (table {table} has rows): "
                "move-to only copies into an empty database"
            )


async def _target_tables(conn: asyncpg.Connection) -> list[Table]:
    """The product's tables on the target in foreign-key order (each after those it refers
    to), with the columns to copy (generated ones are computed by PostgreSQL)."""
    tables = {
        name: Table(name, []) for name in await _user_tables(conn) if name != MIGRATIONS_TABLE
    }
    for row in await conn.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_generated = 'NEVER' "
        "ORDER BY table_name, ordinal_position"
    ):
        if row["table_name"] in tables:
            tables[row["table_name"]].columns.append(Column(row["column_name"], row["data_type"]))
    for row in await conn.fetch(
        "SELECT c.conrelid::regclass::text AS tbl, c.confrelid::regclass::text AS ref "
        "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE c.contype = 'f' AND n.nspname = 'public'"
    ):
        tbl, ref = row["tbl"].strip('"'), row["ref"].strip('"')
        if tbl in tables and ref != tbl:
            tables[tbl].refers_to.add(ref)
    ordered: list[Table] = []
    left = dict(sorted(tables.items()))
    while left:
        free = [t for t in left.values() if not (t.refers_to & left.keys())]
        for table in free or list(left.values()):  # a cycle: its foreign keys are off anyway
            ordered.append(left.pop(table.name))
    return ordered


# --- values: SQLite's storage to PostgreSQL's types, and one canonical text for both ---


def _to_datetime(value: Any, *, aware: bool) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if aware and parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


def _converter(data_type: str) -> Callable[[Any], Any]:
    converters: dict[str, Callable[[Any], Any]] = {
        "timestamp with time zone": lambda v: _to_datetime(v, aware=True),
        "timestamp without time zone": lambda v: _to_datetime(v, aware=False),
        "date": lambda v: date.fromisoformat(str(v)),
        "time without time zone": lambda v: time_of_day.fromisoformat(str(v)),
        "boolean": lambda v: bool(int(v)),
        "smallint": int,
        "integer": int,
        "bigint": int,
        "numeric": lambda v: Decimal(str(v)),
        "real": float,
        "double precision": float,
        "uuid": lambda v: uuid.UUID(str(v)),
        "json": lambda v: v if isinstance(v, str) else json.dumps(v),
        "jsonb": lambda v: v if isinstance(v, str) else json.dumps(v),
        "bytea": lambda v: v.encode() if isinstance(v, str) else bytes(v),
    }
    text: Callable[[Any], Any] = lambda v: v if isinstance(v, str) else str(v)  # noqa: E731
    convert = converters.get(data_type, text)
    return lambda v: None if v is None else convert(v)


def _canonical(value: Any, data_type: str) -> str:
    if value is None:
        return "\x00"
    if data_type in ("json", "jsonb"):
        return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, date | time_of_day | uuid.UUID | int):
        return str(value)
    return str(value)


class Checksum:
    """An order-free checksum of a table's rows (the sum of each row's SHA-256, mod 2^128):
    no ORDER BY whose collation could differ between the two databases."""

    MOD = 1 << 128

    def __init__(self, columns: list[Column]) -> None:
        self.types = [c.data_type for c in columns]
        self.total = 0
        self.rows = 0

    def add(self, row: Iterable[Any]) -> None:
        text = "\x1f".join(_canonical(v, t) for v, t in zip(row, self.types, strict=True))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        self.total = (self.total + int.from_bytes(digest[:16], "big")) % self.MOD
        self.rows += 1

    @property
    def hex(self) -> str:
        return f"{self.total:032x}"


def _source_rows(
    source: sqlite3.Connection, table: Table, batch: int
) -> Iterator[list[tuple[Any, ...]]]:
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    converters = [_converter(c.data_type) for c in table.columns]
    cursor = source.execute(f'SELECT {names} FROM "{table.name}"')
    while rows := cursor.fetchmany(batch):
        yield [tuple(conv(v) for conv, v in zip(converters, row, strict=True)) for row in rows]


KEPT_BY_POSTGRES = {("messages", "department_id")}
"""Columns only PostgreSQL has, which its own triggers fill as rows are written (migration
0014_message_departments: each message's copy of its ticket's department, for the search):
SQLite has no such column, and COPY fires the triggers, so they are not copied."""


def _check_source_columns(source: sqlite3.Connection, table: Table) -> None:
    """Every column to copy is in the SQLite table; the ones PostgreSQL keeps itself are left
    out of ``table``'s columns (so of the copy and of both checksums)."""
    have = {row[1] for row in source.execute(f'PRAGMA table_info("{table.name}")')}
    if not have:
        raise MoveFailed(f"the SQLite database has no table {table.name}")
    table.columns[:] = [
        c for c in table.columns if c.name in have or (table.name, c.name) not in KEPT_BY_POSTGRES
    ]
    missing = [c.name for c in table.columns if c.name not in have]
    if missing:
        raise MoveFailed(f"the SQLite table {table.name} lacks columns {', '.join(missing)}")


async def _copy(
    conn: asyncpg.Connection,
    source: sqlite3.Connection,
    tables: list[Table],
    batch: int,
    say: Callable[[str], None],
) -> dict[str, Checksum]:
    """Copy every table in one transaction (a failure leaves the target migrated and empty)
    and return each table's checksum as written."""
    sums: dict[str, Checksum] = {}
    async with conn.transaction():
        foreign_keys = await conn.fetch(
            "SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, "
            "pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE c.contype = 'f' AND n.nspname = 'public'"
        )
        for fk in foreign_keys:
            await conn.execute(f'ALTER TABLE {fk["tbl"]} DROP CONSTRAINT "{fk["name"]}"')
        for table in tables:
            _check_source_columns(source, table)
            sums[table.name] = checksum = Checksum(table.columns)
            started = time.monotonic()
            for rows in _source_rows(source, table, batch):
                for row in rows:
                    checksum.add(row)
                await conn.copy_records_to_table(
                    table.name, records=rows, columns=[c.name for c in table.columns]
                )
            say(f"  {table.name}: {checksum.rows} rows ({time.monotonic() - started:.1f} s)")
        for fk in foreign_keys:  # PostgreSQL checks every copied row here
            await conn.execute(
                f'ALTER TABLE {fk["tbl"]} ADD CONSTRAINT "{fk["name"]}" {fk["definition"]}'
            )
        await _set_sequences(conn)
    return sums


async def _set_sequences(conn: asyncpg.Connection) -> None:
    """Every id sequence past its table's highest id, and the ticket-number row past the
    highest ticket number (it already is, unless the source's row was lost)."""
    for row in await conn.fetch(
        "SELECT t.relname AS tbl, a.attname AS col, "
        "pg_get_serial_sequence(quote_ident(t.relname), a.attname) AS seq "
        "FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = t.oid "
        "WHERE n.nspname = 'public' AND t.relkind = 'r' AND a.attnum > 0 "
        "AND NOT a.attisdropped"
    ):
        if row["seq"] is None:
            continue
        highest = await conn.fetchval(f'SELECT max("{row["col"]}") FROM "{row["tbl"]}"')
        await conn.execute("SELECT setval($1, $2, false)", row["seq"], (highest or 0) + 1)
    highest_number = await conn.fetchval("SELECT max(number) FROM tickets")
    if highest_number is not None:
        await conn.execute(
            "INSERT INTO ticket_sequence (id, next_number) VALUES (1, $1) "
            "ON CONFLICT (id) DO UPDATE SET next_number = "
            "GREATEST(ticket_sequence.next_number, EXCLUDED.next_number)",
            highest_number + 1,
        )


async def _target_checksum(conn: asyncpg.Connection, table: Table) -> Checksum:
    checksum = Checksum(table.columns)
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    async with conn.transaction(readonly=True):
        async for record in conn.cursor(f'SELECT {names} FROM "{table.name}"', prefetch=2000):
            checksum.add(tuple(record))
    return checksum


RECREATE = "drop and recreate the target database before trying again"


def _explain(exc: BaseException) -> str:
    """The error with PostgreSQL's detail (which key of which row), when there is one."""
    detail = getattr(exc, "detail", None)
    return f"{exc} ({detail})" if detail else str(exc)


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


async def move_to(
    settings: Settings,
    target_url: str,
    *,
    batch: int = BATCH_ROWS,
    say: Callable[[str], None] = print,
) -> MoveResult:
    """Move this SQLite installation to the empty PostgreSQL database at ``target_url``.
    Raises MoveRefused (nothing changed) or MoveFailed (the message says whether the target
    is migrated and empty, so the move can run again, or must be recreated)."""
    started = time.monotonic()
    dsn = _postgres_dsn(target_url)
    path = _sqlite_path(settings)
    _check_not_running(settings)
    conn = await _connect(dsn)
    try:
        await _check_target_empty(conn)
    finally:
        await conn.close()
    source = _lock_source(path)
    try:
        _check_source_migrated(source)
        say(f"moving {path} to {_redacted(target_url)}")
        say("applying migrations on the target")
        try:
            await db.migrate(settings.model_copy(update={"database_url": target_url}))
        except (BaseORMException, asyncpg.PostgresError) as exc:
            raise MoveFailed(f"the migrations failed on the target: {_explain(exc)}") from exc
        try:
            conn = await _connect(dsn)
        except MoveRefused as exc:  # the migrations did reach it: not "nothing changed"
            raise MoveFailed(str(exc)) from None
        try:
            tables = await _target_tables(conn)
            say(f"copying {len(tables)} tables")
            try:
                written = await _copy(conn, source, tables, batch, say)
            except (MoveFailed, asyncpg.PostgresError, sqlite3.Error) as exc:
                raise MoveFailed(
                    f"{_explain(exc)}\nthe copy was rolled back: the target is migrated and "
                    "holds no rows; run move-to again once the cause is fixed"
                ) from exc
            say("verifying row counts and checksums")
            results = []
            for table in tables:
                read_back = await _target_checksum(conn, table)
                expected = written[table.name]
                if (read_back.rows, read_back.hex) != (expected.rows, expected.hex):
                    raise MoveFailed(
                        f"{table.name} differs after the copy: {expected.rows} rows "
                        f"(checksum {expected.hex}) in SQLite, {read_back.rows} rows "
                        f"(checksum {read_back.hex}) in PostgreSQL\n{RECREATE}"
                    )
                results.append(TableResult(table.name, read_back.rows, read_back.hex))
            next_number = await conn.fetchval("SELECT next_number FROM ticket_sequence")
            await conn.execute("ANALYZE")  # the planner's statistics, for the first queries
        finally:
            await conn.close()
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, sqlite3.Error) as exc:
        raise MoveFailed(f"{_explain(exc)}\n{RECREATE}") from exc
    finally:
        source.close()
    return MoveResult(
        target_url=target_url,
        tables=results,
        seconds=time.monotonic() - started,
        files_dir=settings.var_dir / "files",
        next_ticket_number=next_number,
    )


def report(result: MoveResult) -> str:
    rows = sum(t.rows for t in result.tables)
    shown = _redacted(result.target_url)
    return "\n".join(
        [
            f"moved {rows} rows in {len(result.tables)} tables in {result.seconds:.1f} s; "
            "every table's row count and checksum match",
            *(f"  {t.name:<28} {t.rows:>9}  {t.checksum}" for t in result.tables),
            "",
            "next:",
            f"  DATABASE_URL={shown}"
            + ("  (*** stands for the password you gave)" if "***@" in shown else ""),
            "  set it in the helpdesk's environment (all of run, serve, worker, mail-in)"
            " and start it again;",
            f"  attachments stay in {result.files_dir}: the new deployment's HELPDESK_VAR must"
            " point at the same folder, or copy that folder to its HELPDESK_VAR/files;",
            "  the SQLite file is left as it was: keep it as a backup, and do not start the"
            " helpdesk on it again (the two would drift apart)."
            + (
                f"\n  the next ticket gets number {result.next_ticket_number}."
                if result.next_ticket_number
                else ""
            ),
        ]
    )


def run(settings: Settings, target_url: str) -> int:
    """The command: 0 moved and verified, 1 failed part-way, 2 refused (nothing changed)."""
    import sys

    try:
        result = asyncio.run(move_to(settings, target_url))
    except MoveRefused as exc:
        print(f"helpdesk move-to: refused, nothing changed: {exc}", file=sys.stderr)
        return 2
    except MoveFailed as exc:
        print(
            f"helpdesk move-to: failed: {exc}\nthe SQLite database is unchanged",
            file=sys.stderr,
        )
        return 1
    print(report(result))
    return 0
