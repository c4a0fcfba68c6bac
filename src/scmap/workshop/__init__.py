"""The workshop room: one live, shared map for everyone at the table, whose outcome flows back
into the plan.

- :func:`open_workshop` and :func:`run_server`: serve a project's or pack's map to the room
  (``scmap workshop serve``);
- :class:`Room`: the rules and state over an append-only event :func:`store <open_store>`
  (SQLite or PostgreSQL), which tests and notebooks can drive directly;
- :func:`export_workshop`: the room's outcome as ``workshop.gpkg``, CSVs and the report's
  workshop section (``scmap workshop export``).
"""

from __future__ import annotations

from scmap.workshop.export import WORKSHOP_FILES, export_workshop, workshop_section, workshop_tables
from scmap.workshop.serve import Workshop, open_workshop, run_server
from scmap.workshop.state import Actor, Limits, Room, RoomError, room_of
from scmap.workshop.store import Event, open_store
from scmap.workshop.summary import summary, view

__all__ = [
    "WORKSHOP_FILES",
    "Actor",
    "Event",
    "Limits",
    "Room",
    "RoomError",
    "Workshop",
    "export_workshop",
    "open_store",
    "open_workshop",
    "room_of",
    "run_server",
    "summary",
    "view",
    "workshop_section",
    "workshop_tables",
]
