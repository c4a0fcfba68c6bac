"""Layer 5, workshop: the room's rules and state, with no web server and no files but its store.

:class:`Room` holds who may do what over an append-only event :func:`store <open_store>`
(SQLite or PostgreSQL); tests and notebooks can drive it directly. The room's server is
:mod:`scmap.server`, its files :mod:`scmap.outputs.workshop`.
"""

from __future__ import annotations

from scmap.workshop.state import Actor, Limits, Room, RoomError, room_of
from scmap.workshop.store import Event, open_store
from scmap.workshop.summary import summary, view

__all__ = ["Actor", "Event", "Limits", "Room", "RoomError", "open_store", "room_of", "summary", "view"]
