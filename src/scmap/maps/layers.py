"""Payloads of the map's layers: plain data (no HTML) that the browser script turns into layers.

Each builder returns ``(payload, geometries)``: the payload is serialised by
:func:`scmap.maps._safe.script_json`; geometries are GeoJSON texts from shapely (numbers only).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.colormap import LinearColormap
from pyproj import Transformer

from scmap.core._limits import LARGE_GEOMETRY_VERTICES
from scmap.core._text import display_text
from scmap.core.catalogue import Catalogue
from scmap.core.i18n import Messages, english
from scmap.maps._format import format_value
from scmap.maps._hexes import HexLayout, hex_layout
from scmap.maps._icons import symbol_paths
from scmap.maps._shapes import Geoms, Shapes, point_stream
from scmap.maps._texts import TextTable

if TYPE_CHECKING:
    from scmap.analysis.overlap import OverlapResult
    from scmap.analysis.suitability import SuitabilityResult
    from scmap.analysis.suitability.model import ModelScores

__all__ = ["MapOptions"]

STANDARD = {"solution_id", "name", "sector", "solution", "status", "radius_m", "source", "source_row"}
SCORE_COLOURS = ["#f7fcb9", "#d9f0a3", "#addd8e", "#78c679", "#41ab5d", "#238443", "#005a32"]
GAP_COLOURS = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"]
HOTSPOT_COLOURS = {2: "#fdae61", 3: "#d7191c", 4: "#7b3294", 5: "#40004b"}
RELATION_COLOURS = {"synergy": "#1a9641", "conflict": "#d7191c"}
EXCLUDED = "#bdbdbd"
STEPS = 64


@dataclass(frozen=True)
class MapOptions:
    """Display settings of the solution map.

    Attributes
    ----------
    simplify_m
        Simplification tolerance for display, in metres (topology of each polygon kept).
    overview_simplify_m
        The same for the service-area and hotspot overlays (unions of many circles).
    precision
        Decimal places of the EPSG:4326 coordinates written into the HTML (6 ~ 0.1 m).
    icon_limit
        Sectors with more points than this are drawn as light circle markers instead of icons.
    cluster_limit
        Sectors with more points than this are clustered (Leaflet.markercluster).
    cluster_crowded
        Also cluster a sector of at least :data:`CROWDED_MIN_POINTS` points whose icons would
        mostly cover each other in the first view of the districts (:func:`crowded`).
    label_limit
        Kept for compatibility: district names are now placed by the page, largest district
        first, wherever they fit without overlapping (any number of districts).
    max_html_mb
        Saving a larger map warns with the figures and what to change.
    district_columns, solution_columns
        The districts' and solutions' own columns their popups show, as {column: label}; None
        shows every column (the analysis rows are always shown).
    districts_label, districts_note
        What the district layer is called in the layer list (default "Districts") and, when
        given, a legend entry saying what its shapes are (e.g. the cities of a network).
    places
        What the district layer's shapes are, for the search's words: ``districts`` ("Find a
        district"), or ``cities`` ("Find a city", the network's map).
    colourings
        More district colourings (one visible at a time, like the suitability ones), each a
        payload as :func:`district_colouring` makes it, in the districts' order.
    icons_from_zoom
        While a colouring is shown, point solutions are small dots below this zoom level and
        icons from it on, so that the analysis stays readable.
    cluster_until_zoom
        Clustered sectors show every point from this zoom level on.
    max_relations
        Synergy and conflict links drawn at most (the closest first); the legend says how many of
        how many, and every link is in the tables.
    max_points
        Above this many solutions, each sector is drawn as counts per hexagon (a few thousand
        hexagons over the whole area; :mod:`scmap.maps._hexes`), and the legend says so.
    max_area_vertices
        Service areas and hotspots whose exact outlines have more vertices than this (about four
        times what the map would draw after simplifying) are drawn from one grid of sector sets
        instead (:mod:`scmap.maps._grid`); the legend says so and gives the cell size.
    messages
        The language of every word the map writes (:func:`scmap.core.i18n.load_messages`).
    live_weights
        Write each suitability model's standardised values so that the page's weights panel (and
        ``window.scmap.setWeights``) re-scores exactly as Python does.
    """

    simplify_m: float = 2.0
    overview_simplify_m: float = 8.0
    precision: int = 6
    icon_limit: int = 2000
    cluster_limit: int = 400
    cluster_crowded: bool = True
    label_limit: int = 40
    max_html_mb: float = 25.0
    live_weights: bool = True
    icons_from_zoom: int = 15
    cluster_until_zoom: int = 17
    max_relations: int = 2000
    max_area_vertices: int = 150_000
    max_points: int = 200_000
    district_columns: dict[str, str] | None = None
    solution_columns: dict[str, str] | None = None
    districts_label: str | None = None
    districts_note: str | None = None
    places: Literal["districts", "cities"] = "districts"
    colourings: tuple[dict[str, Any], ...] = ()
    messages: Messages = field(default_factory=english)


def display_geoms(gdf: gpd.GeoDataFrame, options: MapOptions, *, overview: bool = False) -> Shapes:
    """Return the geometries in EPSG:4326, simplified and rounded for display (written compactly).

    *overview* areas
    (service areas, hotspots: unions of many circles) more coarsely, to ``overview_simplify_m``
    and 5 decimals (1 m), which keeps their shape and divides their size several times.
    """
    geoms = gdf.geometry
    tolerance = options.overview_simplify_m if overview else options.simplify_m
    if gdf.crs is not None and gdf.crs.is_projected and tolerance > 0:
        shown = _simplified(np.asarray(geoms.array, dtype=object), tolerance)
        geoms = gpd.GeoSeries(shown, index=geoms.index, crs=geoms.crs)
    geoms = geoms.to_crs(4326) if gdf.crs is not None else geoms
    arr = np.asarray(geoms.array, dtype=object)
    digits = min(options.precision, 5) if overview else options.precision
    return Shapes(shapely.transform(arr, lambda c: np.round(c, digits)), digits)


DISPLAY_VERTICES = 20_000
"""Most vertices the map draws of one geometry that has more than LARGE_GEOMETRY_VERTICES."""


def _simplified(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """*geoms* simplified to *tolerance* metres, keeping their topology.

    A geometry of more than :data:`LARGE_GEOMETRY_VERTICES` vertices (whose simplification by GEOS grows much faster
    than its size: hours for a million jagged vertices) is thinned instead to every k-th vertex of each ring or line, at
    most :data:`DISPLAY_VERTICES` in all: linear cost, for display only.
    """
    counts = shapely.get_num_coordinates(geoms)
    large = counts > LARGE_GEOMETRY_VERTICES
    out = geoms.copy()
    if (~large).any():
        out[~large] = shapely.simplify(geoms[~large], tolerance, preserve_topology=True)
    for i in np.flatnonzero(large):
        out[i] = _thinned(geoms[i], max(2, int(np.ceil(counts[i] / DISPLAY_VERTICES))))
    return out


def _thinned(geom: Any, step: int) -> Any:
    """Every *step*-th vertex of each part of *geom* (rings kept closed, parts of 4 or fewer kept)."""
    if isinstance(geom, shapely.Polygon):
        rings = [geom.exterior, *geom.interiors]
        kept = [_every(np.asarray(r.coords), step, closed=True) for r in rings]
        return shapely.Polygon(kept[0], [r for r in kept[1:] if len(r) >= 4])
    if isinstance(geom, shapely.LineString):
        return shapely.LineString(_every(np.asarray(geom.coords), step, closed=False))
    if isinstance(geom, shapely.MultiPolygon | shapely.MultiLineString | shapely.GeometryCollection):
        return type(geom)([_thinned(g, step) for g in geom.geoms])
    return geom


def _every(coords: np.ndarray, step: int, *, closed: bool) -> np.ndarray:
    if len(coords) <= 4 * step:
        return coords
    kept = coords[::step]
    return np.vstack([kept, coords[-1:]]) if not np.array_equal(kept[-1], coords[-1]) else kept


def text(value: object, msg: Messages | None = None) -> str | None:
    """A display string for a value (numbers as *msg*'s language writes them), None for missing ones."""
    msg = msg or english()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return msg.num(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if np.isnan(number):
            return None
        if number.is_integer() and abs(number) < 1e15:
            return msg.num(number)  # 11522400.0 -> "11,522,400"
        return format_value(number, "number", msg)  # never scientific notation
    if isinstance(value, (shapely.Geometry, bytes)):
        return None
    out = str(value)
    return out if out.strip() else None


def rows_of(
    record: dict[str, Any], skip: set[str], labels: dict[str, str] | None = None, msg: Messages | None = None
) -> list[list[str]]:
    """Popup rows of a record's own columns: every column (*labels* None) or the chosen ones, labelled."""
    out = []
    for key, value in record.items():
        if key in skip or (labels is not None and key not in labels):
            continue
        shown = text(value, msg)
        if shown is not None:
            out.append([labels[key] if labels is not None else str(key), shown])
    return out


def _palette_index(values: np.ndarray, vmin: float = 0.0, vmax: float = 1.0) -> np.ndarray:
    scaled = (np.asarray(values, dtype=float) - vmin) / (vmax - vmin if vmax > vmin else 1.0)
    idx = np.rint(np.clip(scaled, 0, 1) * (STEPS - 1))
    return np.where(np.isfinite(idx), idx, -1).astype(int)


def _palette(colours: list[str]) -> list[str]:
    cmap = LinearColormap(colours, vmin=0, vmax=1)
    return [cmap.rgb_hex_str(i / (STEPS - 1)) for i in range(STEPS)]


def districts_layer(
    districts: gpd.GeoDataFrame,
    options: MapOptions,
    *,
    suitability: SuitabilityResult | None,
    overlap: OverlapResult | None,
    catalogue: Catalogue,
) -> tuple[dict[str, Any], Shapes]:
    ids = (
        districts["district_id"].astype(str)
        if "district_id" in districts.columns
        else pd.Series(districts.index.astype(str), index=districts.index)
    )
    names = districts["district_name"].astype(str) if "district_name" in districts.columns else ids
    skip = {districts.geometry.name, "district_id", "district_name", "source_row"}
    records = districts.drop(columns=districts.geometry.name).to_dict("records")
    msg = options.messages
    extra = _district_explanations(ids, suitability, overlap, catalogue, msg)
    texts = TextTable()
    feats = [
        [
            texts.code(n),
            texts.code("" if options.districts_label else msg("map.district_n", id=i)),
            *texts.codes(extra.get(i, []) + rows_of(r, skip, options.district_columns, msg)),
        ]
        for n, i, r in zip(names, ids, records, strict=True)
    ]
    payload = {
        "label": options.districts_label or msg("map.districts"),
        "note": options.districts_note,
        "places": options.places,
        "coded": feats,
        # where districts share a name (census sections named after their neighbourhood), their
        # ids tell them apart in the search: "el Raval (01-001)"
        "ids": [display_text(i) for i in ids] if names.duplicated().any() else [],
        **texts.payload(),
        **_label_points(districts),
    }
    return payload, display_geoms(districts, options)


def _label_points(districts: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return where each district's name goes and in which order names are placed.

    Where each district's name goes (a point inside it, lon/lat) and the order in which names are
    placed (largest district first), so that the page can show names without collisions.
    """
    if not len(districts):
        return {"label_at": point_stream(np.empty((0, 2)), 5), "label_order": []}
    points = districts.geometry.representative_point()
    lonlat = points.to_crs(4326) if districts.crs is not None else points
    area = districts.geometry.area.to_numpy() if districts.crs is not None and districts.crs.is_projected else None
    order = np.argsort(-area, kind="stable") if area is not None else np.arange(len(districts))
    return {"label_at": point_stream(np.column_stack([lonlat.x, lonlat.y]), 5), "label_order": order.tolist()}


def _district_explanations(
    ids: pd.Series,
    suitability: SuitabilityResult | None,
    overlap: OverlapResult | None,
    catalogue: Catalogue,
    msg: Messages,
) -> dict[str, list[list[str]]]:
    """Popup rows per district: scores with contributions and stability, sectors present, gaps."""
    out: dict[str, list[list[str]]] = {i: [] for i in ids}
    if suitability is not None and suitability.units["unit_id"].isin(ids).all() and len(suitability.units) == len(ids):
        _score_rows(out, ids, suitability, catalogue, msg)
    elif suitability is not None and len(suitability.districts):
        _rollup_rows(out, ids, suitability, catalogue, msg)
    if overlap is not None:
        _coverage_rows(out, ids, overlap, catalogue, msg)
    return out


def _score_rows(
    out: dict[str, list[list[str]]], ids: pd.Series, suitability: SuitabilityResult, catalogue: Catalogue, msg: Messages
) -> None:
    """Per model: score and "rank 5 of 73", each criterion's contribution, the rank range."""
    units = suitability.units.set_index("unit_id")
    n, rows = len(units), units.drop(columns=units.geometry.name).to_dict("index")
    for key, m in suitability.models.items():
        title = msg("map.suit_row", label=catalogue.type_label(key))
        names = list(m.live.labels) if m.live is not None else list(m.criteria)
        for i in ids:
            row = rows[i]
            if bool(row[f"{key}_excluded"]):
                out[i].append([title, msg("map.excluded_because", why=row[f"{key}_why"])])
                continue
            rank, score = int(row[f"{key}_rank"]), msg.num(row[f"{key}_score"], 2)
            out[i].append([title, msg("map.score_rank", score=score, rank=msg.num(rank), n=msg.num(n))])
            parts = [
                f"{name} {msg.num(row[f'{key}__{c}__contrib'], 2)}" for c, name in zip(m.criteria, names, strict=True)
            ]
            out[i].append(["  " + msg("map.because"), " + ".join(parts)])
            if f"{key}_rank_min" in units.columns and pd.notna(row[f"{key}_rank_min"]):
                ptop = [c for c in units.columns if c.startswith(f"{key}_p_top")]
                stable = msg("map.stable", lo=int(row[f"{key}_rank_min"]), hi=int(row[f"{key}_rank_max"]))
                if ptop:
                    k = ptop[0].removeprefix(f"{key}_p_top")
                    stable += msg("map.stable_top", k=k, share=msg.pct(row[ptop[0]]))
                out[i].append(["  " + msg("map.stability"), stable])


def _coverage_rows(
    out: dict[str, list[list[str]]], ids: pd.Series, overlap: OverlapResult, catalogue: Catalogue, msg: Messages
) -> None:
    """Solutions per sector, the share of the area each sector serves, the gap rank."""
    table = overlap.districts.set_index("district_id")
    sectors = [
        c.removeprefix("n_") for c in table.columns if c.startswith("n_") and c not in ("n_sectors", "n_solutions")
    ]
    rows = table.drop(columns=table.geometry.name).to_dict("index")  # plain dicts: .loc by the thousand is slow
    for i in ids:
        if i not in rows:
            continue
        row = rows[i]
        present = ", ".join(f"{catalogue.sector_label(s)} {msg.num(row[f'n_{s}'])}" for s in sectors)
        out[i].append([msg("map.solutions_by_sector"), present])
        cover = ", ".join(f"{catalogue.sector_label(s)} {msg.pct(row[f'covered_{s}'])}" for s in sectors)
        out[i].append([msg("map.area_served"), cover])
        gap = msg("map.gap_text", rank=msg.num(row["gap_rank"]), n=msg.num(len(table)))
        if "mean_uncovered_population" in table.columns:
            gap += msg("map.gap_people", people=msg.num(row["mean_uncovered_population"]))
        out[i].append([msg("map.gaps_row"), gap])


def _rollup_rows(
    out: dict[str, list[list[str]]], ids: pd.Series, suitability: SuitabilityResult, catalogue: Catalogue, msg: Messages
) -> None:
    """District popup rows for grid or H3 models: the mean and best cell, the share suitable."""
    roll = suitability.districts.set_index("district_id")
    for key in suitability.models:
        title = msg("map.roll_row", label=catalogue.type_label(key))
        for i in ids:
            if i not in roll.index or pd.isna(roll.loc[i, f"{key}_mean"]):
                continue
            row = roll.loc[i]
            shown = msg(
                "map.roll_text",
                mean=msg.num(row[f"{key}_mean"], 2),
                best=msg.num(row[f"{key}_max"], 2),
                share=msg.pct(row[f"{key}_share_above"]),
            )
            out[i].append([title, shown])


def point_xy(gdf: gpd.GeoDataFrame, options: MapOptions) -> dict[str, Any]:
    """Encode points in EPSG:4326 as base64 of little-endian int32 coordinates.

    Points in EPSG:4326 as base64 of little-endian int32 [lon, lat, lon, lat...] in units of
    ``1 / scale`` degree: 10.7 characters a point at any precision up to 7 decimals.
    """
    pts = gdf.geometry.to_crs(4326) if gdf.crs is not None else gdf.geometry
    scale = 10 ** min(options.precision, 7)
    xy = np.round(shapely.get_coordinates(np.asarray(pts.array, dtype=object)) * scale)
    return {"scale": scale, "b64": base64.b64encode(np.ascontiguousarray(xy, dtype="<i4").tobytes()).decode("ascii")}


def _column(values: pd.Series, msg: Messages) -> list[str | None] | None:
    shown = [text(v, msg) for v in values]
    return shown if any(v is not None for v in shown) else None


def _names(part: pd.DataFrame, present: list[str]) -> tuple[dict[str, str | None], list[str | None] | None]:
    """Return the names the page cannot build itself (None where it can).

    Names the page can build as "<prefix> <id>" (the readers' default for rows with no name) are
    sent as None: per type its prefix, then the other names (None when every name is built).
    """
    names, ids, types = part["name"].astype(str).tolist(), part["solution_id"].astype(str).tolist(), part["solution"]
    pairs = zip(names, ids, strict=True)
    candidates = pd.Series(
        [n[: -len(i) - 1] if len(n) > len(i) + 1 and n.endswith(" " + i) else None for n, i in pairs],
        index=part.index,
        dtype=object,
    )
    prefix: dict[str, str | None] = {}
    for t in present:  # the type's most common prefix
        counts = candidates[(types == t).to_numpy()].value_counts()
        prefix[t] = str(counts.index[0]) if len(counts) else None
    shown: list[str | None] = [
        None if p is not None and n == f"{p} {i}" else n
        for n, i, p in zip(names, ids, map(prefix.get, types), strict=True)
    ]
    return prefix, None if all(v is None for v in shown) else shown


def _type_entries(
    part: pd.DataFrame, present: list[str], cat: Catalogue, prefixes: dict[str, str | None]
) -> list[dict[str, Any]]:
    """What is the same for every solution of a type: label, symbol, colour, count, description."""
    counts = part["solution"].value_counts()
    types = []
    for t in present:
        sol = cat.solutions[t]
        refs = [
            f"{c.name}{f' ({c.city})' if c.city else ''}{f': {c.note}' if c.note else ''}" for c in sol.reference_cases
        ]
        types.append(
            {
                "key": t,
                "label": sol.label,
                "icon": sol.icon,
                "paths": list(symbol_paths(sol.symbol)),
                "colour": cat.colour(t),
                "count": int(counts[t]),
                "radius": sol.radius_m,
                "about": sol.description,
                "refs": refs,
                "name_prefix": prefixes.get(t),
            }
        )
    return types


def _feature_columns(part: gpd.GeoDataFrame, present: list[str], options: MapOptions) -> dict[str, Any]:
    """Per solution, by column: type, status, id, radius and the file's own columns (names: :func:`_names`)."""
    msg = options.messages
    statuses = sorted(set(part["status"].astype(str)))
    radius = pd.to_numeric(part.get("radius_m", pd.Series(np.nan, index=part.index)), errors="coerce")
    cols = []
    chosen = options.solution_columns
    for c in part.columns:
        if c in STANDARD | {part.geometry.name} or (chosen is not None and c not in chosen):
            continue
        values = _column(part[c], msg)
        if values is not None:
            cols.append({"name": chosen[c] if chosen is not None else str(c), "values": values})
    n_points = int((part.geometry.geom_type == "Point").sum())
    return {
        "t": [present.index(t) for t in part["solution"]],
        "statuses": statuses,
        "status_labels": [msg.get(f"map.status_{v}") or v for v in statuses],
        "s": [statuses.index(v) for v in part["status"].astype(str)] if len(statuses) > 1 else None,
        "ids": part["solution_id"].astype(str).tolist(),
        "radius": None if radius.isna().all() else [text(v, msg) for v in radius],
        "cols": cols,
        "points": "icon" if n_points <= options.icon_limit else "circle",
        "cluster": n_points > options.cluster_limit,
    }


def _hex_plan(solutions: gpd.GeoDataFrame, options: MapOptions) -> tuple[HexLayout, np.ndarray] | None:
    """Return one hexagon layout for every sector above ``options.max_points`` solutions.

    Above ``options.max_points`` solutions, one hexagon layout for every sector and each
    solution's EPSG:3857 position (a point on the surface of lines and polygons).
    """
    if len(solutions) <= options.max_points:
        return None
    geoms = np.array(solutions.geometry.array, dtype=object)  # a copy: the table's geometries stay as they are
    lines = shapely.get_type_id(geoms) != shapely.GeometryType.POINT
    geoms[lines] = shapely.point_on_surface(geoms[lines])
    x, y = shapely.get_x(geoms), shapely.get_y(geoms)  # numbers only: no second million geometries
    to_merc = Transformer.from_crs(solutions.crs or 4326, 3857, always_xy=True)
    xy = np.column_stack(to_merc.transform(x, y))
    lat = float(Transformer.from_crs(3857, 4326, always_xy=True).transform(*np.nanmean(xy, axis=0))[1])
    return hex_layout(xy, lat), xy


def _hex_counts(types: pd.Series, present: list[str], xy: np.ndarray, layout: HexLayout, msg: Messages) -> dict:
    """A sector counted per hexagon: each cell's (q, r) and its count per type."""
    cells, inverse = np.unique(layout.cells(xy), axis=0, return_inverse=True)
    t = pd.Categorical(types, categories=present).codes.astype(np.int64)
    n = np.bincount(inverse.ravel() * len(present) + t, minlength=len(cells) * len(present))
    note = msg("map.hex_note", area=msg.num(layout.area_km2, 2 if layout.area_km2 < 10 else 0))
    hexes = {"size": layout.size, "q": cells[:, 0].tolist(), "r": cells[:, 1].tolist()}
    return {"hex": hexes | {"n": n.reshape(len(cells), len(present)).tolist()}, "note": note}


CROWDED_MIN_POINTS = 50
"""Fewest points of a sector that :func:`crowded` clusters."""
CROWDED_SHARE = 0.012
"""Nearest-neighbour distance, as a share of the first view's larger side, below which two icons
mostly cover each other: half an icon (about 12 px) of a map about 1,000 px wide."""


def crowded(points: gpd.GeoSeries, view: tuple[float, float, float, float] | None) -> bool:
    """Whether most of *points*' icons would cover each other in the first view.

    True when there are at least :data:`CROWDED_MIN_POINTS` points and their median distance to
    the nearest other point (in Web Mercator, as the map draws them) is less than
    :data:`CROWDED_SHARE` of *view*'s larger side (*view*: the districts' bounds in EPSG:3857).
    València's 276 bike-share stations, in a city whose districts run 20 km south to the marshes,
    are 0.9 % apart; the demo's sectors about 2 %.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> xy = np.random.default_rng(0).random((60, 2)) * 500  # 60 points in 500 m
    >>> pts = gpd.GeoSeries(gpd.points_from_xy(*xy.T), crs=3857)
    >>> city, block = (0, 0, 10_000, 10_000), (0, 0, 1_000, 1_000)
    >>> crowded(pts, city), crowded(pts, block), crowded(pts[:40], city)
    (True, False, False)
    """
    from scipy.spatial import cKDTree

    points = points[points.geom_type == "Point"]
    if view is None or len(points) < CROWDED_MIN_POINTS or points.crs is None:
        return False
    x, y = Transformer.from_crs(points.crs, 3857, always_xy=True).transform(points.x.to_numpy(), points.y.to_numpy())
    xy = np.unique(np.c_[x, y][np.isfinite(x) & np.isfinite(y)], axis=0)  # repeats: one icon
    if len(xy) < 2:
        return True  # all of them at one place: one icon hides the rest
    nearest = cKDTree(xy).query(xy, k=2)[0][:, 1]
    side = max(view[2] - view[0], view[3] - view[1])
    return bool(np.median(nearest) < CROWDED_SHARE * side)


def sector_layers(
    solutions: gpd.GeoDataFrame,
    cat: Catalogue,
    options: MapOptions,
    view: tuple[float, float, float, float] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Geoms]]:
    """Return one map layer per sector, stored by column.

    One layer per sector, stored by column: what is the same for a solution type (label, icon,
    description, reference cases) once per type; per feature only its id, name, type, status and
    the file's own attribute columns. The browser builds tooltips and popups from these. Above
    ``options.max_points`` solutions, each sector is counted per hexagon instead. *view* is the
    first view's bounds in EPSG:3857, for clustering a crowded sector (:func:`crowded`).
    """
    out: list[dict[str, Any]] = []
    geoms: dict[str, Geoms] = {}
    plan = _hex_plan(solutions, options)
    for key, sector in cat.sectors.items():
        mine = (solutions["sector"] == key).to_numpy()
        part = solutions.loc[mine]
        if part.empty:
            continue
        kinds = set(part["solution"].unique())  # once: a set built per type would be rebuilt 30 times
        present = [t for t in cat.solutions if t in kinds]
        entry = {"key": key, "label": sector.label, "colour": sector.colour, "count": len(part)}
        geoms[f"sector:{key}"] = []
        if plan is not None:
            out.append(entry | {"types": _type_entries(part, present, cat, {})})
            out[-1] |= _hex_counts(part["solution"], present, plan[1][mine], plan[0], options.messages)
            continue
        prefixes, names = _names(part, present)
        out.append(entry | {"types": _type_entries(part, present, cat, prefixes), "names": names})
        out[-1] |= _feature_columns(part, present, options)
        if options.cluster_crowded and not out[-1]["cluster"]:
            out[-1]["cluster"] = crowded(part.geometry, view)
        if bool((part.geometry.geom_type == "Point").all()):  # compact: one string for the whole sector
            out[-1]["xy"] = point_xy(part, options)
        else:
            geoms[f"sector:{key}"] = display_geoms(part, options)
    return out, geoms


def choropleth_layers(
    districts: gpd.GeoDataFrame,
    options: MapOptions,
    *,
    suitability: SuitabilityResult | None,
    overlap: OverlapResult | None,
    catalogue: Catalogue,
) -> tuple[list[dict[str, Any]], dict[str, Geoms]]:
    """District/unit colourings, one visible at a time: one per suitability model, plus coverage gaps."""
    layers: list[dict[str, Any]] = []
    geoms: dict[str, Geoms] = {}
    if suitability is not None:
        units = suitability.units
        unit_geoms = display_geoms(units, options)
        titles = (
            units["district_name"].astype(str) + " · " + units["unit_id"].astype(str)
            if "district_name" in units.columns and len(units) != units["district_id"].nunique()
            else units.get("district_name", units["unit_id"]).astype(str)
        )
        for key, m in suitability.models.items():
            presets = {"project": m.weights, **{name: w for name, (w, *_rest) in m.sets.items()}}
            live = live_model(units, m, presets, options.messages) if options.live_weights else None
            names = list(m.live.labels) if m.live is not None else list(m.criteria)
            criteria = (list(m.criteria), names)
            layer = _suitability_layer(
                units, key, criteria, catalogue, titles.tolist(), live is not None, options.messages
            )
            layers.append({**layer, "live": live})
            geoms[f"suit:{key}"] = unit_geoms
        rolled = _rollup_layers(districts, suitability, catalogue, options.messages)
        layers += rolled
        geoms.update({layer["key"]: display_geoms(districts, options) for layer in rolled})
    if overlap is not None:
        layers.append(_gap_layer(overlap.districts, catalogue, options.messages))
        geoms["gaps"] = display_geoms(overlap.districts, options)
    for colouring in options.colourings:
        layers.append(colouring)
        geoms[colouring["key"]] = display_geoms(districts, options)
    return [_coded_columns(layer) for layer in layers], geoms


def _coded_columns(layer: dict[str, Any]) -> dict[str, Any]:
    """A colouring with its popup columns coded: ``{name, at, text_parts, pieces}``.

    A column of 35 000 districts holds few distinct texts ("0%", "1 of 34,969"), each sent once
    (:class:`scmap.maps._texts.TextTable`); the page turns ``at`` (each district's position in
    the column's texts) back into the column's ``values`` (``drawColourings``).
    """
    if not layer.get("cols"):
        return layer
    coded = []
    for col in layer["cols"]:
        table = TextTable()
        coded.append({"name": col["name"], "at": [table.code(v) for v in col["values"]], **table.payload()})
    return {**layer, "cols": coded}


def district_colouring(
    key: str,
    label: str,
    values: np.ndarray,
    *,
    titles: list[str],
    sub: str,
    cols: list[dict[str, Any]],
    caption: str,
    ends: tuple[str, str],
    colours: list[str] | None = None,
    shown: bool = False,
) -> dict[str, Any]:
    """Return a district colouring of *values* with its popup rows and legend.

    A district colouring of *values* (0-1, NaN shown as excluded): its popup rows *cols*
    ({name, values} per row, text in the districts' order) and a continuous legend; *shown*
    makes it the colouring the map opens with.
    """
    colours = colours or GAP_COLOURS
    return {
        "key": key,
        "label": label,
        "palette": _palette(colours),
        "excluded": EXCLUDED,
        "cidx": _palette_index(np.asarray(values, dtype=float)).tolist(),
        "titles": titles,
        "sub": sub,
        "cols": cols,
        "legend": {"kind": "continuous", "caption": caption, "colours": colours, "min": ends[0], "max": ends[1]},
        "shown": shown,
    }


def _suitability_columns(
    units: pd.DataFrame, key: str, criteria: list[str], names: list[str], live: bool, msg: Messages
) -> list[dict[str, Any]]:
    """Return the popup rows of a suitability model.

    Popup rows of a model: each criterion's value, exclusion, rank range; score, rank and
    contributions too unless the page computes them live (*live*).
    """
    cols = []
    if not live:
        score = units[f"{key}_score"].to_numpy(dtype=float)
        n = int(units[f"{key}_rank"].notna().sum())
        ranks = [
            None if pd.isna(r) else msg("map.rank_of", rank=msg.num(r), n=msg.num(n)) for r in units[f"{key}_rank"]
        ]
        cols += [
            {"name": msg("map.score"), "values": [text(v, msg) for v in np.round(score, 3)]},
            {"name": msg("map.rank"), "values": ranks},
        ]
    for c, name in zip(criteria, names, strict=True):
        cols.append(
            {"name": msg("map.value_of", criterion=name), "values": [text(v, msg) for v in units[f"{key}__{c}__raw"]]}
        )
        if not live:
            contrib = np.round(units[f"{key}__{c}__contrib"].to_numpy(float), 3)
            cols.append({"name": msg("map.contribution_of", criterion=name), "values": [text(v, msg) for v in contrib]})
    if not live:
        why = units[f"{key}_why"].astype(str)
        cols.append({"name": msg("map.excluded"), "values": [w if w else None for w in why]})
    if f"{key}_rank_min" in units.columns:
        lo, hi = units[f"{key}_rank_min"], units[f"{key}_rank_max"]
        ranges = [None if pd.isna(a) else f"{int(a)}-{int(b)}" for a, b in zip(lo, hi, strict=True)]
        cols.append({"name": msg("map.rank_range"), "values": ranges})
    return cols


def _float64(values: np.ndarray) -> str:
    """Exact float64 values (NaN for missing) as base64 of little-endian bytes: 10.7 characters a value."""
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f8").tobytes()).decode("ascii")


def live_model(
    units: pd.DataFrame, m: ModelScores, spec_sets: dict[str, np.ndarray], msg: Messages | None = None
) -> dict[str, Any] | None:
    """What the page needs to re-score a model exactly as :func:`scmap.analysis.suitability.aggregate` does."""
    live = m.live
    if live is None or not len(m.criteria):
        return None
    return {
        "ids": units["unit_id"].astype(str).tolist(),
        "criteria": [
            {"key": c, "label": label, "weight": float(w), "minmax": mm, "unit": (msg or english())(f"map.unit_{unit}")}
            for c, w, mm, unit, label in zip(m.criteria, m.weights, live.minmax, live.units, live.labels, strict=True)
        ],
        "values": [_float64(live.values[:, j]) for j in range(len(m.criteria))],
        "exclusions": [
            {"name": name, "kind": kind, "units": np.flatnonzero(mask).tolist()} for name, kind, mask in live.exclusions
        ],
        "aggregation": live.aggregation,
        "owa": live.owa,
        "method": m.method,
        "presets": {name: [float(v) for v in w] for name, w in spec_sets.items()},
    }


def _suitability_layer(
    units: pd.DataFrame,
    key: str,
    criteria: tuple[list[str], list[str]],
    catalogue: Catalogue,
    titles: list[str],
    live: bool,
    msg: Messages,
) -> dict[str, Any]:
    """A model's colouring; *criteria*: the criteria's keys and labels."""
    label = catalogue.type_label(key)
    return {
        "key": f"suit:{key}",
        "model": key,
        "label": msg("map.suitability_of", label=label),
        "short": label,
        "palette": _palette(SCORE_COLOURS),
        "excluded": EXCLUDED,
        "cidx": _palette_index(units[f"{key}_score"].to_numpy(dtype=float)).tolist(),
        "titles": titles,
        "sub": msg("map.suitability_sub", label=label),
        "cols": _suitability_columns(units, key, *criteria, live, msg),
        "legend": {
            "kind": "continuous",
            "caption": msg("map.suitability_caption", label=label),
            "colours": SCORE_COLOURS,
            "min": msg("map.less_suitable"),
            "max": msg("map.more_suitable"),
            "classes": _class_breaks(units, key),
        },
    }


def _class_breaks(units: pd.DataFrame, key: str) -> list[float]:
    """The upper score of each of the model's classes (``classes:``), for the legend."""
    column = f"{key}_class"
    if column not in units.columns:
        return []
    scores = pd.DataFrame({"c": units[column], "s": units[f"{key}_score"]}).dropna()
    return [round(float(v), 2) for v in scores.groupby("c")["s"].max().sort_index()]


def _rollup_layers(
    districts: gpd.GeoDataFrame, suitability: SuitabilityResult, catalogue: Catalogue, msg: Messages
) -> list[dict[str, Any]]:
    """Return one district colouring per model for grid or H3 units.

    For grid or H3 units: one district colouring per model by the mean cell score, with the best
    cell and the share of the district's area that is suitable in the popup.
    """
    table = suitability.districts
    if not len(table) or len(suitability.units) == len(districts) or "district_id" not in districts.columns:
        return []
    roll = table.set_index("district_id").reindex(districts["district_id"].astype(str))
    names = districts.get("district_name", districts["district_id"]).astype(str).tolist()
    out = []
    for key in suitability.models:
        label = catalogue.type_label(key)
        mean = roll[f"{key}_mean"].to_numpy(dtype=float)
        best = np.round(roll[f"{key}_max"].to_numpy(float), 2)
        cols = [
            {"name": msg("map.roll_mean"), "values": [text(v, msg) for v in np.round(mean, 2)]},
            {"name": msg("map.roll_best"), "values": [text(v, msg) for v in best]},
            {
                "name": msg("map.roll_share"),
                "values": [None if np.isnan(v) else msg.pct(v) for v in roll[f"{key}_share_above"]],
            },
        ]
        out.append(
            {
                "key": f"roll:{key}",
                "label": msg("map.roll_label", label=label),
                "palette": _palette(SCORE_COLOURS),
                "excluded": EXCLUDED,
                "cidx": _palette_index(mean).tolist(),
                "titles": names,
                "sub": msg("map.roll_sub", label=label),
                "cols": cols,
                "legend": {
                    "kind": "continuous",
                    "caption": msg("map.roll_caption", label=label),
                    "colours": SCORE_COLOURS,
                    "min": msg("map.less_suitable"),
                    "max": msg("map.more_suitable"),
                },
            }
        )
    return out


def _gap_layer(table: gpd.GeoDataFrame, catalogue: Catalogue, msg: Messages) -> dict[str, Any]:
    cover = table["mean_covered"].to_numpy(dtype=float)
    sectors = [c.removeprefix("covered_") for c in table.columns if c.startswith("covered_") and c != "covered_multi"]
    n = len(table)
    cols = [
        {"name": msg("map.share_served"), "values": [msg.pct(v) for v in cover]},
        {
            "name": msg("map.worst_rank"),
            "values": [msg("map.rank_of", rank=msg.num(v), n=msg.num(n)) for v in table["gap_rank"]],
        },
    ]
    cols += [
        {
            "name": msg("map.served_in", sector=catalogue.sector_label(s)),
            "values": [msg.pct(v) for v in table[f"covered_{s}"]],
        }
        for s in sectors
    ]
    if "mean_uncovered_population" in table.columns:
        people = [msg.num(v) for v in table["mean_uncovered_population"]]
        cols.append({"name": msg("map.people_outside"), "values": people})
    return {
        "key": "gaps",
        "label": msg("map.gaps"),
        "palette": _palette(GAP_COLOURS),
        "excluded": EXCLUDED,
        "cidx": _palette_index(cover).tolist(),
        "titles": table.get("district_name", table["district_id"]).astype(str).tolist(),
        "sub": msg("map.gaps_sub"),
        "cols": cols,
        "legend": {
            "kind": "continuous",
            "caption": msg("map.gaps_caption"),
            "colours": GAP_COLOURS,
            "min": msg("map.gap_min", zero=msg.pct(0)),
            "max": msg.pct(1),
        },
    }


def sketch_types(catalogue: Catalogue) -> list[dict[str, str]]:
    """Choices offered when a participant sketches a new candidate site."""
    return [
        {"key": k, "label": s.label, "sector": s.sector, "sector_label": catalogue.sectors[s.sector].label}
        for k, s in catalogue.solutions.items()
    ]
