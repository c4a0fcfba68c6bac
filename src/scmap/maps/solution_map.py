"""The workshop map: districts, solutions per sector, legend, layer control, title.

Data is serialised once (:func:`scmap.maps._safe.script_json`) into a script that builds the
Leaflet layers in the browser and shows every data string through ``textContent``. The data
never passes through folium's or branca's Jinja templates, which is both the safety fix (text
such as ``{{ ... }}`` in a value is never executed) and the speed fix (no re-parse of megabytes
of rendered data). Only Leaflet itself is loaded from outside; no jQuery, Bootstrap or icon fonts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from scmap.core._page import data_blocks, render_call
from scmap.core._text import display_frame, display_value
from scmap.core.catalogue import Catalogue, load_catalogue
from scmap.core.i18n import load_messages
from scmap.errors import CatalogueError, InputError
from scmap.maps._assets import CLUSTER_CSS, CLUSTER_JS, LEAFLET_CSS, LEAFLET_JS
from scmap.maps._safe import html_text, script_json
from scmap.maps._script import page_script
from scmap.maps._shapes import Geoms, Shapes
from scmap.maps.export import embed_html
from scmap.maps.layers import (
    STANDARD,
    MapOptions,
    choropleth_layers,
    districts_layer,
    sector_layers,
    sketch_types,
)
from scmap.maps.overlays import overlay_layers
from scmap.project._basemaps import resolve_basemap

if TYPE_CHECKING:
    from scmap.analysis.overlap import OverlapResult
    from scmap.analysis.suitability import SuitabilityResult

__all__ = ["MapOptions", "ScmapLayers", "WorkshopMap", "solution_map"]

Basemap = str | Mapping[str, Any]
"""A basemap: a name (osm, light, dark, topo, imagery, an xyzservices provider) or a mapping with
name:, url: (XYZ/WMTS) or wms: + layers: (see :class:`scmap.project.spec.BasemapSpec`)."""


class _Raw(Element):
    """Pre-rendered text that branca must output as is, never compile as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class ScmapLayers(MacroElement):
    """Adds scmap's layers, legends, tools and title to a folium map from one JSON payload.

    The payload never passes through Jinja: :meth:`render` adds pre-rendered elements.
    """

    def __init__(self, payload: dict[str, Any], geometries: dict[str, Geoms], *, cluster: bool = False) -> None:
        super().__init__()
        self._name = "ScmapLayers"
        # encoded numbers, ids the page looks up, positions of texts (whose pieces are display text)
        data = frozenset({"values", "ids", "paths", "cells", "b64", "coded", "text_parts", "at", "cidx", "label_order"})
        shown = display_value(payload, long_keys=frozenset({"about", "refs"}), data_keys=data)
        self.payload_json = script_json(shown)
        # encoded geometries and shapely's GeoJSON text hold only numbers, brackets, base64 and
        # type names: spliced as is
        self.geometries_json = (
            "{" + ",".join(f"{script_json(key)}:{_geoms_json(g)}" for key, g in geometries.items()) + "}"
        )
        self.cluster = cluster

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Write the layers' data and the page's script into the folium figure."""
        figure = self.get_root()
        assert isinstance(figure, Figure), "add ScmapLayers to a folium map first"
        assert self._parent is not None, "add ScmapLayers to a folium map first"
        assets = resources.files("scmap.maps")
        css = assets.joinpath("scmap.css").read_text(encoding="utf-8")
        if self.cluster:
            links = "".join(f'<link rel="stylesheet" href="{u}"/>' for u in CLUSTER_CSS)
            figure.header.add_child(_Raw(f'{links}<script src="{CLUSTER_JS}"></script>'), name="scmap_cluster")
        figure.header.add_child(_Raw(f"<style>{css}</style>"), name="scmap_css")
        figure.script.add_child(_Raw(page_script()), name="scmap_js")
        blocks = data_blocks(self.get_name(), self.payload_json, self.geometries_json)
        figure.html.add_child(_Raw(blocks), name=f"{self.get_name()}_data")
        figure.script.add_child(_Raw(render_call(self._parent.get_name(), self.get_name())), name=self.get_name())


def _geoms_json(geoms: Geoms) -> str:
    return geoms.json() if isinstance(geoms, Shapes) else f"[{','.join(geoms)}]"


class PageFigure(Figure):
    """A folium page that says its language.

    A folium page that says its language: ``<html lang="...">`` (screen readers, hyphenation,
    the browser's translation offer). The language is the figure's data, rendered by its template.
    """

    _template = Template(
        '<!DOCTYPE html>\n<html lang="{{ this.lang|e }}">\n<head>\n'
        "{% if this.title %}<title>{{ this.title }}</title>{% endif %}"
        "    {{ this.header.render(**kwargs) }}\n</head>\n<body>\n    {{ this.html.render(**kwargs) }}\n</body>\n"
        "<script>\n    {{ this.script.render(**kwargs) }}\n</script>\n</html>\n"
    )

    lang = "en"


def set_page_language(m: folium.Map, language: str) -> None:
    """Make *m*'s page say *language* in its ``<html lang>``.

    Make *m*'s page say *language* in its ``<html lang>`` (a map made elsewhere, in a plain
    folium page, gets the same template).
    """
    root = m.get_root()
    if not isinstance(root, Figure):
        raise InputError("solution_map(m=...): give a folium.Map")
    if not isinstance(root, PageFigure):
        root._template = PageFigure._template
    root.lang = language  # type: ignore[attr-defined]


class WorkshopMap(folium.Map):
    """A folium map that shows in a notebook with no network but the basemap tiles.

    A folium map whose notebook display carries Leaflet and scmap's code inside it, so that it
    shows with no network but the basemap tiles (folium's own display loads them from a CDN).
    """

    def _repr_html_(self, **kwargs: Any) -> str:
        return embed_html(self, height=600, inline=True)


def _checked(
    districts: gpd.GeoDataFrame, solutions: gpd.GeoDataFrame | None, cat: Catalogue, options: MapOptions
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Display copies of the tables (text made display text, with warnings); unknown types refused.

    Solutions counted per hexagon (above ``options.max_points``) show no text of their own: only their sector, type and
    place are kept, with no copy of the rest. No solutions: an empty table.
    """
    if solutions is None:
        solutions = gpd.GeoDataFrame({c: [] for c in sorted(STANDARD)}, geometry=[], crs=districts.crs)
    unknown = sorted(set(solutions["solution"]) - set(cat.solutions))
    if unknown:
        raise CatalogueError(f"solutions: unknown solution types {unknown}; allowed: {', '.join(cat.solutions)}")
    shown = display_frame(districts, what="districts", id_column="district_id")
    if len(solutions) > options.max_points:
        return shown, solutions[["sector", "solution", solutions.geometry.name]]
    return shown, display_frame(solutions, what="solutions", id_column="solution_id")


def _basemaps(basemap: Basemap | Sequence[Basemap]) -> list[dict[str, Any]]:
    chosen = [basemap] if isinstance(basemap, str | Mapping) else list(basemap)
    try:
        return [resolve_basemap(b) for b in chosen if b != "none"]
    except ValueError as exc:
        raise InputError(f"map.basemap: {exc}") from None


def _new_map(districts: gpd.GeoDataFrame, *, title: str | None) -> folium.Map:
    """An empty Leaflet map centred on the districts (the page adds the basemaps)."""
    centre = districts.to_crs(4326).union_all().centroid if len(districts) else shapely.Point(0, 0)
    m = WorkshopMap(
        location=[centre.y, centre.x], zoom_start=12, tiles=None, prefer_canvas=True, control_scale=False, max_zoom=19
    )
    PageFigure().add_child(m)
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    if title:
        root = m.get_root()
        assert isinstance(root, Figure)
        root.title = html_text(display_value(title))  # <title> until the script sets document.title
    return m


def _first_view(districts: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    """The districts' bounds in EPSG:3857: what the page first shows."""
    from pyproj import Transformer

    if districts.crs is None or not len(districts):
        return None
    x0, y0, x1, y1 = districts.total_bounds
    xs, ys = Transformer.from_crs(districts.crs, 3857, always_xy=True).transform([x0, x1, x0, x1], [y0, y0, y1, y1])
    return (min(xs), min(ys), max(xs), max(ys))


def _layers(
    districts: gpd.GeoDataFrame,
    solutions: gpd.GeoDataFrame,
    cat: Catalogue,
    options: MapOptions,
    *,
    suitability: SuitabilityResult | None,
    overlap: OverlapResult | None,
) -> tuple[dict[str, Any], dict[str, Geoms]]:
    """Every layer's payload and display geometries."""
    district_payload, district_geoms = districts_layer(
        districts, options, suitability=suitability, overlap=overlap, catalogue=cat
    )
    sectors, sector_geoms = sector_layers(solutions, cat, options, _first_view(districts))
    choropleths, choro_geoms = choropleth_layers(
        districts, options, suitability=suitability, overlap=overlap, catalogue=cat
    )
    overlays, overlay_geoms = overlay_layers(overlap, cat, options)
    payload = {
        "districts": district_payload,
        "sectors": sectors,
        "choropleths": choropleths,
        "overlays": overlays,
        "sketch_types": sketch_types(cat),
    }
    return payload, {
        "districts": district_geoms,
        **sector_geoms,
        **_shared(choropleths, choro_geoms, district_geoms),
        **overlay_geoms,
    }


def _shared(choropleths: list[dict[str, Any]], geoms: dict[str, Geoms], districts: Geoms) -> dict[str, Geoms]:
    """Return the colourings with district geometries shared by reference.

    Colourings of the districts themselves draw the districts' geometries (written once in the
    page, ``geometry_of: "districts"``); colourings of other units (grid, H3) keep their own.
    """
    own = {}
    for ch in choropleths:
        if geoms[ch["key"]] == districts:
            ch["geometry_of"] = "districts"
        else:
            own[ch["key"]] = geoms[ch["key"]]
    return own


def _page_settings(
    options: MapOptions,
    *,
    title: str | None,
    attribution: str | None,
    show: Sequence[str] | None,
    basemap: Basemap | Sequence[Basemap],
) -> dict[str, Any]:
    """The page's settings beside its layers: words, title, basemaps, what shows at start."""
    msg, bases = options.messages, _basemaps(basemap)
    return {
        "title": title or "",
        "attribution": attribution or "",
        "legend_title": msg("map.solutions_by_sector"),
        "i18n": msg.for_page(),
        "show": list(show) if show is not None else None,
        "basemaps": bases,
        "tiles": next(({"url": b["url"]} for b in bases if b["kind"] == "xyz"), {"url": ""}),
        "display": {k: getattr(options, k) for k in ("icons_from_zoom", "cluster_until_zoom")},
    }


def solution_map(
    districts: gpd.GeoDataFrame,
    solutions: gpd.GeoDataFrame | None = None,
    *,
    suitability: SuitabilityResult | None = None,
    overlap: OverlapResult | None = None,
    catalogue: Catalogue | None = None,
    title: str | None = None,
    basemap: Basemap | Sequence[Basemap] = "osm",
    attribution: str | None = None,
    show: Sequence[str] | None = None,
    m: folium.Map | None = None,
    options: MapOptions | None = None,
    language: str | None = None,
) -> folium.Map:
    """The workshop map: districts, solutions per sector, analyses, legends and workshop tools.

    Parameters
    ----------
    districts
        Polygons; ``district_id`` and ``district_name`` are used when present (as
        :func:`scmap.read_districts` gives them). Any CRS; the map is drawn in EPSG:4326.
    solutions
        Rows with ``solution_id``, ``name``, ``sector``, ``solution``, ``status``.
    suitability, overlap
        Results of :func:`scmap.analysis.suitability` and :func:`scmap.analysis.overlap`: one colouring per
        suitability model and for coverage gaps (one visible at a time), service areas, hotspots,
        synergy/conflict links, and popups that explain each district.
    catalogue
        For labels, colours, icons and reference cases; the built-in one by default.
    title, basemap, attribution
        Shown on the map. *basemap* is one basemap or several (the first shown, a switcher for
        the others); ``"none"`` draws no tiles. *attribution* credits the data.
    show
        Overlay keys visible at start (sector keys, ``districts``, ``service_areas``,
        ``hotspots``, ``relations``); the defaults otherwise.
    m
        An existing map to add the layers to; a new one otherwise.
    language
        The language of the map's words and numbers (``es``, ``ca``, ``bg``...); English by default
        (or *options*' messages).

    Examples
    --------
    >>> import scmap
    >>> inputs = scmap.load_inputs(scmap.load_project(scmap.demo_project_path()))
    >>> fmap = solution_map(inputs.districts.gdf, inputs.solutions, title="Sofia")
    >>> "scmapRender(" in fmap.get_root().render()
    True
    """
    options = options or MapOptions()
    options = dataclasses.replace(options, messages=load_messages(language)) if language is not None else options
    cat = options.messages.catalogue(catalogue or load_catalogue())
    districts, solutions = _checked(districts, solutions, cat, options)
    m = m if m is not None else _new_map(districts, title=title)
    set_page_language(m, options.messages.language)
    payload, geometries = _layers(districts, solutions, cat, options, suitability=suitability, overlap=overlap)
    payload |= _page_settings(options, title=title, attribution=attribution, show=show, basemap=basemap)
    ScmapLayers(payload, geometries, cluster=any(s.get("cluster") for s in payload["sectors"])).add_to(m)
    return m
