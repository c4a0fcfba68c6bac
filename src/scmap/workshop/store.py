"""Where a workshop's events are kept: an append-only log in SQLite (one file, WAL mode, every
change on disk before it is acknowledged) or in PostgreSQL for a city that runs workshops on a
server. The room's state is derived from the log (:mod:`scmap.workshop.state`); the log itself is
never changed (triggers refuse UPDATE and DELETE), so the history of how the room decided stays.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scmap._remote import is_postgres
from scmap.errors import InputError

__all__ = ["Event", "Store", "open_store"]


@dataclass(frozen=True)
class Event:
    """One change: who made it, when, what it changed (the target's state before and after)."""

    seq: int
    change_id: str
    at: str
    actor: str
    kind: str
    target: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = field(default=None)


class Store(Protocol):
    """An append-only event log with a few settings beside it."""

    location: str

    def append(
        self,
        change_id: str,
        at: str,
        actor: str,
        kind: str,
        target: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> tuple[int, bool]: ...

    def events(self, after: int = 0) -> list[Event]: ...

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...

    def close(self) -> None: ...


_SQLITE = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL UNIQUE, at TEXT NOT NULL,
    actor TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT);
CREATE TRIGGER IF NOT EXISTS events_kept_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the workshop log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_kept_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the workshop log is append-only'); END;
"""


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class SqliteStore:
    """The log in one SQLite file (WAL journal, ``synchronous=FULL``: a commit is on disk)."""

    def __init__(self, path: str | Path) -> None:
        self.location = str(Path(path).expanduser().resolve())
        try:
            Path(self.location).parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.location, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.executescript(_SQLITE)
        except (OSError, sqlite3.Error) as err:
            raise InputError(f"{self.location}: cannot open the workshop store ({err})") from err

    def append(
        self,
        change_id: str,
        at: str,
        actor: str,
        kind: str,
        target: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> tuple[int, bool]:
        """The change's sequence number and whether it is new (a change id seen before is not
        written again: its first sequence number is returned)."""
        cur = self.db.execute(
            "INSERT INTO events (change_id, at, actor, kind, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (change_id) DO NOTHING RETURNING seq",
            (change_id, at, actor, kind, target, _dump(before), _dump(after)),
        )
        row = cur.fetchone()
        if row is not None:
            return int(row[0]), True
        seen = self.db.execute("SELECT seq FROM events WHERE change_id = ?", (change_id,)).fetchone()
        return int(seen[0]), False

    def events(self, after: int = 0) -> list[Event]:
        rows = self.db.execute(
            "SELECT seq, change_id, at, actor, kind, target, before, after FROM events WHERE seq > ? ORDER BY seq",
            (after,),
        ).fetchall()
        return [Event(r[0], r[1], r[2], r[3], r[4], r[5], _load(r[6]), _load(r[7])) for r in rows]

    def get(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, _dump(value)),
        )

    def close(self) -> None:
        self.db.close()


_POSTGRES = """
CREATE TABLE IF NOT EXISTS scmap_workshop_meta (key text PRIMARY KEY, value jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS scmap_workshop_events (
    seq bigserial PRIMARY KEY, change_id text NOT NULL UNIQUE, at text NOT NULL, actor text NOT NULL,
    kind text NOT NULL, target text NOT NULL, before jsonb, after jsonb);
CREATE OR REPLACE FUNCTION scmap_workshop_kept() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the workshop log is append-only'; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS scmap_workshop_kept ON scmap_workshop_events;
CREATE TRIGGER scmap_workshop_kept BEFORE UPDATE OR DELETE ON scmap_workshop_events
    FOR EACH ROW EXECUTE FUNCTION scmap_workshop_kept();
"""


class PostgresStore:
    """The log in PostgreSQL tables ``scmap_workshop_events`` and ``scmap_workshop_meta``
    (every change committed before it is acknowledged)."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
            from psycopg.types.json import Jsonb
        except ImportError as err:
            raise InputError("a PostgreSQL store needs psycopg: pip install 'scmap[postgis]'") from err
        self._jsonb = Jsonb
        self.location = url
        try:
            self.db = psycopg.connect(url, autocommit=True)
            with self.db.transaction():
                self.db.execute(_POSTGRES)
        except psycopg.Error as err:
            raise InputError(f"cannot open the workshop store in PostgreSQL ({str(err).strip()})") from err

    def _json(self, value: Any) -> Any:
        return None if value is None else self._jsonb(value)

    def append(
        self,
        change_id: str,
        at: str,
        actor: str,
        kind: str,
        target: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> tuple[int, bool]:
        row = self.db.execute(
            "INSERT INTO scmap_workshop_events (change_id, at, actor, kind, target, before, after)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (change_id) DO NOTHING RETURNING seq",
            (change_id, at, actor, kind, target, self._json(before), self._json(after)),
        ).fetchone()
        if row is not None:
            return int(row[0]), True
        seen = self.db.execute("SELECT seq FROM scmap_workshop_events WHERE change_id = %s", (change_id,)).fetchone()
        assert seen is not None  # the insert conflicted with it
        return int(seen[0]), False

    def events(self, after: int = 0) -> list[Event]:
        rows = self.db.execute(
            "SELECT seq, change_id, at, actor, kind, target, before, after FROM scmap_workshop_events"
            " WHERE seq > %s ORDER BY seq",
            (after,),
        ).fetchall()
        return [Event(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]

    def get(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM scmap_workshop_meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO scmap_workshop_meta (key, value) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, self._jsonb(value)),
        )

    def close(self) -> None:
        self.db.close()


def open_store(where: str | Path) -> Store:
    """The store at *where*: a ``postgresql://`` URL or the path of a SQLite file."""
    text = str(where)
    if is_postgres(text):
        return PostgresStore(text)
    return SqliteStore(text)
