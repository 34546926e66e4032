"""``helpdesk backup DIR`` and ``helpdesk restore DIR``: a consistent snapshot taken while the
product serves, and its restore into an empty installation.

A backup directory holds ``database.sqlite3`` (SQLite's online backup API) or
``database.pgdump`` (``pg_dump --format=custom``), ``files/ab/cd/<sha256>`` (every attachment
content the snapshot references), ``secret_key`` (when the key is kept under HELPDESK_VAR),
``manifest.json`` and ``SHA256SUMS`` (``sha256sum -c`` format, covering every other file).

Ordering makes it consistent: the database is snapshotted first, then the referenced hashes
are read from that very snapshot (SQLite: the copy; PostgreSQL: the exported snapshot that
``pg_dump --snapshot`` dumps), and only then are the files copied. Content files are only
removed when no committed row references them (attachment rows are never deleted), so every
hash in the snapshot is still on disk when it is copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.config import Settings
from app.infra import db

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
COUNTED = {name: name for name in ("tickets", "messages", "attachments", "users")}
MIGRATIONS_TABLE = "tortoise_migrations"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why (nothing was changed)."""


@dataclass
class Snapshot:
    """What a database snapshot holds, read from the snapshot itself."""

    migration: str | None
    counts: dict[str, int]
    hashes: set[str] = field(default_factory=set)


def helpdesk_version() -> str:
    try:
        return version("helpdesk")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def database_kind(settings: Settings) -> str:
    return "postgresql" if settings.db_url.startswith("postgres") else "sqlite"


def sqlite_path(settings: Settings) -> Path:
    parts = urlsplit(settings.db_url)
    return Path(parts.netloc + parts.path)


LIBPQ_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "options"}


def libpq_url(settings: Settings) -> str:
    """The database URL as ``pg_dump``/``pg_restore`` (and asyncpg) take it: Tortoise's pool
    options (``minsize``, ``maxsize``, ...) left out."""
    parts = urlsplit("postgresql://" + settings.db_url.split("://", 1)[1])
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k in LIBPQ_OPTIONS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def content_path(root: Path, sha256: str) -> Path:
    return root / "files" / sha256[:2] / sha256[2:4] / sha256


# --- backup -----------------------------------------------------------------------------


def backup(settings: Settings, target: Path) -> dict[str, Any]:
    """Write a backup into ``target`` (absent or empty) and return its manifest. On failure
    what was written is removed again."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not empty: back up into a new or empty directory")
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)  # password hashes, session tokens' hashes, maybe the secret key
    try:
        return _write_backup(settings, target)
    except BaseException:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for entry in target.iterdir():
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        raise


def _write_backup(settings: Settings, target: Path) -> dict[str, Any]:
    started = datetime.now(UTC)
    kind = database_kind(settings)
    if kind == "sqlite":
        snapshot = _snapshot_sqlite(sqlite_path(settings), target / SQLITE_FILE)
        database_file = SQLITE_FILE
    else:
        snapshot = _snapshot_postgres(libpq_url(settings), target / PG_FILE)
        database_file = PG_FILE
    store = settings.var_dir
    missing = [h for h in sorted(snapshot.hashes) if not content_path(store, h).is_file()]
    if missing:
        raise BackupError(
            f"{len(missing)} attachment file(s) referenced by the database are missing from "
            f"{store / 'files'} (first: {missing[0]}); the store is damaged"
        )
    files = {database_file: sha256_file(target / database_file)}
    for sha256 in sorted(snapshot.hashes):
        # Checked against its name while copied: no second read to checksum it.
        _copy_verified(content_path(store, sha256), content_path(target, sha256), sha256)
        files[content_path(Path(), sha256).as_posix()] = sha256
    if not settings.secret_key and (settings.var_dir / "secret_key").is_file():
        shutil.copy2(settings.var_dir / "secret_key", target / "secret_key")
        (target / "secret_key").chmod(0o600)
        files["secret_key"] = sha256_file(target / "secret_key")
    manifest = {
        "format": FORMAT,
        "helpdesk_version": helpdesk_version(),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "database": {"kind": kind, "file": database_file, "migration": snapshot.migration},
        "counts": {**snapshot.counts, "attachment_files": len(snapshot.hashes)},
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    sums = {**files, MANIFEST: sha256_file(target / MANIFEST)}
    (target / SUMS).write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()))
    return manifest


def _copy_verified(source: Path, destination: Path, sha256: str) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with source.open("rb") as src, destination.open("wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        raise BackupError(f"stored file {source} does not match its hash; the store is damaged")


def _snapshot_sqlite(source: Path, destination: Path) -> Snapshot:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(destination)
    try:
        # Copies page by page; pages written meanwhile make it start again, so the result is
        # one committed state. All pages in one step: writers wait (busy timeout) briefly
        # instead of restarting the copy forever under a steady load.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        src.close()
        dst.close()
    snapshot = sqlite3.connect(destination)
    try:
        check = snapshot.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the SQLite snapshot fails its integrity check: {check}")
        return Snapshot(
            migration=_last_migration(snapshot.execute(_LAST_MIGRATION).fetchone()),
            counts={
                key: snapshot.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for key, table in COUNTED.items()
            },
            hashes={row[0] for row in snapshot.execute("SELECT DISTINCT sha256 FROM attachments")},
        )
    finally:
        snapshot.close()


_LAST_MIGRATION = (
    f"SELECT name FROM \"{MIGRATIONS_TABLE}\" WHERE app = 'models' ORDER BY name DESC LIMIT 1"
)


def _last_migration(row: Any) -> str | None:
    return str(row[0]) if row else None


def _snapshot_postgres(url: str, destination: Path) -> Snapshot:
    """``pg_dump`` of a snapshot exported by a read-only repeatable-read transaction, which
    also reads the counts and hashes: both see exactly the same committed state."""
    import asyncio

    return asyncio.run(_snapshot_postgres_async(url, destination))


async def _snapshot_postgres_async(url: str, destination: Path) -> Snapshot:
    import asyncio

    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot_id = await conn.fetchval("SELECT pg_export_snapshot()")
            dump = await asyncio.create_subprocess_exec(
                _tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot_id}",
                f"--file={destination}",
                f"--dbname={url}",
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            migration = _last_migration(await conn.fetchrow(_LAST_MIGRATION))
            counts = {
                key: int(await conn.fetchval(f'SELECT count(*) FROM "{table}"'))
                for key, table in COUNTED.items()
            }
            hashes = {r[0] for r in await conn.fetch("SELECT DISTINCT sha256 FROM attachments")}
            _, error = await dump.communicate()
            if dump.returncode != 0:
                raise BackupError(f"pg_dump failed: {error.decode(errors='replace').strip()}")
    finally:
        await conn.close()
    return Snapshot(migration=migration, counts=counts, hashes=hashes)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not on PATH (install the PostgreSQL client tools)")
    return found


# --- verify and restore -----------------------------------------------------------------


def verify(source: Path) -> dict[str, Any]:
    """The manifest, once every file's checksum matches; ``BackupError`` naming what does not."""
    sums_path = source / SUMS
    if not (source / MANIFEST).is_file() or not sums_path.is_file():
        raise BackupError(f"{source} is not a complete backup (no {MANIFEST} or {SUMS})")
    expected: dict[str, str] = {}
    for line in sums_path.read_text().splitlines():
        digest, _, name = line.partition("  ")
        if not name or ".." in Path(name).parts or Path(name).is_absolute():
            raise BackupError(f"{SUMS} is damaged (line {line!r})")
        expected[name] = digest
    bad = [
        name
        for name, digest in expected.items()
        if not (source / name).is_file() or sha256_file(source / name) != digest
    ]
    if bad:
        raise BackupError(
            f"the backup is corrupted: {len(bad)} file(s) are missing or do not match their "
            f"checksum ({', '.join(bad[:5])}); nothing was restored"
        )
    manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    if set(manifest["files"]) | {MANIFEST} != set(expected):
        raise BackupError(f"the backup is corrupted: {SUMS} and {MANIFEST} list other files")
    return manifest


def known_migrations() -> list[str]:
    folder = Path(__file__).resolve().parents[1] / "models" / "migrations"
    return sorted(p.stem for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))


async def _postgres_tables(url: str) -> list[str]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
    finally:
        await conn.close()
    return [r[0] for r in rows]


def _target_problems(settings: Settings, manifest: dict[str, Any]) -> list[str]:
    """Why the configured installation is not an empty place to restore into."""
    problems: list[str] = []
    kind = manifest["database"]["kind"]
    if kind != database_kind(settings):
        problems.append(
            f"the backup is of a {kind} database but DATABASE_URL points to "
            f"{database_kind(settings)} (restore to {kind}, then use helpdesk move-to)"
        )
    elif kind == "sqlite":
        path = sqlite_path(settings)
        if path.exists() and path.stat().st_size > 0:
            problems.append(f"the database file {path} exists already")
    else:
        import asyncio

        tables = asyncio.run(_postgres_tables(libpq_url(settings)))
        if tables:
            problems.append(f"the database is not empty ({len(tables)} tables)")
    files = settings.var_dir / "files"
    if files.is_dir() and any(
        p.is_file() for d in files.iterdir() if d.name not in ("tmp", "pins") for p in d.rglob("*")
    ):
        problems.append(f"the attachment store {files} holds files already")
    key = settings.var_dir / "secret_key"
    if "secret_key" in manifest["files"] and key.exists():
        problems.append(f"{key} exists already")
    return problems


def restore(settings: Settings, source: Path) -> dict[str, Any]:
    """Restore ``source`` into the configured (empty) installation, then migrate it. Every
    check runs before anything is written; a refusal changes nothing."""
    manifest = verify(source)
    migration = manifest["database"]["migration"]
    if migration is not None and migration not in known_migrations():
        raise BackupError(
            f"the backup is at migration {migration}, which this version does not know: "
            "restore it with the version that made it (or a newer one)"
        )
    problems = _target_problems(settings, manifest)
    if problems:
        raise BackupError("will not restore into this installation: " + "; ".join(problems))
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if manifest["database"]["kind"] == "sqlite":
        _restore_sqlite(source / SQLITE_FILE, sqlite_path(settings))
    else:
        _restore_postgres(source / PG_FILE, libpq_url(settings))
    for name in manifest["files"]:
        if name.startswith("files/"):
            _place(source / name, settings.var_dir / name)
    if "secret_key" in manifest["files"]:
        shutil.copy2(source / "secret_key", settings.var_dir / "secret_key")
        (settings.var_dir / "secret_key").chmod(0o600)
    import asyncio

    asyncio.run(db.migrate(settings))  # an older backup is brought up to this version
    return manifest


def _restore_sqlite(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=destination.parent, suffix=".restoring")
    os.close(fd)
    shutil.copyfile(source, partial)
    os.replace(partial, destination)


def _restore_postgres(source: Path, url: str) -> None:
    result = subprocess.run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={url}",
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _place(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".restoring")
    shutil.copyfile(source, partial)
    os.replace(partial, destination)
