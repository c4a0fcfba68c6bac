"""Analysis units: the districts themselves, square grid cells or H3 hexagons clipped to them.

Every unit knows its district (``district_id``); a cell that straddles two districts becomes two
units, one per district, so that cell scores roll up to districts without double counting.

Examples
--------
>>> import geopandas as gpd, shapely
>>> d = gpd.GeoDataFrame({"district_id": ["A"]}, geometry=[shapely.box(0, 0, 1000, 500)], crs=32634)
>>> cells = grid_units(d, 250)
>>> len(cells), float(cells["area_m2"].sum()), cells["unit_id"].iloc[0]
(8, 500000.0, 'A:0_0')
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from scmap.core._limits import MAX_UNITS, too_many
from scmap.errors import InputError
from scmap.sources._validate import polygonal

__all__ = ["district_units", "grid_units", "h3_units", "make_units"]

_MIN_AREA_M2 = 1e-3


def _base(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "district_id" not in districts.columns:
        raise InputError("districts need a district_id column (as read_districts gives them)")
    if districts.crs is None or not districts.crs.is_projected:
        raise InputError(f"units need districts in a metric CRS, not {districts.crs}")
    return districts


def district_units(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One unit per district: ``unit_id`` = ``district_id``; the districts' columns are kept."""
    d = _base(districts)
    units = d.copy()
    units.insert(0, "unit_id", d["district_id"].astype(str).to_numpy())
    units["area_m2"] = units.geometry.area
    return units


def _clip(cells: np.ndarray, labels: np.ndarray, districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    d_geoms = np.asarray(districts.geometry.array, dtype=object)
    ci, di = STRtree(d_geoms).query(cells, predicate="intersects")
    pieces = shapely.intersection(cells[ci], d_geoms[di])
    pieces = np.array([polygonal(g) for g in pieces], dtype=object) if len(pieces) else pieces
    area = shapely.area(pieces)
    keep = area > _MIN_AREA_M2
    ci, di, pieces, area = ci[keep], di[keep], pieces[keep], area[keep]
    ids = districts["district_id"].astype(str).to_numpy()[di]
    out = pd.DataFrame(
        {
            "unit_id": pd.Series(ids) + ":" + pd.Series(labels[ci]),
            "district_id": ids,
            "cell": labels[ci],
            "area_m2": area,
        }
    )
    if "district_name" in districts.columns:
        out["district_name"] = districts["district_name"].to_numpy()[di]
    order = np.lexsort((out["cell"].to_numpy(), out["district_id"].to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=pieces[order], crs=districts.crs)


def _check_count(d: gpd.GeoDataFrame, cell_m2: float, what: str, max_units: int, fix: str) -> None:
    """Refuse before any cell is made when the districts' area holds more than *max_units* cells."""
    estimate = float(d.geometry.area.sum()) / cell_m2
    if estimate > max_units:
        raise InputError(too_many(what, estimate, max_units, "max_units", fix, unit=" cells"))


def grid_units(districts: gpd.GeoDataFrame, grid_m: float, *, max_units: int = MAX_UNITS) -> gpd.GeoDataFrame:
    """Square cells of *grid_m* metres aligned on multiples of *grid_m*, clipped to the districts.

    ``unit_id`` is ``DISTRICT:COL_ROW`` counted from the south-west corner of the districts. More
    than *max_units* cells (estimated from the districts' area first) is an error.
    """
    d = _base(districts)
    if not (np.isfinite(grid_m) and grid_m > 0):
        raise InputError(f"suitability.units.grid_m must be a positive number of metres, got {grid_m}")
    _check_count(d, grid_m**2, f"suitability.units.grid_m: {grid_m:g} m cells", max_units, "use larger cells")
    minx, miny, maxx, maxy = d.total_bounds
    x0, y0 = np.floor(minx / grid_m) * grid_m, np.floor(miny / grid_m) * grid_m
    nx, ny = int(np.ceil((maxx - x0) / grid_m)), int(np.ceil((maxy - y0) / grid_m))
    if nx * ny > 40 * max_units:  # scattered districts: the bounding grid itself is too large
        raise InputError(
            too_many(
                f"suitability.units.grid_m: {grid_m:g} m over the districts' extent",
                nx * ny,
                40 * max_units,
                "max_units",
                "use larger cells or districts that lie together",
            )
        )
    grid_col, grid_row = np.meshgrid(np.arange(nx), np.arange(ny))
    col, row = grid_col.ravel(), grid_row.ravel()
    cells = shapely.box(x0 + col * grid_m, y0 + row * grid_m, x0 + (col + 1) * grid_m, y0 + (row + 1) * grid_m)
    labels = np.char.add(np.char.add(col.astype(str), "_"), row.astype(str))
    return _clip(cells, labels, d)


def h3_units(districts: gpd.GeoDataFrame, resolution: int, *, max_units: int = MAX_UNITS) -> gpd.GeoDataFrame:
    """H3 hexagons of *resolution* covering the districts, clipped to them (``unit_id`` = DISTRICT:H3).

    More than *max_units* cells (estimated from the districts' area first) is an error.
    """
    import h3

    d = _base(districts)
    hex_m2 = h3.average_hexagon_area(resolution, unit="m^2")
    coarser = next(
        (
            r
            for r in range(resolution, -1, -1)
            if d.geometry.area.sum() / h3.average_hexagon_area(r, unit="m^2") <= max_units
        ),
        0,
    )
    _check_count(
        d, hex_m2, f"suitability.units.h3: resolution {resolution}", max_units, f"use resolution {coarser} or coarser"
    )
    edge = h3.average_hexagon_edge_length(resolution, unit="m")
    cover = gpd.GeoSeries([d.union_all().buffer(2 * edge)], crs=d.crs).to_crs(4326).iloc[0]
    cell_ids = sorted(h3.geo_to_cells(cover, resolution))
    rings = [[(lng, lat) for lat, lng in h3.cell_to_boundary(c)] for c in cell_ids]
    hexes = gpd.GeoSeries(shapely.polygons(rings), crs=4326).to_crs(d.crs)
    return _clip(np.asarray(hexes.array, dtype=object), np.array(cell_ids, dtype=object), d)


def make_units(
    districts: gpd.GeoDataFrame, units: object = "districts", *, max_units: int = MAX_UNITS
) -> gpd.GeoDataFrame:
    """Units as the project's ``suitability.units`` says: "districts", {grid_m: M} or {h3: R}."""
    if units == "districts":
        return district_units(districts)
    grid = getattr(units, "grid_m", None) if not isinstance(units, dict) else units.get("grid_m")
    if grid is not None:
        return grid_units(districts, float(grid), max_units=max_units)
    res = getattr(units, "h3", None) if not isinstance(units, dict) else units.get("h3")
    if res is not None:
        return h3_units(districts, int(res), max_units=max_units)
    raise InputError(f"suitability.units: {units!r}; allowed: districts, {{grid_m: METRES}}, {{h3: RESOLUTION}}")
