"""Where a map page keeps its data: the one format that the map writes and the room reads.

A map page holds its layers as two JSON blocks, ``<script type="application/json"
id="scmap-data-NAME">`` (the payload: labels, popups, colourings, live models) and
``id="scmap-data-NAME-shapes"`` (the geometries), which the page parses with ``JSON.parse``
(several times faster than the same data as a JavaScript literal) and hands to
``scmapRender``. Pages written before kept the payload inside the ``scmapRender(...)`` call;
:func:`page_payload` reads both.

>>> page = data_blocks("map_1", '{"districts":{}}', '{}') + '<script>scmapRender(map_1, ...)</script>'
>>> page_payload(page)
{'districts': {}}
>>> page_payload('<script>scmapRender(map_1, {"districts": {"n": 2}}, {});</script>')  # a page of before
{'districts': {'n': 2}}
"""

from __future__ import annotations

import json
import re
from typing import Any

from scmap.errors import InputError

__all__ = ["data_blocks", "page_payload", "render_call"]

_BLOCK = re.compile(r'<script type="application/json" id="scmap-data-[\w-]+?">')
_OLD_CALL = re.compile(r"scmapRender\(\s*[A-Za-z_$][\w$]*\s*,\s*(?=\{)")


def _id(name: str) -> str:
    return f"scmap-data-{name}"


def data_blocks(name: str, payload_json: str, shapes_json: str) -> str:
    """The two JSON blocks of map *name* (texts already safe inside ``<script>``)."""
    return (
        f'<script type="application/json" id="{_id(name)}">{payload_json}</script>'
        f'<script type="application/json" id="{_id(name)}-shapes">{shapes_json}</script>'
    )


def render_call(map_name: str, name: str) -> str:
    """The page's call that draws map *name* from its blocks onto the Leaflet map *map_name*."""
    read = 'JSON.parse(document.getElementById("{}").textContent)'
    return f"scmapRender({map_name}, {read.format(_id(name))}, {read.format(_id(name) + '-shapes')});"


def page_payload(page: str) -> dict[str, Any]:
    """What an scmap map page draws: the payload of its first map (a page of either format)."""
    found = _BLOCK.search(page) or _OLD_CALL.search(page)
    if found is None:
        raise InputError("this page is not an scmap map (no scmap data found)")
    try:
        payload, _ = json.JSONDecoder().raw_decode(page, found.end())
    except ValueError as err:
        raise InputError(f"this map page's data cannot be read ({err})") from err
    return dict(payload)
