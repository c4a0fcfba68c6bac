"""Where a workshop's events are kept.

An append-only log in SQLite (one file, WAL mode, every
change on disk before it is acknowledged) or in PostgreSQL for a city that runs workshops on a
server. The room's state is derived from the log (:mod:`scmap.workshop.state`); the log itself is
never changed (triggers refuse UPDATE and DELETE), so the history of how the room decided stays.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from scmap.errors import InputError
from scmap.sources._where import is_postgres

__all__ = ["PACK_STORE", "Event", "Store", "open_store", "room_store_problem"]

PACK_STORE = "workshop.sqlite"
"""The room's store when ``scmap workshop serve`` serves a pack folder: this file in it."""


def room_store_problem(outdir: Path) -> str | None:
    """Why a pack may not be written into *outdir*: it holds a room's store (None when not).

    A pack replaces its whole folder; the store is every site, comment and vote of a workshop.
    """
    store = outdir / PACK_STORE
    if not store.exists():
        return None
    return (
        f"{outdir}: holds {PACK_STORE}, the workshop room's store (every site, comment and vote), and a pack "
        "replaces its whole folder, so it is not written here. Write it into a new folder; to put what the "
        f"room decided in it, give the store in the project (workshop: store: {store.resolve()})"
    )


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
    after: dict[str, Any] | None = None


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
    ) -> tuple[int, bool]:
        """Append a change; return its sequence number and whether it is new."""

    def events(self, after: int = 0) -> list[Event]:
        """Return the events after sequence number *after*, in order."""

    def get(self, key: str) -> Any:
        """Return the setting *key* (None when not set)."""

    def put(self, key: str, value: Any) -> None:
        """Set the setting *key* to *value*."""

    def close(self) -> None:
        """Close the store."""


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


def _statements(events: str, meta: str, mark: str) -> dict[str, str]:
    """Return the log's SQL for the tables *events* and *meta*.

    The log's SQL for the tables *events* and *meta* with the parameter mark *mark*: the names
    are the store classes' own constants, every value goes as a parameter.
    """
    marks = ", ".join([mark] * 7)
    columns = "change_id, at, actor, kind, target, before, after"
    replace = "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    return {
        "append": f"INSERT INTO {events} ({columns}) VALUES ({marks}) ON CONFLICT (change_id) DO NOTHING RETURNING seq",  # noqa: S608
        "seen": f"SELECT seq FROM {events} WHERE change_id = {mark}",  # noqa: S608
        "events": f"SELECT seq, {columns} FROM {events} WHERE seq > {mark} ORDER BY seq",  # noqa: S608
        "get": f"SELECT value FROM {meta} WHERE key = {mark}",  # noqa: S608
        "put": f"INSERT INTO {meta} (key, value) VALUES ({mark}, {mark}) {replace}",  # noqa: S608
    }


class _SqlLog:
    """The log's reads and writes, the same in SQLite and PostgreSQL.

    The log's reads and writes, the same in both databases but for the tables' names, the
    parameter mark and how a JSON value goes in and comes out.
    """

    sql = _statements("events", "meta", "?")
    db: Any
    location: str

    def _in(self, value: Any) -> Any:
        return _dump(value)

    def _out(self, value: Any) -> Any:
        return _load(value)

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
        """Append a change; return its sequence number and whether it is new.

        The change's sequence number and whether it is new (a change id seen before is not
        written again: its first sequence number is returned).
        """
        values = (change_id, at, actor, kind, target, self._in(before), self._in(after))
        row = self.db.execute(self.sql["append"], values).fetchone()
        if row is not None:
            return int(row[0]), True
        seen = self.db.execute(self.sql["seen"], (change_id,)).fetchone()
        assert seen is not None  # the insert conflicted with it
        return int(seen[0]), False

    def events(self, after: int = 0) -> list[Event]:
        rows = self.db.execute(self.sql["events"], (after,)).fetchall()
        return [Event(int(r[0]), r[1], r[2], r[3], r[4], r[5], self._out(r[6]), self._out(r[7])) for r in rows]

    def get(self, key: str) -> Any:
        row = self.db.execute(self.sql["get"], (key,)).fetchone()
        return None if row is None else self._out(row[0])

    def put(self, key: str, value: Any) -> None:
        self.db.execute(self.sql["put"], (key, self._in(value)))

    def close(self) -> None:
        self.db.close()


class SqliteStore(_SqlLog):
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


class PostgresStore(_SqlLog):
    """The log in PostgreSQL tables.

    The log in PostgreSQL tables ``scmap_workshop_events`` and ``scmap_workshop_meta``
    (every change committed before it is acknowledged; psycopg reads jsonb back as values).
    """

    sql = _statements("scmap_workshop_events", "scmap_workshop_meta", "%s")

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

    def _in(self, value: Any) -> Any:
        return None if value is None else self._jsonb(value)

    def _out(self, value: Any) -> Any:
        return value


def open_store(where: str | Path) -> Store:
    """The store at *where*: a ``postgresql://`` URL or the path of a SQLite file."""
    text = str(where)
    if is_postgres(text):
        return PostgresStore(text)
    return SqliteStore(text)
