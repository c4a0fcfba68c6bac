"""Map symbols that need no font.

The Maki icons (CC0, https://labs.mapbox.com/maki-icons) that
scmap ships in ``vendor/maki`` (``scripts/vendor_assets.sh`` copies them from npm).

Examples
--------
>>> paths = symbol_paths("charging-station")
>>> len(paths), paths[0][:6]
(1, 'M2.645')
>>> symbol_paths("no-such-icon") == symbol_paths("marker")
True
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources

__all__ = ["symbol_paths"]

_PATH = re.compile(r'<path[^>]*?\sd="([^"]+)"')
_SAFE = re.compile(r"^[MmLlHhVvCcSsQqTtAaZzeE0-9.,\s+-]+$")


@cache
def symbol_paths(name: str) -> tuple[str, ...]:
    """The SVG path data (15 x 15 view box) of a Maki icon; the plain marker for an unknown name."""
    folder = resources.files("scmap.maps").joinpath("vendor", "maki")
    icon = folder.joinpath(f"{name}.svg")
    if not re.fullmatch(r"[a-z0-9-]+", name) or not icon.is_file():
        icon = folder.joinpath("marker.svg")
    found = (" ".join(html.unescape(d).split()) for d in _PATH.findall(icon.read_text(encoding="utf-8")))
    return tuple(d for d in found if _SAFE.match(d))
