"""Payloads of the map's layers: plain data (no HTML) that the browser script turns into layers.

Each builder returns ``(payload, geometries)``: the payload is serialised by
:func:`scmap.maps._safe.script_json`; geometries are GeoJSON texts from shapely (numbers only).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.colormap import LinearColormap

from scmap._format import format_value
from scmap.catalogue import Catalogue
from scmap.maps._icons import symbol_paths

if TYPE_CHECKING:
    from scmap.overlap import OverlapResult
    from scmap.suitability import SuitabilityResult
    from scmap.suitability.model import ModelScores

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
    precision
        Decimal places of the EPSG:4326 coordinates written into the HTML (6 ~ 0.1 m).
    icon_limit
        Sectors with more points than this are drawn as light circle markers instead of icons.
    cluster_limit
        Sectors with more points than this are clustered (Leaflet.markercluster).
    label_limit
        Kept for compatibility: district names are now placed by the page, largest district
        first, wherever they fit without overlapping (any number of districts).
    max_html_mb
        Saving a larger map warns with the figures and what to change.
    district_columns, solution_columns
        The districts' and solutions' own columns their popups show, as {column: label}; None
        shows every column (the analysis rows are always shown).
    icons_from_zoom
        While a colouring is shown, point solutions are small dots below this zoom level and
        icons from it on, so that the analysis stays readable.
    cluster_until_zoom
        Clustered sectors show every point from this zoom level on.
    live_weights
        Write each suitability model's standardised values so that the page's weights panel (and
        ``window.scmap.setWeights``) re-scores exactly as Python does.
    """

    simplify_m: float = 2.0
    precision: int = 6
    icon_limit: int = 2000
    cluster_limit: int = 400
    label_limit: int = 40
    max_html_mb: float = 25.0
    live_weights: bool = True
    icons_from_zoom: int = 15
    cluster_until_zoom: int = 17
    district_columns: dict[str, str] | None = None
    solution_columns: dict[str, str] | None = None


def display_geoms(gdf: gpd.GeoDataFrame, options: MapOptions) -> list[str]:
    """GeoJSON geometry texts in EPSG:4326, simplified and rounded for display."""
    geoms = gdf.geometry
    if gdf.crs is not None and gdf.crs.is_projected and options.simplify_m > 0:
        geoms = geoms.simplify(options.simplify_m, preserve_topology=True)
    geoms = geoms.to_crs(4326) if gdf.crs is not None else geoms
    arr = np.asarray(geoms.array, dtype=object)
    digits = options.precision
    arr = shapely.transform(arr, lambda c: np.round(c, digits))
    return [str(t) for t in shapely.to_geojson(arr)]


def text(value: object) -> str | None:
    """A display string for a value, None for missing ones."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if np.isnan(number):
            return None
        if number.is_integer() and abs(number) < 1e15:
            return f"{int(number):,}"  # 11522400.0 -> "11,522,400"
        return format_value(number, "number")  # never scientific notation
    if isinstance(value, (shapely.Geometry, bytes)):
        return None
    out = str(value)
    return out if out.strip() else None


def rows_of(record: dict[str, Any], skip: set[str], labels: dict[str, str] | None = None) -> list[list[str]]:
    """Popup rows of a record's own columns: every column (*labels* None) or the chosen ones, labelled."""
    out = []
    for key, value in record.items():
        if key in skip or (labels is not None and key not in labels):
            continue
        shown = text(value)
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
) -> tuple[dict[str, Any], list[str]]:
    ids = (
        districts["district_id"].astype(str)
        if "district_id" in districts.columns
        else pd.Series(districts.index.astype(str), index=districts.index)
    )
    names = districts["district_name"].astype(str) if "district_name" in districts.columns else ids
    skip = {districts.geometry.name, "district_id", "district_name", "source_row"}
    records = districts.drop(columns=districts.geometry.name).to_dict("records")
    extra = _district_explanations(ids, suitability, overlap, catalogue)
    feats = [
        {
            "tip": n,
            "title": n,
            "sub": f"District {i}",
            "rows": extra.get(i, []) + rows_of(r, skip, options.district_columns),
        }
        for n, i, r in zip(names, ids, records, strict=True)
    ]
    payload = {
        "label": "Districts",
        "feats": feats,
        "names": sorted(set(names)),
        **_label_points(districts),
    }
    return payload, display_geoms(districts, options)


def _label_points(districts: gpd.GeoDataFrame) -> dict[str, Any]:
    """Where each district's name goes (a point inside it, lon/lat) and the order in which names are
    placed (largest district first), so that the page can show names without collisions."""
    if not len(districts):
        return {"label_at": [], "label_order": []}
    points = districts.geometry.representative_point()
    lonlat = points.to_crs(4326) if districts.crs is not None else points
    area = districts.geometry.area.to_numpy() if districts.crs is not None and districts.crs.is_projected else None
    order = np.argsort(-area, kind="stable") if area is not None else np.arange(len(districts))
    return {
        "label_at": [[round(float(p.x), 5), round(float(p.y), 5)] for p in lonlat],
        "label_order": order.tolist(),
    }


def _district_explanations(
    ids: pd.Series, suitability: SuitabilityResult | None, overlap: OverlapResult | None, catalogue: Catalogue
) -> dict[str, list[list[str]]]:
    """Popup rows per district: scores with contributions and stability, sectors present, gaps."""
    out: dict[str, list[list[str]]] = {i: [] for i in ids}
    if suitability is not None and suitability.units["unit_id"].isin(ids).all() and len(suitability.units) == len(ids):
        units = suitability.units.set_index("unit_id")
        n = len(units)
        for key, m in suitability.models.items():
            label = catalogue.solutions[key].label if key in catalogue.solutions else key
            for i in ids:
                row = units.loc[i]
                if bool(row[f"{key}_excluded"]):
                    out[i].append([f"{label} suitability", f"excluded ({row[f'{key}_why']})"])
                    continue
                shown = f"{row[f'{key}_score']:.2f} (rank {int(row[f'{key}_rank'])} of {n})"
                out[i].append([f"{label} suitability", shown])
                parts = [f"{c} {row[f'{key}__{c}__contrib']:.2f}" for c in m.criteria]
                out[i].append(["  because", " + ".join(parts)])
                if f"{key}_rank_min" in units.columns and pd.notna(row[f"{key}_rank_min"]):
                    ptop = [c for c in units.columns if c.startswith(f"{key}_p_top")]
                    stable = f"rank {int(row[f'{key}_rank_min'])}-{int(row[f'{key}_rank_max'])} when weights vary"
                    if ptop:
                        stable += f"; in the top {ptop[0].removeprefix(f'{key}_p_top')} in {row[ptop[0]]:.0%} of runs"
                    out[i].append(["  stability", stable])
    elif suitability is not None and len(suitability.districts):
        _rollup_rows(out, ids, suitability, catalogue)
    if overlap is not None:
        table = overlap.districts.set_index("district_id")
        sectors = [
            c.removeprefix("n_") for c in table.columns if c.startswith("n_") and c not in ("n_sectors", "n_solutions")
        ]
        for i in ids:
            if i not in table.index:
                continue
            row = table.loc[i]
            present = ", ".join(
                f"{catalogue.sectors[s].label if s in catalogue.sectors else s} {int(row[f'n_{s}'])}" for s in sectors
            )
            out[i].append(["Solutions by sector", present])
            cover = ", ".join(
                f"{catalogue.sectors[s].label if s in catalogue.sectors else s} {row[f'covered_{s}']:.0%}"
                for s in sectors
            )
            out[i].append(["Area served", cover])
            gap = f"rank {int(row['gap_rank'])} of {len(table)} worst served"
            if "mean_uncovered_population" in table.columns:
                gap += f"; about {row['mean_uncovered_population']:,.0f} people outside an average sector's reach"
            out[i].append(["Gaps", gap])
    return out


def _rollup_rows(
    out: dict[str, list[list[str]]], ids: pd.Series, suitability: SuitabilityResult, catalogue: Catalogue
) -> None:
    """District popup rows for grid or H3 models: the mean and best cell, the share suitable."""
    roll = suitability.districts.set_index("district_id")
    for key in suitability.models:
        label = catalogue.solutions[key].label if key in catalogue.solutions else key
        for i in ids:
            if i not in roll.index or pd.isna(roll.loc[i, f"{key}_mean"]):
                continue
            row = roll.loc[i]
            shown = f"mean {row[f'{key}_mean']:.2f}, best cell {row[f'{key}_max']:.2f}, "
            out[i].append([f"{label} (cells)", shown + f"{row[f'{key}_share_above']:.0%} of the area suitable"])


def point_coords(gdf: gpd.GeoDataFrame, options: MapOptions) -> list[str]:
    """Points as compact "[lon,lat]" texts in EPSG:4326 (a third of the size of GeoJSON objects)."""
    pts = gdf.geometry.to_crs(4326) if gdf.crs is not None else gdf.geometry
    xy = np.round(shapely.get_coordinates(np.asarray(pts.array, dtype=object)), options.precision)
    return [f"[{x!r},{y!r}]" for x, y in xy.tolist()]  # shortest text of each rounded float


def _column(values: pd.Series) -> list[str | None] | None:
    shown = [text(v) for v in values]
    return shown if any(v is not None for v in shown) else None


def sector_layers(
    solutions: gpd.GeoDataFrame, cat: Catalogue, options: MapOptions
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """One layer per sector, stored by column: what is the same for a solution type (label, icon,
    description, reference cases) once per type; per feature only its id, name, type, status and
    the file's own attribute columns. The browser builds tooltips and popups from these."""
    out, geoms = [], {}
    skip = STANDARD | {solutions.geometry.name}
    for key, sector in cat.sectors.items():
        part = solutions.loc[solutions["sector"] == key]
        if part.empty:
            continue
        present = [t for t in cat.solutions if t in set(part["solution"])]
        counts = part["solution"].value_counts()
        types = []
        for t in present:
            sol = cat.solutions[t]
            refs = [
                f"{c.name}{f' ({c.city})' if c.city else ''}{f': {c.note}' if c.note else ''}"
                for c in sol.reference_cases
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
                }
            )
        statuses = sorted(set(part["status"].astype(str)))
        radius = pd.to_numeric(part.get("radius_m", pd.Series(np.nan, index=part.index)), errors="coerce")
        cols = []
        chosen = options.solution_columns
        for c in part.columns:
            if c in skip or (chosen is not None and c not in chosen):
                continue
            values = _column(part[c])
            if values is not None:
                cols.append({"name": chosen[c] if chosen is not None else str(c), "values": values})
        is_point = part.geometry.geom_type == "Point"
        n_points = int(is_point.sum())
        out.append(
            {
                "key": key,
                "label": sector.label,
                "colour": sector.colour,
                "count": len(part),
                "types": types,
                "t": [present.index(t) for t in part["solution"]],
                "statuses": statuses,
                "s": [statuses.index(v) for v in part["status"].astype(str)],
                "ids": part["solution_id"].astype(str).tolist(),
                "names": part["name"].astype(str).tolist(),
                "radius": None if radius.isna().all() else [text(v) for v in radius],
                "cols": cols,
                "points": "icon" if n_points <= options.icon_limit else "circle",
                "cluster": n_points > options.cluster_limit,
            }
        )
        if bool(is_point.all()):
            geoms[f"sector:{key}"] = point_coords(part, options)
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
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """District/unit colourings, one visible at a time: one per suitability model, plus coverage gaps."""
    layers, geoms = [], {}
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
            live = live_model(units, m, presets) if options.live_weights else None
            layer = _suitability_layer(units, key, list(m.criteria), catalogue, titles.tolist(), live is not None)
            layers.append({**layer, "live": live})
            geoms[f"suit:{key}"] = unit_geoms
        rolled = _rollup_layers(districts, suitability, catalogue)
        layers += rolled
        geoms.update({layer["key"]: display_geoms(districts, options) for layer in rolled})
    if overlap is not None:
        layers.append(_gap_layer(overlap.districts))
        geoms["gaps"] = display_geoms(overlap.districts, options)
    return layers, geoms


def _suitability_columns(units: pd.DataFrame, key: str, criteria: list[str], live: bool) -> list[dict[str, Any]]:
    """Popup rows of a model: each criterion's value, exclusion, rank range; score, rank and
    contributions too unless the page computes them live (*live*)."""
    cols = []
    if not live:
        score = units[f"{key}_score"].to_numpy(dtype=float)
        cols += [
            {"name": "Score", "values": [text(v) for v in np.round(score, 3)]},
            {"name": "Rank", "values": [text(v) for v in units[f"{key}_rank"]]},
        ]
    for c in criteria:
        cols.append({"name": f"{c} (value)", "values": [text(v) for v in units[f"{key}__{c}__raw"]]})
        if not live:
            contrib = np.round(units[f"{key}__{c}__contrib"].to_numpy(float), 3)
            cols.append({"name": f"{c} (contribution)", "values": [text(v) for v in contrib]})
    if not live:
        why = units[f"{key}_why"].astype(str)
        cols.append({"name": "Excluded", "values": [w if w else None for w in why]})
    if f"{key}_rank_min" in units.columns:
        lo, hi = units[f"{key}_rank_min"], units[f"{key}_rank_max"]
        ranges = [None if pd.isna(a) else f"{int(a)}-{int(b)}" for a, b in zip(lo, hi, strict=True)]
        cols.append({"name": "Rank when weights vary", "values": ranges})
    return cols


def _float64(values: np.ndarray) -> str:
    """Exact float64 values (NaN for missing) as base64 of little-endian bytes: 10.7 characters a value."""
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f8").tobytes()).decode("ascii")


def live_model(units: pd.DataFrame, m: ModelScores, spec_sets: dict[str, np.ndarray]) -> dict[str, Any] | None:
    """What the page needs to re-score a model exactly as :func:`scmap.suitability.aggregate` does."""
    live = m.live
    if live is None or not len(m.criteria):
        return None
    return {
        "ids": units["unit_id"].astype(str).tolist(),
        "criteria": [
            {"key": c, "label": label, "weight": float(w), "minmax": mm, "unit": unit}
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
    units: pd.DataFrame, key: str, criteria: list[str], catalogue: Catalogue, titles: list[str], live: bool
) -> dict[str, Any]:
    label = catalogue.solutions[key].label if key in catalogue.solutions else key
    return {
        "key": f"suit:{key}",
        "model": key,
        "label": f"Suitability: {label}",
        "palette": _palette(SCORE_COLOURS),
        "excluded": EXCLUDED,
        "cidx": _palette_index(units[f"{key}_score"].to_numpy(dtype=float)).tolist(),
        "titles": titles,
        "sub": f"{label} suitability",
        "cols": _suitability_columns(units, key, criteria, live),
        "legend": {
            "kind": "continuous",
            "caption": f"{label} suitability (0-1)",
            "colours": SCORE_COLOURS,
            "min": "0 less suitable",
            "max": "1 more suitable",
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
    districts: gpd.GeoDataFrame, suitability: SuitabilityResult, catalogue: Catalogue
) -> list[dict[str, Any]]:
    """For grid or H3 units: one district colouring per model by the mean cell score, with the best
    cell and the share of the district's area that is suitable in the popup."""
    table = suitability.districts
    if not len(table) or len(suitability.units) == len(districts) or "district_id" not in districts.columns:
        return []
    roll = table.set_index("district_id").reindex(districts["district_id"].astype(str))
    names = districts.get("district_name", districts["district_id"]).astype(str).tolist()
    out = []
    for key in suitability.models:
        label = catalogue.solutions[key].label if key in catalogue.solutions else key
        mean = roll[f"{key}_mean"].to_numpy(dtype=float)
        cols = [
            {"name": "Mean score of its cells", "values": [text(v) for v in np.round(mean, 2)]},
            {"name": "Best cell", "values": [text(v) for v in np.round(roll[f"{key}_max"].to_numpy(float), 2)]},
            {
                "name": "Area suitable",
                "values": [None if np.isnan(v) else f"{v:.0%}" for v in roll[f"{key}_share_above"]],
            },
        ]
        out.append(
            {
                "key": f"roll:{key}",
                "label": f"Districts: {label} (mean of cells)",
                "palette": _palette(SCORE_COLOURS),
                "excluded": EXCLUDED,
                "cidx": _palette_index(mean).tolist(),
                "titles": names,
                "sub": f"{label}: district roll-up of the cell scores",
                "cols": cols,
                "legend": {
                    "kind": "continuous",
                    "caption": f"{label}: mean cell score per district",
                    "colours": SCORE_COLOURS,
                    "min": "0 less suitable",
                    "max": "1 more suitable",
                },
            }
        )
    return out


def _gap_layer(table: gpd.GeoDataFrame) -> dict[str, Any]:
    cover = table["mean_covered"].to_numpy(dtype=float)
    sectors = [c.removeprefix("covered_") for c in table.columns if c.startswith("covered_") and c != "covered_multi"]
    cols = [
        {"name": "Share served (mean over sectors)", "values": [f"{v:.0%}" for v in cover]},
        {"name": "Worst-served rank", "values": [str(int(v)) for v in table["gap_rank"]]},
    ]
    cols += [{"name": f"Served: {s}", "values": [f"{v:.0%}" for v in table[f"covered_{s}"]]} for s in sectors]
    if "mean_uncovered_population" in table.columns:
        people = [f"{v:,.0f}" for v in table["mean_uncovered_population"]]
        cols.append({"name": "People outside (mean over sectors)", "values": people})
    return {
        "key": "gaps",
        "label": "Coverage gaps",
        "palette": _palette(GAP_COLOURS),
        "excluded": EXCLUDED,
        "cidx": _palette_index(cover).tolist(),
        "titles": table.get("district_name", table["district_id"]).astype(str).tolist(),
        "sub": "coverage by service areas",
        "cols": cols,
        "legend": {
            "kind": "continuous",
            "caption": "Share of the district served",
            "colours": GAP_COLOURS,
            "min": "0 % (gap)",
            "max": "100 %",
        },
    }


Layer = tuple[dict[str, Any], list[str]]
"""One map layer: its payload (key, label, features, legend) and its display geometries."""


def overlay_layers(
    overlap: OverlapResult | None, catalogue: Catalogue, options: MapOptions
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Service areas (dissolved per sector), hotspots, Gi* hot spots and synergy/conflict links."""
    if overlap is None:
        return [], {}
    built = [
        _service_area_layer(overlap, catalogue, options),
        _hotspot_layer(overlap, catalogue, options),
        _gi_layer(overlap, options),
        _relation_layer(overlap, catalogue, options),
    ]
    layers = [layer for layer in built if layer is not None]
    return [payload for payload, _ in layers], {payload["key"]: geoms for payload, geoms in layers}


def _overlay(
    key: str, label: str, feats: list[dict[str, Any]], visible: bool, caption: str, items: list
) -> dict[str, Any]:
    legend = {"kind": "categorical", "caption": caption, "items": items}
    return {"key": key, "label": label, "feats": feats, "visible": visible, "legend": legend}


def _service_area_layer(overlap: OverlapResult, catalogue: Catalogue, options: MapOptions) -> Layer | None:
    areas = overlap.service_areas
    if not len(areas):
        return None
    dissolved = areas.dissolve(by="sector", sort=True).reset_index()
    dissolved = dissolved.loc[[s in catalogue.sectors for s in dissolved["sector"]]]
    feats = [
        {
            "tip": f"Served by {catalogue.sectors[s].label}",
            "title": f"{catalogue.sectors[s].label} service areas",
            "sub": "union of service radii",
            "rows": [["Area", f"{a / 1e6:.2f} km2"]],
            "colour": catalogue.sectors[s].colour,
            "fill": 0.18,
            "weight": 1,
        }
        for s, a in zip(dissolved["sector"], dissolved.area, strict=True)
    ]
    items = [{"label": f["title"], "colour": f["colour"]} for f in feats]
    payload = _overlay("service_areas", "Service areas", feats, False, "Service areas", items)
    return payload, display_geoms(dissolved, options)


def _hotspot_layer(overlap: OverlapResult, catalogue: Catalogue, options: MapOptions) -> Layer | None:
    hot = overlap.hotspots
    if not len(hot):
        return None
    feats = []
    for n, sectors, area in zip(hot["n_sectors"], hot["sectors"], hot["area_m2"], strict=True):
        labels = " + ".join(catalogue.sectors[s].label if s in catalogue.sectors else s for s in sectors.split(","))
        feats.append(
            {
                "tip": f"{labels} meet here",
                "title": f"{n} sectors meet",
                "sub": labels,
                "rows": [["Sectors", labels], ["Area", f"{area / 1e6:.2f} km2"]],
                "colour": HOTSPOT_COLOURS.get(int(n), "#40004b"),
                "fill": 0.35,
                "weight": 1,
            }
        )
    items = [{"label": f"{n} sectors", "colour": c} for n, c in HOTSPOT_COLOURS.items() if n in set(hot["n_sectors"])]
    payload = _overlay("hotspots", "Hotspots (sectors meet)", feats, True, "Hotspots", items)
    return payload, display_geoms(hot, options)


def _gi_layer(overlap: OverlapResult, options: MapOptions) -> Layer | None:
    gi = overlap.gi_star
    if gi is None or not (gi["gi_class"] != "not significant").any():
        return None
    significant = gi.loc[gi["gi_class"] != "not significant"]
    colours = {"hot": "#b2182b", "cold": "#2166ac"}
    feats = [
        {
            "tip": f"{c} spot of solutions (Gi* z = {z:.1f})",
            "title": f"Statistical {c} spot",
            "sub": "Getis-Ord Gi* on grid counts",
            "rows": [["Solutions in the cell", str(int(n))], ["z-score", f"{z:.2f}"], ["p-value", f"{p:.3f}"]],
            "colour": colours[c],
            "fill": 0.45,
            "weight": 0.5,
        }
        for c, z, p, n in zip(
            significant["gi_class"], significant["gi_z"], significant["gi_p"], significant["n_solutions"], strict=True
        )
    ]
    items = [{"label": f"{c} spot", "colour": colours[c]} for c in ("hot", "cold") if c in set(significant["gi_class"])]
    payload = _overlay("gi_star", "Statistical hot spots (Gi*)", feats, False, "Gi* (p < 0.05)", items)
    return payload, display_geoms(significant, options)


def _relation_layer(overlap: OverlapResult, catalogue: Catalogue, options: MapOptions) -> Layer | None:
    rel = overlap.relations
    if not len(rel):
        return None
    feats = []
    for r in rel.drop(columns=rel.geometry.name).to_dict("records"):
        a = catalogue.solutions[r["a_solution"]].label
        b = catalogue.solutions[r["b_solution"]].label
        feats.append(
            {
                "tip": f"{r['relation']}: {a} - {b}",
                "title": f"{r['relation'].capitalize()}: {a} and {b}",
                "sub": r["rule"],
                "rows": [
                    ["Between", f"{r['a_id']} and {r['b_id']}"],
                    ["Distance", f"{r['distance_m']:.0f} m"],
                    ["Why", r["note"] or r["rule"]],
                ],
                "colour": RELATION_COLOURS[r["relation"]],
                "weight": 4,
                "dash": "6 4" if r["relation"] == "conflict" else "",
            }
        )
    items = [{"label": k, "colour": RELATION_COLOURS[k]} for k in sorted(set(rel["relation"]))]
    payload = _overlay("relations", "Synergies and conflicts", feats, True, "Links", items)
    return payload, display_geoms(rel, options)


def sketch_types(catalogue: Catalogue) -> list[dict[str, str]]:
    """Choices offered when a participant sketches a new candidate site."""
    return [
        {"key": k, "label": s.label, "sector": s.sector, "sector_label": catalogue.sectors[s.sector].label}
        for k, s in catalogue.solutions.items()
    ]
