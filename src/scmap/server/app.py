"""The workshop room's web server: a thin Starlette layer over :class:`scmap.workshop.state.Room`.

Every request but the page itself needs a token (``Authorization: Bearer``); the page needs the
workshop code in its path. State-changing requests must be JSON from the page's own origin (a
page elsewhere can neither set the header nor read the token), bodies are capped in size, and each
token (or address, before joining) has a request budget per second. Browsers learn of changes
through a server-sent event stream and then fetch their view.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from scmap.core.i18n import Messages
from scmap.workshop.state import Actor, Room, RoomError
from scmap.workshop.summary import view

__all__ = ["RoomApp", "make_app"]

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000
"""Bytes a request body may have (a 5 000-vertex area is about 200 kB)."""
MAX_STREAMS = 4
"""Live streams one person may keep open (a phone and a laptop, a reloaded tab)."""


@dataclass
class Bucket:
    """A token bucket: *rate* requests a second, bursts of *burst*."""

    rate: float
    burst: float
    level: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def take(self) -> float:
        """0 when the request may go, else the seconds to wait."""
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self.at) * self.rate)
        self.at = now
        if self.level + 1 > self.burst:
            return (self.level + 1 - self.burst) / self.rate
        self.level += 1
        return 0.0


@dataclass
class RoomApp:
    """The room, its page and its live connections."""

    room: Room
    page: str
    msg: Messages
    on_close: Callable[[], list[str]] | None = None
    rate: float = 20.0
    burst: float = 40.0
    buckets: dict[str, Bucket] = field(default_factory=dict)
    streams: dict[int, tuple[Actor, asyncio.Queue[int]]] = field(default_factory=dict)

    def refuse(self, status: int, message: str, **values: Any) -> JSONResponse:
        """A refusal in the room's language (numbers with its marks), its message id as ``code``."""
        shown = {k: self.msg.num(v) if isinstance(v, int) and k != "n" else v for k, v in values.items()}
        text = self.msg(message, **shown)
        return JSONResponse({"error": text, "code": message}, status_code=status, headers=_NO_STORE)

    def limited(self, key: str, rate: float | None = None, burst: float | None = None) -> JSONResponse | None:
        """A refusal (429) when *key* has used its budget of requests, else None."""
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(rate or self.rate, burst or self.burst)
        wait = bucket.take()
        if wait:
            resp = self.refuse(429, "workshop.too_many_requests")
            resp.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return resp
        return None

    def connected(self) -> list[dict[str, str]]:
        """Return the people connected now, each once."""
        seen = {
            a.id: {"name": a.name, "organisation": a.organisation, "role": a.role} for a, _ in self.streams.values()
        }
        return sorted(seen.values(), key=lambda p: (p["role"], p["organisation"], p["name"]))

    def changed(self, *, facilitator_only: bool = False) -> None:
        """Tell the open streams (only the facilitator's: who is connected changed)."""
        for actor, queue in self.streams.values():
            if not facilitator_only or actor.role == "facilitator":
                queue.put_nowait(self.room.state.seq)


_NO_STORE = {"Cache-Control": "no-store"}
_HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def _same_origin(request: Request) -> bool:
    """A state-changing request from the page itself: JSON, and no other site's origin."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return False
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def _body(request: Request) -> Any:
    """The request's JSON, read up to MAX_BODY bytes."""
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit() or int(declared) > MAX_BODY:
        raise RoomError(413, "workshop.too_big", limit=MAX_BODY // 1000)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise RoomError(413, "workshop.too_big", limit=MAX_BODY // 1000)
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise RoomError(400, "workshop.bad_change", why="not JSON") from err


def _guarded(app: RoomApp, handler: Callable[..., Any], *, writes: bool, auth: bool = True) -> Callable[..., Any]:
    """*handler* behind the checks every request passes: origin (for writes), token, rate."""

    async def endpoint(request: Request) -> Response:
        if writes and not _same_origin(request):
            return app.refuse(403, "workshop.cross_site")
        token = _token(request)
        actor = app.room.actor(token)
        if auth and actor is None and token is None:
            return app.refuse(401, "workshop.no_token")
        if auth and actor is None:
            return app.refuse(403, "workshop.no_token")
        host = request.client.host if request.client else "?"
        limited = app.limited(actor.id if actor else "ip:" + host)
        if limited is not None:
            return limited
        try:
            resp: Response = await handler(request, actor)
        except RoomError as err:
            return app.refuse(err.status, err.message, **err.values)
        except Exception:  # the server's own failure (a full disk, say): logged here, one line for the browser
            log.exception("workshop room: %s %s failed", request.method, request.url.path)
            return app.refuse(500, "workshop.failed")  # nothing was applied: the browser keeps the change
        return resp

    return endpoint


def _routes(app: RoomApp) -> list[Route]:
    async def page(request: Request) -> Response:
        limited = app.limited("page:" + (request.client.host if request.client else "?"))
        if limited is not None:
            return limited
        if request.path_params["code"] != app.room.code:
            return app.refuse(404, "workshop.bad_code")
        return HTMLResponse(app.page, headers={**_NO_STORE, **_HEADERS})

    async def join(request: Request, actor: Actor | None) -> Response:
        limited = app.limited("join:" + (request.client.host if request.client else "?"), rate=1.0, burst=60)
        if limited is not None:  # a device joins once; many joins from one address are a script
            return limited
        who, token = app.room.join(await _body(request))
        app.changed()
        return JSONResponse({"token": token, "id": who.id}, headers=_NO_STORE)

    async def state(request: Request, actor: Actor) -> Response:
        return JSONResponse(view(app.room, actor, app.connected()), headers=_NO_STORE)

    async def change(request: Request, actor: Actor) -> Response:
        ack = app.room.change(actor, await _body(request))
        if not ack["duplicate"]:
            app.changed()
        return JSONResponse(ack, headers=_NO_STORE)

    async def close(request: Request, actor: Actor) -> Response:
        if actor.role != "facilitator":
            raise RoomError(403, "workshop.facilitator_only")
        body = await _body(request)
        change_id = body.get("change_id") if isinstance(body, dict) else None
        app.room.change(actor, {"kind": "round", "state": "closed", "change_id": change_id})
        app.changed()
        files = app.on_close() if app.on_close else []
        return JSONResponse({"files": files}, headers=_NO_STORE)

    async def events(request: Request, actor: Actor) -> Response:
        if sum(1 for a, _ in app.streams.values() if a.id == actor.id) >= MAX_STREAMS:
            raise RoomError(429, "workshop.too_many_requests")
        return StreamingResponse(_stream(app, actor, request), media_type="text/event-stream", headers=_NO_STORE)

    return [
        Route("/w/{code}/", page),
        Route("/api/join", _guarded(app, join, writes=True, auth=False), methods=["POST"]),
        Route("/api/state", _guarded(app, state, writes=False)),
        Route("/api/change", _guarded(app, change, writes=True), methods=["POST"]),
        Route("/api/close", _guarded(app, close, writes=True), methods=["POST"]),
        Route("/api/events", _guarded(app, events, writes=False)),
    ]


async def _stream(app: RoomApp, actor: Actor, request: Request) -> AsyncIterator[str]:
    """``data: SEQ`` whenever the room changes (and a comment line every 15 s to keep it open)."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    key = id(queue)
    app.streams[key] = (actor, queue)
    app.changed(facilitator_only=True)  # the facilitator sees who is connected
    try:
        yield f"data: {app.room.state.seq}\n\n"
        while not await request.is_disconnected():
            try:
                seq = await asyncio.wait_for(queue.get(), timeout=15)
            except TimeoutError:
                yield ": still here\n\n"
                continue
            while not queue.empty():
                seq = queue.get_nowait()
            yield f"data: {seq}\n\n"
    finally:
        app.streams.pop(key, None)
        app.changed(facilitator_only=True)


def make_app(app: RoomApp) -> Starlette:
    """The ASGI application serving *app*."""
    return Starlette(routes=_routes(app))
