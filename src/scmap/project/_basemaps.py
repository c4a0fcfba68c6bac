"""Basemaps: named tile providers (through xyzservices), a city's own XYZ/WMTS or WMS layers, or none.

Examples
--------
>>> resolve_basemap("osm")["url"]
'https://tile.openstreetmap.org/{z}/{x}/{y}.png'
>>> resolve_basemap({"wms": "https://example.invalid/wms", "layers": "ortho", "label": "Orthophoto"})["kind"]
'wms'
>>> resolve_basemap("CartoDB.Positron")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: basemap 'CartoDB.Positron' needs an API key; use one that does not (...), or give url: with your key
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ALIASES", "resolve_basemap"]

_ESRI = "Tiles &copy; Esri"
ALIASES: dict[str, str | dict[str, Any]] = {
    "osm": "OpenStreetMap.Mapnik",
    "light": "Esri.WorldGrayCanvas",
    "dark": {
        "label": "Dark grey",
        "url": "https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/World_Dark_Gray_Base/MapServer/tile/{z}/{y}/{x}",
        "attribution_html": f"{_ESRI} &mdash; Esri, DeLorme, NAVTEQ",
        "max_zoom": 16,
    },
    "topo": "OpenTopoMap",
    "imagery": "Esri.WorldImagery",
}
"""Short names a project may use; every other name is looked up in xyzservices."""


def _provider(name: str) -> dict[str, Any]:
    import warnings

    import xyzservices.providers as xp

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # providers that want a key warn on build: said below instead
            provider = xp.query_name(name)
            url = provider.build_url(scale_factor="") if "{r}" in provider.url else provider.build_url()
    except ValueError:
        raise ValueError(
            f"unknown basemap {name!r}; use none, {', '.join(ALIASES)} or an xyzservices name such as "
            "Esri.WorldImagery or OpenTopoMap"
        ) from None
    if provider.requires_token():
        raise ValueError(
            f"basemap {name!r} needs an API key; use one that does not ({', '.join(ALIASES)}, or an xyzservices "
            "name such as Esri.WorldGrayCanvas), or give url: with your key"
        )
    return {
        "kind": "xyz",
        "label": name,
        "url": url,
        "attribution_html": str(provider.html_attribution),
        "max_zoom": int(provider.get("max_zoom", 19)),
    }


def resolve_basemap(spec: str | Mapping[str, Any]) -> dict[str, Any]:
    """What the map needs to draw one basemap: kind (xyz or wms), label, url, attribution, zooms."""
    if isinstance(spec, str):
        alias = ALIASES.get(spec, spec)
        out = _provider(alias) if isinstance(alias, str) else {"kind": "xyz", **alias}
        return {**out, "label": spec if spec in ALIASES else out["label"]}
    given = {k: v for k, v in spec.items() if v is not None}
    if "name" in given:
        return {**_provider(str(given["name"])), **({"label": given["label"]} if "label" in given else {})}
    kind = "wms" if "wms" in given else "xyz"
    return {
        "kind": kind,
        "label": str(given.get("label") or ("WMS" if kind == "wms" else "Custom tiles")),
        "url": str(given["wms"] if kind == "wms" else given["url"]),
        "attribution": str(given.get("attribution", "")),
        "layers": str(given.get("layers", "")),
        "format": str(given.get("format", "image/png")),
        "max_zoom": int(given.get("max_zoom", 19)),
    }
