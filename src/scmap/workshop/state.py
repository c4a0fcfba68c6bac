"""The workshop room's rules and state, derived from its event log.

A :class:`Room` checks each change (who may make it, the round, the vote limit, sizes), writes it
to the store as an event with the target's state before and after, and only then applies it; on
start it replays the log, so the state after a restart is the state before it. The server
(:mod:`scmap.server.app`) is a thin layer over this module; tests drive it directly.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from pydantic import ValidationError

from scmap.errors import InputError
from scmap.sources._where import is_postgres
from scmap.workshop.changes import CHANGE, FACILITATOR_ONLY, Join
from scmap.workshop.store import Event, Store, open_store

__all__ = ["Actor", "Limits", "Room", "RoomError", "room_of"]

FACILITATOR = "facilitator"
_TABLES = {
    "join": "participants",
    "propose": "sites",
    "edit": "sites",
    "withdraw": "sites",
    "hide": "sites",
    "merge": "sites",
    "comment": "comments",
    "vote": "votes",
    "weights": "weight_sets",
}


class RoomError(Exception):
    """A change refused: the HTTP status, the message id and its values (in the room's language)."""

    def __init__(self, status: int, message: str, **values: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.values = status, message, values


@dataclass(frozen=True)
class Limits:
    """What one change may hold, and how many votes a person has."""

    votes_per_person: int = 5
    max_vertices: int = 5000
    sites_per_person: int = 50
    comments_per_person: int = 300
    people: int = 500


@dataclass(frozen=True)
class Actor:
    """Who made a request: participant id, role, name, organisation and department."""

    id: str
    role: str
    name: str = ""
    organisation: str = ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _geometry(geo: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """A sketch's GeoJSON geometry checked: a point, line or area in longitude/latitude, not too big."""
    if geo.get("type") not in ("Point", "LineString", "Polygon"):
        raise RoomError(422, "workshop.bad_geometry", why=str(geo.get("type"))[:40])
    try:
        shape = shapely.geometry.shape(geo)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as err:
        raise RoomError(422, "workshop.bad_geometry", why=str(err)[:80]) from err
    n = int(shapely.get_num_coordinates(shape))
    if n > limits.max_vertices:
        raise RoomError(413, "workshop.too_many_vertices", n=n, limit=limits.max_vertices)
    x0, y0, x1, y1 = shape.bounds if not shape.is_empty else (float("nan"),) * 4
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise RoomError(422, "workshop.bad_geometry", why="coordinates outside longitude/latitude")
    return dict(json.loads(shapely.to_geojson(shape)))  # lists, as the store gives it back


@dataclass
class _State:
    participants: dict[str, dict[str, Any]] = field(default_factory=dict)
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    votes: dict[str, dict[str, Any]] = field(default_factory=dict)
    weight_sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    round: str = "open"
    seq: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    def apply(self, ev: Event) -> None:
        self.seq, self.seen[ev.change_id] = ev.seq, ev.seq
        if ev.kind == "round":
            self.round = str((ev.after or {}).get("state", "open"))
            return
        table: dict[str, dict[str, Any]] = getattr(self, _TABLES[ev.kind])
        if ev.after is None:
            table.pop(ev.target, None)
        else:
            table[ev.target] = ev.after


class Room:
    """A workshop's rules over its store (see the module's text)."""

    def __init__(self, store: Store, *, limits: Limits | None = None) -> None:
        self.store = store
        self.limits = limits or Limits(votes_per_person=int(store.get("votes_per_person") or 5))
        self.code: str = store.get("code") or secrets.token_urlsafe(6)
        self.facilitator_token: str = store.get("facilitator_token") or secrets.token_urlsafe(24)
        store.put("code", self.code)
        store.put("facilitator_token", self.facilitator_token)
        store.put("votes_per_person", self.limits.votes_per_person)
        self.models: dict[str, dict[str, Any]] = store.get("models") or {}
        self.types: dict[str, dict[str, Any]] = {t["key"]: t for t in store.get("types") or []}
        self.state = _State()
        self._tokens: dict[str, str] = {}
        self._memo: dict[str, tuple[int, Any]] = {}
        for ev in store.events():
            self._apply(ev)

    def _apply(self, ev: Event) -> None:
        self.state.apply(ev)
        if ev.kind == "join" and ev.after:
            self._tokens[ev.after["token_sha256"]] = ev.target

    # who is asking
    def actor(self, token: str | None) -> Actor | None:
        """The facilitator or participant a token belongs to (None for no or an unknown token)."""
        if not token:
            return None
        if secrets.compare_digest(token, self.facilitator_token):
            return Actor(FACILITATOR, FACILITATOR, FACILITATOR, "")
        pid = self._tokens.get(_hash(token))
        if pid is None:
            return None
        p = self.state.participants[pid]
        return Actor(pid, "participant", p["name"], p["organisation"])

    def join(self, body: dict[str, Any]) -> tuple[Actor, str]:
        """Add a new participant from the join form.

        A new participant from the join form (the workshop code, a name, an organisation):
        who they are and their session token.
        """
        try:
            form = Join.model_validate(body)
        except ValidationError as err:
            raise RoomError(422, "workshop.bad_change", why=_why(err)) from err
        if not secrets.compare_digest(form.code, self.code):
            raise RoomError(403, "workshop.bad_code")
        if len(self.state.participants) >= self.limits.people:
            raise RoomError(409, "workshop.room_full", n=self.limits.people)
        pid, token = "p" + secrets.token_hex(6), secrets.token_urlsafe(24)
        after = {
            "id": pid,
            "name": form.name,
            "organisation": form.organisation,
            "token_sha256": _hash(token),
            "at": _now(),
        }
        self._write(Actor(pid, "participant", form.name, form.organisation), "join:" + pid, "join", pid, None, after)
        return Actor(pid, "participant", form.name, form.organisation), token

    # changes
    def change(self, actor: Actor, body: Any) -> dict[str, Any]:
        """Check and apply one change from *actor*.

        Check and apply one change from *actor*; its acknowledgement (``seq``, ``change_id``,
        ``duplicate``: already applied, nothing done).
        """
        change_id = body.get("change_id") if isinstance(body, dict) else None
        if isinstance(change_id, str) and change_id in self.state.seen:
            return {"seq": self.state.seen[change_id], "change_id": change_id, "duplicate": True}
        try:
            ch = CHANGE.validate_python(body)
        except ValidationError as err:
            raise RoomError(422, "workshop.bad_change", why=_why(err)) from err
        if ch.kind in FACILITATOR_ONLY and actor.role != FACILITATOR:
            raise RoomError(403, "workshop.facilitator_only")
        if actor.role != FACILITATOR and self.state.round == "paused":
            raise RoomError(409, "workshop.round_paused")
        if actor.role != FACILITATOR and self.state.round == "closed":
            raise RoomError(409, "workshop.round_closed")
        target, before, after = getattr(self, "_" + ch.kind)(actor, ch)
        seq = self._write(actor, ch.change_id, ch.kind, target, before, after)
        return {"seq": seq, "change_id": ch.change_id, "duplicate": False}

    def _write(self, actor: Actor, change_id: str, kind: str, target: str, before: Any, after: Any) -> int:
        who, at = actor.id, _now()
        seq, new = self.store.append(change_id, at, who, kind, target, before, after)
        if new:
            self._apply(Event(seq, change_id, at, who, kind, target, before, after))
        return seq

    def _site(self, site_id: str, *, visible: bool = True) -> dict[str, Any]:
        site = self.state.sites.get(site_id)
        if site is None or (visible and not self.shown(site)):
            raise RoomError(404, "workshop.no_site")
        return site

    def _own(self, actor: Actor, site_id: str) -> dict[str, Any]:
        site = self._site(site_id)
        if site["author"] != actor.id:
            raise RoomError(403, "workshop.not_yours")
        return site

    def _type(self, key: str) -> str:
        if self.types and key not in self.types:
            raise RoomError(422, "workshop.bad_type", type=key[:64])
        return key

    def _propose(self, actor: Actor, ch: Any) -> tuple[str, None, dict[str, Any]]:
        if actor.role == FACILITATOR:
            raise RoomError(403, "workshop.participants_only")
        if sum(1 for s in self.state.sites.values() if s["author"] == actor.id) >= self.limits.sites_per_person:
            raise RoomError(409, "workshop.too_many_sites", n=self.limits.sites_per_person)
        n = 1 + max((s["n"] for s in self.state.sites.values()), default=0)
        after = {
            "id": ch.change_id,
            "n": n,
            "type": self._type(ch.type),
            "title": ch.title,
            "reason": ch.reason,
            "geometry": _geometry(ch.geometry, self.limits),
            "author": actor.id,
            "status": "active",
            "hidden": False,
            "merged_into": None,
            "at": _now(),
        }
        return ch.change_id, None, after

    def _edit(self, actor: Actor, ch: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
        before = self._own(actor, ch.site)
        after = dict(before)
        for key in ("title", "reason"):
            if getattr(ch, key) is not None:
                after[key] = getattr(ch, key)
        if ch.type is not None:
            after["type"] = self._type(ch.type)
        if ch.geometry is not None:
            after["geometry"] = _geometry(ch.geometry, self.limits)
        return ch.site, before, after

    def _withdraw(self, actor: Actor, ch: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
        before = self._own(actor, ch.site)
        return ch.site, before, {**before, "status": "withdrawn"}

    def _hide(self, actor: Actor, ch: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
        before = self._site(ch.site, visible=False)
        return ch.site, before, {**before, "hidden": ch.hidden}

    def _merge(self, actor: Actor, ch: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
        before, into = self._site(ch.site), self._site(ch.into)
        if into["id"] == before["id"]:
            raise RoomError(409, "workshop.merge_self")
        return ch.site, before, {**before, "merged_into": into["id"]}

    def _comment(self, actor: Actor, ch: Any) -> tuple[str, None, dict[str, Any]]:
        self._site(ch.site)
        if sum(1 for c in self.state.comments.values() if c["author"] == actor.id) >= self.limits.comments_per_person:
            raise RoomError(409, "workshop.too_many_comments", n=self.limits.comments_per_person)
        if ch.reply_to is not None:
            parent = self.state.comments.get(ch.reply_to)
            if parent is None or parent["site"] != ch.site or parent["reply_to"] is not None:
                raise RoomError(409, "workshop.bad_reply")
        after = {
            "id": ch.change_id,
            "site": ch.site,
            "text": ch.text,
            "reply_to": ch.reply_to,
            "author": actor.id,
            "at": _now(),
        }
        return ch.change_id, None, after

    def _vote(self, actor: Actor, ch: Any) -> tuple[str, Any, Any]:
        if actor.role == FACILITATOR:
            raise RoomError(403, "workshop.participants_only")
        self._site(ch.site)
        key = f"{actor.id}|{ch.site}"
        before = self.state.votes.get(key)
        counted = (actor.id, ch.site) in self.counted_votes()
        if ch.value != 0 and not counted and self.votes_used(actor.id) >= self.limits.votes_per_person:
            raise RoomError(409, "workshop.vote_limit", n=self.limits.votes_per_person)
        after = None if ch.value == 0 else {"voter": actor.id, "site": ch.site, "value": ch.value, "at": _now()}
        return key, before, after

    def _weights(self, actor: Actor, ch: Any) -> tuple[str, Any, dict[str, Any]]:
        live = self.models.get(ch.model)
        if live is None:
            raise RoomError(422, "workshop.bad_model", model=ch.model[:64])
        keys = {c["key"] for c in live["criteria"]}
        if not set(ch.weights) <= keys or sum(ch.weights.values()) <= 0:
            raise RoomError(422, "workshop.bad_weights")
        group = actor.organisation if actor.role != FACILITATOR else FACILITATOR
        key = f"{group}|{ch.model}"
        after = {
            "group": group,
            "model": ch.model,
            "weights": {k: float(ch.weights.get(k, 0.0)) for k in sorted(keys)},
            "by": actor.id,
            "at": _now(),
        }
        return key, self.state.weight_sets.get(key), after

    def _round(self, actor: Actor, ch: Any) -> tuple[str, dict[str, str], dict[str, str]]:
        return "round", {"state": self.state.round}, {"state": ch.state}

    # what counts
    def shown(self, site: dict[str, Any]) -> bool:
        """Whether a site is in play: not withdrawn, hidden or merged into another."""
        return site["status"] == "active" and not site["hidden"] and site["merged_into"] is None

    def final_site(self, site_id: str) -> str | None:
        """Where a site's votes count: itself, or the site it was merged into (None if out of play)."""
        seen: set[str] = set()
        while site_id not in seen:
            seen.add(site_id)
            site = self.state.sites.get(site_id)
            if site is None or site["status"] != "active" or site["hidden"]:
                return None
            if site["merged_into"] is None:
                return site_id
            site_id = site["merged_into"]
        return None

    def cached(self, name: str, compute: Callable[[], Any]) -> Any:
        """*compute()* once per state of the room (every browser's view reads the same tallies)."""
        seq, value = self._memo.get(name, (-1, None))
        if seq != self.state.seq:
            value = compute()
            self._memo[name] = (self.state.seq, value)
        return value

    def counted_votes(self) -> dict[tuple[str, str], int]:
        """Return the votes that count, by voter and site in play.

        ``{(voter, site in play): +1 or -1}``: a vote on a merged site counts for the site it
        was merged into, unless the voter voted there too (that vote wins).
        """
        return dict(self.cached("votes", self._counted_votes))

    def _counted_votes(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        direct = sorted(self.state.votes.values(), key=lambda v: self.state.sites[v["site"]]["merged_into"] is None)
        for v in direct:  # merged sites' votes first, so that direct votes overwrite them
            final = self.final_site(v["site"])
            if final is not None:
                out[(v["voter"], final)] = int(v["value"])
        return out

    def votes_used(self, pid: str) -> int:
        """Return how many votes participant *pid* has used."""
        used: dict[str, int] = self.cached("used", lambda: Counter(voter for voter, _ in self.counted_votes()))
        return used.get(pid, 0)


def room_of(store: str | Path) -> Room:
    """The room kept in *store* (a SQLite file or ``postgresql://`` URL), for export or a report."""
    text = str(store)
    if not is_postgres(text) and not Path(text).expanduser().is_file():
        raise InputError(f"{text}: no workshop store here (a file written by scmap workshop serve)")
    where = open_store(text)
    if where.get("code") is None:
        where.close()
        raise InputError(f"{text}: not a workshop store (no workshop code in it)")
    return Room(where)


def _why(err: ValidationError) -> str:
    """Pydantic's complaint in one line: field and problem, without the input (which may be huge)."""
    first = err.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {first.get('msg', '')}"[:200]
