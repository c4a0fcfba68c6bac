"""Layer 9, server: the workshop room served from one laptop (``scmap workshop serve``).

:func:`open_workshop` and :func:`run_server` serve a project's or a pack's map to the room:
the page and its code (``room*.js``, ``room.css``) in :mod:`scmap.server.serve`, the requests
in :mod:`scmap.server.app`.
"""

from __future__ import annotations

from scmap.server.serve import Workshop, open_workshop, run_server

__all__ = ["Workshop", "open_workshop", "run_server"]
