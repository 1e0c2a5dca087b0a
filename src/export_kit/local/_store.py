"""Optional persistence of the emulator's state: one SQLite database under ``data_dir``.

* ``.export-kit-emulator.sqlite3`` holds every job, client-token record, Personalize job
  name and declared resource, plus the id generator's state.  It runs in WAL mode and each
  change is one transaction that writes only the rows that changed, so persisting a start
  costs the same with 10 jobs or 10,000.  SQLite recovers a write cut short (even by
  SIGKILL) on the next open, and no temporary files are ever made.
* ``.export-kit-emulator.lock`` is held with an exclusive ``flock`` while an emulator uses
  the directory: a second emulator on the same ``data_dir`` fails at once with
  ``StateError`` instead of silently overwriting the first one's jobs.
* A file that is not such a database (corrupt, foreign, another program's SQLite file) is
  a ``StateError`` naming the file; so is a state file of the previous JSON format
  (``.export-kit-emulator-state.json``) that cannot be read.  A readable JSON state file is
  imported once and renamed to ``.export-kit-emulator-state.json.imported``.

All calls block; the emulator makes them from its writer thread, off the event loop.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

DB_FILE = ".export-kit-emulator.sqlite3"
LOCK_FILE = ".export-kit-emulator.lock"
LEGACY_FILE = ".export-kit-emulator-state.json"
SCHEMA_VERSION = 2

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
    " data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS names (name TEXT PRIMARY KEY, arn TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS resources (service TEXT NOT NULL, id TEXT NOT NULL,"
    " present INTEGER NOT NULL, PRIMARY KEY (service, id))",
)
_TABLES = frozenset({"meta", "jobs", "tokens", "names", "resources"})


class StateError(ValueError):
    """The state in ``data_dir`` cannot be used: locked by another emulator, or unreadable."""


@dataclass
class Change:
    """The rows one transaction writes."""

    jobs: list[tuple[str, int, str]] = field(default_factory=list[tuple[str, int, str]])
    tokens: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    names: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    resources: list[tuple[str, str, int]] = field(default_factory=list[tuple[str, str, int]])
    meta: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])

    def __bool__(self) -> bool:
        return bool(self.jobs or self.tokens or self.names or self.resources or self.meta)


@dataclass
class Saved:
    """Everything a previous run left (raw JSON values, checked by the caller)."""

    jobs: list[dict[str, Any]]
    tokens: dict[str, dict[str, Any]]
    names: dict[str, str]
    resources: dict[tuple[str, str], bool]
    meta: dict[str, Any]


class Store:
    """The database of one ``data_dir``; ``open()`` locks it, ``close()`` lets it go."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_FILE
        self._conn: sqlite3.Connection | None = None
        self._lock_fd: int | None = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def open(self) -> Saved | None:
        """Lock the directory and read what it holds (``None``: nothing yet)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            return self._open()
        except BaseException:
            self.close()
            raise

    def _lock(self) -> None:
        fd = os.open(self.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise StateError(
                f"{self.data_dir} is in use by another emulator (pid {holder}); "
                "give each emulator its own data_dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def _open(self) -> Saved | None:
        legacy = self.data_dir / LEGACY_FILE
        imported = _legacy_change(legacy) if legacy.exists() and not self.path.exists() else None
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StateError(f"emulator state file {self.path} cannot be opened: {exc}") from exc
        self._conn = conn
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if tables and not tables >= _TABLES:
                raise StateError(
                    f"{self.path} is an SQLite database of another program (tables "
                    f"{sorted(tables)}), not emulator state"
                )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                conn.execute(statement)
            version = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if version is None:
                conn.execute("INSERT INTO meta VALUES ('schema', ?)", (json.dumps(SCHEMA_VERSION),))
            elif version[0] != json.dumps(SCHEMA_VERSION):
                raise StateError(
                    f"{self.path} has state format {version[0]}, this emulator reads "
                    f"{SCHEMA_VERSION}"
                )
            if imported is not None:
                self.write(imported)
                legacy.rename(legacy.with_name(LEGACY_FILE + ".imported"))
            return self._read()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path} is not emulator state: {exc}") from exc

    def _read(self) -> Saved | None:
        conn = self._conn
        assert conn is not None
        meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        if "seq" not in meta:
            return None
        return Saved(
            jobs=[json.loads(d) for (d,) in conn.execute("SELECT data FROM jobs ORDER BY seq")],
            tokens={k: json.loads(d) for k, d in conn.execute("SELECT key, data FROM tokens")},
            names=dict(conn.execute("SELECT name, arn FROM names").fetchall()),
            resources={(s, i): bool(p) for s, i, p in conn.execute("SELECT * FROM resources")},
            meta=meta,
        )

    def write(self, change: Change) -> None:
        """Apply ``change`` in one transaction."""
        conn = self._conn
        if conn is None or not change:
            return
        with conn:
            conn.execute("BEGIN")
            conn.executemany("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?)", change.jobs)
            conn.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?)", change.tokens)
            conn.executemany("INSERT OR REPLACE INTO names VALUES (?, ?)", change.names)
            conn.executemany("INSERT OR REPLACE INTO resources VALUES (?, ?, ?)", change.resources)
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", change.meta)

    def close(self) -> None:
        """Close the database and release the directory."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None


def _legacy_change(path: Path) -> Change:
    """The rows of a state file in the previous JSON format."""
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        data = cast("dict[str, Any]", raw if isinstance(raw, dict) else {})
        if data.get("version") != 1:
            raise StateError(f"emulator state file {path} has an unsupported format")
        jobs: list[Any] = data["jobs"]
        tokens: dict[str, Any] = data["tokens"]
        names: dict[str, Any] = data["names"]
        change = Change(
            jobs=[(str(j["id"]), int(j["seq"]), json.dumps(j)) for j in jobs],
            tokens=[(str(k), json.dumps(v)) for k, v in tokens.items()],
            names=[(str(k), str(v)) for k, v in names.items()],
            meta=[("seq", json.dumps(int(data["seq"]))), ("rng", json.dumps(data["rng"]))],
        )
    except StateError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StateError(
            f"emulator state file {path} is not valid emulator state: {exc!r}"
        ) from exc
    return change
