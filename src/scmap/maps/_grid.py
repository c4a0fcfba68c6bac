"""Service areas and hotspots of a large map as one grid of cells.

Each cell holds the set of sectors that serve it.


Unions of thousands of service circles have outlines far heavier than the points themselves; above
a vertex budget the map draws them from this grid instead. The grid is laid out in Web Mercator
(EPSG:3857), the plane Leaflet draws in, so that the page can place it as an image overlay and
find the cell under a click exactly. Cell ``(row, col)`` holds ``sum(2**j)`` over the sectors
``j`` whose served area covers at least half of it. The page colours the cells and answers clicks from it.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from pyproj import Transformer

from scmap.core._geom import vertex_batches

__all__ = ["MAX_SIDE", "AreaGrid", "area_grid"]

MAX_SIDE = 1536
"""Cells along the longer side of the grid: about one a screen pixel where the map opens on the
whole area, finer than the eye needs there (the legend gives the cell size for closer views)."""
MIN_CELL_M = 5.0
MAX_SECTORS = 32
BATCH_COORDS = 500_000


@dataclass(frozen=True)
class AreaGrid:
    """Sector sets per cell: ``mask[row, col]``, row 0 at the north edge."""

    mask: np.ndarray
    x0: float
    """West edge, EPSG:3857 metres."""
    y1: float
    """North edge, EPSG:3857 metres."""
    cell: float
    """Cell side in EPSG:3857 metres."""
    cell_m: float
    """Cell side on the ground at the grid's centre, metres."""
    bounds: tuple[tuple[float, float], tuple[float, float]]
    """((south, west), (north, east)) in degrees, for Leaflet."""

    def payload(self) -> dict[str, Any]:
        """What the page needs: layout, and the cells zlib-compressed and base64-encoded."""
        top = int(self.mask.max(initial=0))
        dtype = np.dtype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32).newbyteorder("<")
        raw = np.ascontiguousarray(self.mask.astype(dtype))
        h, w = self.mask.shape
        return {
            "w": w,
            "h": h,
            "x0": self.x0,
            "y1": self.y1,
            "cell": self.cell,
            "bytes": dtype.itemsize,
            "bounds": [list(self.bounds[0]), list(self.bounds[1])],
            "cells": base64.b64encode(zlib.compress(raw.tobytes(), 6)).decode("ascii"),
        }


def area_grid(coverage: gpd.GeoDataFrame, sectors: list[str], *, max_side: int = MAX_SIDE) -> AreaGrid:
    """Return the grid of *coverage*: per cell, the set of sectors that serve it.

    The grid of *coverage* (rows of ``sector`` and served area, any CRS); bit ``j`` of a cell
    is ``sectors[j]``, set where the sector serves at least half the cell. The cell is as small as
    *max_side* cells along the longer side allow. Geometries are projected and drawn a batch at a
    time, so that a region's millions of vertices are never copied whole.
    """
    if len(sectors) > MAX_SECTORS:
        raise ValueError(f"a grid holds at most {MAX_SECTORS} sectors, not {len(sectors)}")
    to_merc = Transformer.from_crs(coverage.crs or 4326, 3857, always_xy=True)
    left, bottom, right, top = (float(v) for v in coverage.total_bounds)
    west, south, east, north = to_merc.transform_bounds(left, bottom, right, top, densify_pts=21)
    cell = max((max(east - west, north - south) or 1.0) / max_side, MIN_CELL_M)
    w, h = max(1, math.ceil((east - west) / cell)), max(1, math.ceil((north - south) / cell))
    mask = np.zeros((h, w), dtype=np.uint32)
    geoms = np.asarray(coverage.geometry.array, dtype=object)
    to_deg = Transformer.from_crs(3857, 4326, always_xy=True)
    lon, lat = to_deg.transform([west, west + w * cell], [north - h * cell, north])
    tolerance = _tolerance(coverage.crs, cell, max(abs(lat[0]), abs(lat[1])))
    for j, s in enumerate(sectors):
        covered = np.zeros((h, w), dtype=np.uint16)  # coverage in 1/255 of a cell, summed over the batches
        for part in _batches(geoms[(coverage["sector"] == s).to_numpy()]):
            part = shapely.simplify(part, tolerance, preserve_topology=False) if tolerance else part
            merc = shapely.transform(part, lambda xy: np.column_stack(to_merc.transform(xy[:, 0], xy[:, 1])))
            covered += _burn(merc, west, north, cell, w, h)
        mask |= (covered >= 128).astype(np.uint32) << j
    centre_lat = (lat[0] + lat[1]) / 2
    bounds = ((float(lat[0]), float(lon[0])), (float(lat[1]), float(lon[1])))
    return AreaGrid(mask, float(west), float(north), float(cell), cell * math.cos(math.radians(centre_lat)), bounds)


def _tolerance(crs: Any, cell: float, lat: float) -> float:
    """Return how far (in *crs* units) outlines may move before they are drawn.

    How far (in *crs* units) outlines may move before they are drawn: a tenth of the
    smallest cell on the ground, so that only a cell about half covered at a served area's edge
    can change; 0 for a geographic CRS.
    """
    if crs is None or not getattr(crs, "is_projected", False):
        return 0.0
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return cell * math.cos(math.radians(min(lat, 85.0))) / 10 / unit


def _batches(geoms: np.ndarray) -> Iterator[np.ndarray]:
    """*geoms* in consecutive runs of about :data:`BATCH_COORDS` coordinates."""
    counts = shapely.get_num_coordinates(geoms)
    for start, stop in vertex_batches(counts, len(geoms), max_vertices=BATCH_COORDS):
        if stop > start:
            yield geoms[start:stop]


def polygon_path(geoms: np.ndarray) -> MplPath:
    """Return one compound path of every ring of the polygons.

    One compound path of every ring, exteriors counter-clockwise and holes clockwise, so that
    the non-zero rule fills the union of the polygons with their holes left out.
    """
    polys = shapely.orient_polygons(shapely.get_parts(geoms))
    polys = polys[shapely.get_type_id(polys) == shapely.GeometryType.POLYGON]
    rings = shapely.get_rings(polys)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
    if len(xy):
        starts = np.r_[0, np.flatnonzero(np.diff(ring)) + 1]
        codes[starts] = MplPath.MOVETO
        codes[np.r_[starts[1:] - 1, len(xy) - 1]] = MplPath.CLOSEPOLY
    return MplPath(xy, codes)


def _burn(geoms: np.ndarray, x0: float, y1: float, cell: float, w: int, h: int) -> np.ndarray:
    """Return how much of each cell the polygons cover, 0-255.

    How much of each cell (h, w) the polygons cover, 0-255: Agg's anti-aliased coverage (drawn
    without anti-aliasing, every cell an edge touches would be filled: half a cell too wide). The
    caller keeps cells at least half covered, summing batches first so that a cell split between
    two districts' pieces counts whole.
    """
    fig = Figure(figsize=(w / 100, h / 100), dpi=100, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(x0, x0 + w * cell)
    ax.set_ylim(y1 - h * cell, y1)
    patch = PathPatch(polygon_path(geoms), facecolor="black", edgecolor="none", linewidth=0, antialiased=True)
    patch.set_transform(ax.transData)
    ax.add_artist(patch)  # not add_patch: its data-limit update walks every segment, and the limits are set
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    assert rgba.shape[:2] == (h, w), "the canvas has one pixel per cell"
    return 255 - rgba[:, :, 0].astype(np.uint16)
