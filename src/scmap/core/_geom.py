"""Geometry helpers shared by the input checks and the analyses."""

from __future__ import annotations

import numpy as np
import shapely
from shapely import STRtree

__all__ = ["assign_points", "no_area", "vertex_batches"]


def assign_points(points: np.ndarray, districts: np.ndarray) -> np.ndarray:
    """District position of each point (-1 outside); a point on a shared edge goes to the first district."""
    found = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0 or len(districts) == 0:
        return found
    pt_idx, d_idx = STRtree(districts).query(points, predicate="intersects")
    if not len(pt_idx):
        return found
    order = np.lexsort((d_idx, pt_idx))
    pt_idx, d_idx = pt_idx[order], d_idx[order]
    first = np.r_[True, pt_idx[1:] != pt_idx[:-1]]
    found[pt_idx[first]] = d_idx[first]
    return found


def no_area(geoms: np.ndarray, ref: str, radius_m: float | None, *, kind: str = "coverage_of") -> str | None:
    """Why the layer *ref* has no area to measure *kind* (``coverage_of`` or ``inside``) against, or None.

    Lines and points cover no area and have no inside: without *radius_m* (``coverage_of``'s
    buffer; ``inside`` has none) every unit would score 0, or no unit be inside (Barcelona's
    30 km/h zones are street lines).
    """
    kinds = shapely.get_type_id(geoms)
    buffered = bool(radius_m) and kind == "coverage_of"
    if buffered or np.isin(kinds, [3, 6, 7]).any():  # buffered, or some (multi)polygon or collection
        return None
    what = "lines" if np.isin(kinds, [1, 2, 5]).any() else "points"
    if kind == "inside":
        return (
            f"inside: layer {ref!r} holds {what}, which have no inside, so no unit would be inside them: use "
            "distance_to (e.g. fuzzy: [0, 300]) or count_of, or a layer of areas"
        )
    return (
        f"coverage_of: layer {ref!r} holds {what}, which cover no area, so every unit would score 0: give "
        "radius_m to count the area within that distance of them (e.g. radius_m: 50), or use count_of or "
        "distance_to"
    )


def vertex_batches(
    vertices: np.ndarray | int, rows: int, *, max_vertices: int, max_rows: int | None = None
) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive runs of *rows* rows with about *max_vertices* vertices each.

    *vertices* counts each row's vertices (or is one count for every row). A run holds at most
    *max_vertices* vertices beyond its first row (a single heavier row is a run of its own) and at
    most *max_rows* rows; no rows give one empty run.

    Examples
    --------
    >>> vertex_batches(np.array([2, 2, 5, 1]), 4, max_vertices=4)
    [(0, 2), (2, 3), (3, 4)]
    """
    if rows == 0:
        return [(0, 0)]
    before = np.concatenate([[0], np.cumsum(np.broadcast_to(vertices, rows))])  # vertices before each row
    cap = max_rows or rows
    out, start = [], 0
    while start < rows:
        stop = int(np.searchsorted(before, before[start] + max_vertices, side="right")) - 1
        stop = min(max(stop, start + 1), start + cap, rows)
        out.append((start, stop))
        start = stop
    return out
