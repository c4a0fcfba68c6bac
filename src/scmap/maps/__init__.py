"""Interactive maps of districts, solutions and analyses (folium/Leaflet), and their export.

The names below are imported when first used, so that what needs only the map's small helpers
(the workshop room serving a written page, ``_safe``, ``_assets``) starts without folium and
matplotlib.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from scmap.core._lazy import lazy_names

if TYPE_CHECKING:
    from scmap.maps.export import embed_html, save_html, static_map
    from scmap.maps.layers import MapOptions
    from scmap.maps.solution_map import solution_map

__all__ = ["MapOptions", "embed_html", "save_html", "solution_map", "static_map"]

_HOMES = {
    "MapOptions": "scmap.maps.layers",
    "embed_html": "scmap.maps.export",
    "save_html": "scmap.maps.export",
    "solution_map": "scmap.maps.solution_map",
    "static_map": "scmap.maps.export",
}


__getattr__ = lazy_names(__name__, _HOMES, globals())  # PEP 562


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Maps(types.ModuleType):
    """``scmap.maps``, where ``solution_map`` stays the function once its module is imported.

    Importing the module ``scmap.maps.solution_map`` makes Python set the package's attribute of
    that name to the module; the function of the same name takes its place, as when this package
    imported it at once.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "solution_map" and isinstance(value, types.ModuleType):
            value = value.solution_map
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Maps
