"""Raw criterion values per unit, each kind with the meaning DESIGN.md gives it.

- ``attribute``: a district column (divided by district area in km2 with ``per_km2``); grid and
  H3 cells take their district's value, so counts should be used ``per_km2``.
- ``distance_to``: metres from the unit's centroid to the nearest feature of the layer.
- ``count_of``: features whose representative point lies in the unit.
- ``coverage_of``: share of the unit's area covered by the layer (buffered by ``radius_m``).
- ``inside``: 1 where the unit's centroid is inside a feature of the layer, else 0.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from scmap.core._geom import no_area
from scmap.errors import InputError
from scmap.project.spec import CriterionSpec

__all__ = ["raw_values"]


def _geoms(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(gdf.geometry.array, dtype=object)


def distance_to(units: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> np.ndarray:
    centres = shapely.centroid(_geoms(units))
    (src, _), dist = STRtree(_geoms(layer)).query_nearest(centres, return_distance=True, all_matches=False)
    out = np.full(len(units), np.nan)
    out[src] = dist
    return out


def count_of(units: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> np.ndarray:
    points = shapely.point_on_surface(_geoms(layer))
    pt, unit = STRtree(_geoms(units)).query(points, predicate="intersects")
    order = np.lexsort((unit, pt))
    pt, unit = pt[order], unit[order]
    first = np.r_[True, pt[1:] != pt[:-1]] if len(pt) else np.zeros(0, dtype=bool)
    return np.bincount(unit[first], minlength=len(units)).astype(float)


def coverage_of(units: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, radius_m: float | None) -> np.ndarray:
    geoms = _geoms(layer)
    if radius_m:
        geoms = shapely.buffer(geoms, radius_m, quad_segs=16)
    polys = [g for g in shapely.get_parts(geoms) if g.geom_type in ("Polygon", "MultiPolygon")]
    out = np.zeros(len(units))
    if not polys:
        return out
    parts = shapely.get_parts(shapely.union_all(polys))
    ugeoms = _geoms(units)
    ui, pi = STRtree(parts).query(ugeoms, predicate="intersects")
    if len(ui):
        area = shapely.area(shapely.intersection(ugeoms[ui], parts[pi]))
        np.add.at(out, ui, area)  # parts of a union do not overlap: areas add up
    return np.clip(out / shapely.area(ugeoms), 0.0, 1.0)


def _has_area(layer: gpd.GeoDataFrame, ref: str, crit: CriterionSpec) -> None:
    problem = no_area(_geoms(layer), ref, crit.radius_m, kind=crit.kind)
    if problem:
        raise InputError(problem)


def inside(units: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> np.ndarray:
    centres = shapely.centroid(_geoms(units))
    idx, _ = STRtree(_geoms(layer)).query(centres, predicate="within")
    out = np.zeros(len(units))
    out[np.unique(idx)] = 1.0
    return out


def attribute(units: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, crit: CriterionSpec) -> pd.Series:
    """The district column for each unit (text kept for categories, numbers otherwise)."""
    col = crit.attribute
    assert col is not None
    if col not in districts.columns:
        cols = [str(c) for c in districts.columns if c != districts.geometry.name]
        raise InputError(f"attribute: no column {col!r} in the districts; columns: {', '.join(cols)}")
    values = districts[col]
    if crit.categories is None:
        values = pd.to_numeric(values, errors="coerce")
        if crit.per_km2:
            values = values / (districts.geometry.area.to_numpy() / 1e6)
    by_district = pd.Series(values.to_numpy(), index=districts["district_id"].astype(str).to_numpy())
    return pd.Series(units["district_id"].astype(str).map(by_district).to_numpy(), index=units.index)


def raw_values(
    units: gpd.GeoDataFrame,
    crit: CriterionSpec,
    *,
    districts: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
) -> pd.Series:
    """The raw value of one criterion for every unit (NaN where it cannot be measured)."""
    if crit.kind == "attribute":
        return attribute(units, districts, crit)
    ref = crit.layer_ref
    if ref not in layers:
        raise InputError(f"{crit.kind}: unknown layer {ref!r}; layers: {', '.join(layers) or '(none)'}")
    layer = layers[ref]
    for column in ("solution", "sector"):
        wanted = getattr(crit, column)
        if wanted is not None and column in layer.columns:
            layer = layer.loc[(layer[column] == wanted).to_numpy()]
            ref = f"{ref} ({column} {wanted})"
    if layer.crs is None or units.crs is None or not layer.crs.equals(units.crs):
        raise InputError(f"layer {ref!r} is in {layer.crs}, the units in {units.crs}: reproject to one metric CRS")
    if len(layer) == 0:
        raise InputError(f"layer {ref!r} has no features to measure {crit.kind} against")
    if crit.kind == "distance_to":
        values = distance_to(units, layer)
    elif crit.kind == "count_of":
        values = count_of(units, layer)
    elif crit.kind == "coverage_of":
        _has_area(layer, ref, crit)
        values = coverage_of(units, layer, crit.radius_m)
    else:
        _has_area(layer, ref, crit)
        values = inside(units, layer)
    return pd.Series(values, index=units.index)
