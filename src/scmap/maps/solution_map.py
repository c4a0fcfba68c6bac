"""The workshop map: districts, solutions per sector, legend, layer control, title.

Data is serialised once (:func:`scmap.maps._safe.script_json`) into a script that builds the
Leaflet layers in the browser and shows every data string through ``textContent``. The data
never passes through folium's or branca's Jinja templates, which is both the safety fix (text
such as ``{{ ... }}`` in a value is never executed) and the speed fix (no re-parse of megabytes
of rendered data). Only Leaflet itself is loaded from outside; no jQuery, Bootstrap or icon fonts.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement

from scmap.catalogue import Catalogue, load_catalogue
from scmap.maps._safe import html_text, script_json

__all__ = ["MapOptions", "solution_map"]

Basemap = Literal["osm", "light", "dark", "none"]

_TILES: dict[str, str] = {"osm": "OpenStreetMap", "light": "CartoDB positron", "dark": "CartoDB dark_matter"}
LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"
_STANDARD = {"solution_id", "name", "sector", "solution", "status", "radius_m", "source", "source_row"}


@dataclass(frozen=True)
class MapOptions:
    """Display settings of the solution map.

    Attributes
    ----------
    simplify_m
        Simplification tolerance for display, in metres (topology of a single polygon kept).
    precision
        Decimal places of the EPSG:4326 coordinates written into the HTML (6 ~ 0.1 m).
    icon_limit
        Sectors with more points than this are drawn as light circle markers instead of icons.
    label_limit
        District names are written on the map when there are at most this many districts.
    """

    simplify_m: float = 2.0
    precision: int = 6
    icon_limit: int = 2000
    label_limit: int = 40


class _Raw(Element):
    """Pre-rendered text that branca must output as is, never compile as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class ScmapLayers(MacroElement):
    """Adds scmap's layers, legend and title to a folium map from one JSON payload."""

    def __init__(self, payload: dict[str, Any], geometries: dict[str, list[str]]) -> None:
        super().__init__()
        self._name = "ScmapLayers"
        self.payload_json = script_json(payload)
        # shapely's GeoJSON text holds only numbers, brackets and type names: spliced as is
        self.geometries_json = (
            "{" + ",".join(f"{script_json(key)}:[{','.join(geoms)}]" for key, geoms in geometries.items()) + "}"
        )

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure = self.get_root()
        assert isinstance(figure, Figure) and self._parent is not None, "add ScmapLayers to a folium map first"
        assets = resources.files("scmap.maps")
        css = assets.joinpath("scmap.css").read_text(encoding="utf-8")
        js = assets.joinpath("scmap.js").read_text(encoding="utf-8")
        figure.header.add_child(_Raw(f"<style>{css}</style>"), name="scmap_css")
        figure.script.add_child(_Raw(js), name="scmap_js")
        call = f"scmapRender({self._parent.get_name()}, {self.payload_json}, {self.geometries_json});"
        figure.script.add_child(_Raw(call), name=self.get_name())


def _display_geoms(gdf: gpd.GeoDataFrame, options: MapOptions) -> list[str]:
    """GeoJSON geometry texts in EPSG:4326, simplified and rounded for display."""
    geoms = gdf.geometry
    if gdf.crs is not None and gdf.crs.is_projected and options.simplify_m > 0:
        geoms = geoms.simplify(options.simplify_m, preserve_topology=True)
    geoms = geoms.to_crs(4326) if gdf.crs is not None else geoms
    arr = np.asarray(geoms.array, dtype=object)
    digits = options.precision
    arr = shapely.transform(arr, lambda c: np.round(c, digits))
    return [str(t) for t in shapely.to_geojson(arr)]


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if np.isnan(value):
            return None
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, (shapely.Geometry, bytes)):
        return None
    text = str(value)
    return text if text.strip() else None


def _rows(record: dict[str, Any], skip: set[str]) -> list[list[str]]:
    out = []
    for key, value in record.items():
        if key in skip:
            continue
        text = _text(value)
        if text is not None:
            out.append([str(key), text])
    return out


def _district_payload(districts: gpd.GeoDataFrame, options: MapOptions) -> dict[str, Any]:
    ids = (
        districts["district_id"]
        if "district_id" in districts.columns
        else pd.Series(districts.index, index=districts.index)
    )
    names = districts["district_name"] if "district_name" in districts.columns else ids
    skip = {districts.geometry.name, "district_id", "district_name", "source_row"}
    records = districts.drop(columns=districts.geometry.name).to_dict("records")
    feats = [
        {
            "tip": str(n),
            "title": str(n),
            "sub": f"District {i}",
            "rows": _rows(r, skip),
            "colour": "#444444",
            "status": "",
        }
        for n, i, r in zip(names, ids, records, strict=True)
    ]
    return {"label": "Districts", "feats": feats, "labels": len(districts) <= options.label_limit}


def _solution_rows(record: dict[str, Any], cat: Catalogue, skip: set[str]) -> list[list[str]]:
    sol = cat.solutions[record["solution"]]
    rows = [
        ["Type", sol.label],
        ["Sector", cat.sectors[record["sector"]].label],
        ["Status", str(record["status"])],
        ["Id", str(record["solution_id"])],
    ]
    radius = record.get("radius_m")
    rows.append(["Service radius", f"{radius if radius == radius and radius else sol.radius_m:g} m"])
    rows.extend(_rows(record, skip))
    if sol.description:
        rows.append(["About", sol.description])
    for case in sol.reference_cases:
        where = f" ({case.city})" if case.city else ""
        note = f": {case.note}" if case.note else ""
        rows.append(["Reference case", f"{case.name}{where}{note}"])
    return rows


def _sector_payloads(solutions: gpd.GeoDataFrame, cat: Catalogue, options: MapOptions) -> list[dict[str, Any]]:
    out = []
    skip = _STANDARD | {solutions.geometry.name}
    for key, sector in cat.sectors.items():
        part = solutions.loc[solutions["sector"] == key]
        if part.empty:
            continue
        records = part.drop(columns=part.geometry.name).to_dict("records")
        feats = []
        for r in records:
            sol = cat.solutions[r["solution"]]
            feats.append(
                {
                    "tip": f"{r['name']} · {sol.label} · {r['status']}",
                    "title": str(r["name"]),
                    "sub": f"{sol.label} · {sector.label}",
                    "rows": _solution_rows(r, cat, skip),
                    "icon": sol.icon,
                    "colour": cat.colour(r["solution"]),
                    "status": str(r["status"]),
                }
            )
        counts = part["solution"].value_counts()
        types = [
            {
                "key": t,
                "label": cat.solutions[t].label,
                "icon": cat.solutions[t].icon,
                "colour": cat.colour(t),
                "count": int(counts[t]),
            }
            for t in cat.solutions
            if t in counts.index
        ]
        n_points = int((part.geometry.geom_type == "Point").sum())
        out.append(
            {
                "key": key,
                "label": sector.label,
                "colour": sector.colour,
                "count": len(part),
                "feats": feats,
                "types": types,
                "points": "icon" if n_points <= options.icon_limit else "circle",
            }
        )
    return out


def solution_map(
    districts: gpd.GeoDataFrame,
    solutions: gpd.GeoDataFrame | None = None,
    *,
    catalogue: Catalogue | None = None,
    title: str | None = None,
    basemap: Basemap = "osm",
    attribution: str | None = None,
    m: folium.Map | None = None,
    options: MapOptions | None = None,
) -> folium.Map:
    """An interactive map of districts and solutions, one toggleable layer per sector.

    Parameters
    ----------
    districts
        Polygons; ``district_id`` and ``district_name`` columns are used when present (as
        :func:`scmap.read_districts` gives them). Any CRS; the map is drawn in EPSG:4326.
    solutions
        Rows with ``solution_id``, ``name``, ``sector``, ``solution``, ``status`` (as
        :func:`scmap.read_solutions` gives them).
    catalogue
        For labels, colours, icons and reference cases; the built-in one by default.
    title, basemap, attribution
        Shown on the map; ``basemap="none"`` draws no tiles. *attribution* credits the data.
    m
        An existing map to add the layers to; a new one otherwise.

    Examples
    --------
    >>> import scmap
    >>> inputs = scmap.load_inputs(scmap.load_project(scmap.demo_project_path()))
    >>> fmap = solution_map(inputs.districts.gdf, inputs.solutions, title="Sofia")
    >>> "scmapRender(" in fmap.get_root().render()
    True
    """
    cat = catalogue or load_catalogue()
    options = options or MapOptions()
    if solutions is None:
        solutions = gpd.GeoDataFrame({c: [] for c in sorted(_STANDARD)}, geometry=[], crs=districts.crs)
    unknown = sorted(set(solutions["solution"]) - set(cat.solutions))
    if unknown:
        from scmap.errors import CatalogueError

        raise CatalogueError(f"solutions: unknown solution types {unknown}; allowed: {', '.join(cat.solutions)}")
    if m is None:
        centre = districts.to_crs(4326).union_all().centroid if len(districts) else shapely.Point(0, 0)
        m = folium.Map(location=[centre.y, centre.x], zoom_start=12, tiles=None, prefer_canvas=True, control_scale=True)
        m.default_js = [("leaflet", LEAFLET_JS)]
        m.default_css = [("leaflet_css", LEAFLET_CSS)]
        if basemap != "none":
            folium.TileLayer(_TILES[basemap], control=False).add_to(m)
        if title:
            root = m.get_root()
            assert isinstance(root, Figure)
            root.title = html_text(title)  # <title> until the script sets document.title
    geometries = {"districts": _display_geoms(districts, options)}
    for key in cat.sectors:
        part = solutions.loc[solutions["sector"] == key]
        if len(part):
            geometries[f"sector:{key}"] = _display_geoms(part, options)
    payload = {
        "title": title or "",
        "attribution": attribution or "",
        "legend_title": "Solutions by sector",
        "districts": _district_payload(districts, options),
        "sectors": _sector_payloads(solutions, cat, options),
    }
    ScmapLayers(payload, geometries).add_to(m)
    return m
