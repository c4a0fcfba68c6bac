"""Geometry helpers shared by the input checks and the analyses."""

from __future__ import annotations

import numpy as np
from shapely import STRtree

__all__ = ["assign_points"]


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
