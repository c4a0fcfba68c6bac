"""Which service areas overlap, and by how much: the pairs layer and the links between areas.

Candidate pairs come from k-d trees over the centres (circles of a few radius classes) or an
STRtree query (other shapes), never from a Python loop over pairs; two circles share exactly the
area of their lens (:func:`circle_overlap_m2`), other shapes their intersection's area.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely import STRtree

from scmap.core._limits import MAX_PAIRS, pairs_problem
from scmap.errors import InputError

PAIR_GEOMETRY_LIMIT = 50_000
"""Overlapping pairs up to which the pairs layer carries each overlap's polygon."""
_MIN_AREA_M2 = 1e-6


def circle_overlap_m2(d: np.ndarray, r1: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """Exact area shared by circles of radii *r1*, *r2* whose centres are *d* apart (vectorised).

    Examples
    --------
    >>> float(circle_overlap_m2(np.array([0.0]), np.array([1.0]), np.array([2.0]))[0]) == math.pi
    True
    """
    d, r1, r2 = np.broadcast_arrays(np.asarray(d, float), np.asarray(r1, float), np.asarray(r2, float))
    out = np.zeros(d.shape)
    inside = d <= np.abs(r1 - r2)
    out[inside] = math.pi * np.minimum(r1, r2)[inside] ** 2
    lens = ~inside & (d < r1 + r2)
    dd, a, b = d[lens], r1[lens], r2[lens]
    alpha = np.arccos(np.clip((dd**2 + a**2 - b**2) / (2 * dd * a), -1, 1))
    beta = np.arccos(np.clip((dd**2 + b**2 - a**2) / (2 * dd * b), -1, 1))
    kite = np.sqrt(np.clip((-dd + a + b) * (dd + a - b) * (dd - a + b) * (dd + a + b), 0, None))
    out[lens] = a**2 * alpha + b**2 * beta - 0.5 * kite
    return out


def _ordered_unique(i: np.ndarray, j: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each unordered pair of distinct indices (below *n*) once, as (smaller, larger)."""
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keep = lo != hi
    key = np.unique(lo[keep].astype(np.int64) * n + hi[keep])  # one integer per pair: a fast 1-D unique
    return key // n, key % n


def _pairs(
    areas: gpd.GeoDataFrame,
    centres: np.ndarray,
    max_pairs: int | None = MAX_PAIRS,
    geometry_limit: int = PAIR_GEOMETRY_LIMIT,
) -> gpd.GeoDataFrame:
    """Pairs of overlapping service areas (with each overlap's polygon up to *geometry_limit* pairs)."""
    return _pairs_and_links(areas, centres, max_pairs, geometry_limit)[1]


def _pairs_and_links(
    areas: gpd.GeoDataFrame, centres: np.ndarray, max_pairs: int | None, geometry_limit: int
) -> tuple[tuple[np.ndarray, np.ndarray], gpd.GeoDataFrame]:
    """The pairs table, and the positions of each pair's two service areas."""
    left, right, area = _pair_positions(areas, centres, max_pairs)
    return (left, right), _pairs_frame(areas, left, right, area, geometry_limit)


def _pair_positions(
    areas: gpd.GeoDataFrame, centres: np.ndarray, max_pairs: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping service areas: positions (a < b, each pair once, in order) and the overlap m².

    Point solutions have circular service areas: their overlaps are computed exactly from the
    centre distance (candidates from k-d trees, so no sliver is missed). Pairs with a line or
    polygon solution use the intersection of the buffered geometries.
    """
    geoms = np.asarray(areas.geometry.array, dtype=object)
    radius = areas["radius_m"].to_numpy(dtype=float)
    is_pt = shapely.get_type_id(centres) == 0
    kinds = areas["solution"].to_numpy()
    left, right, area = _circle_pairs(centres, radius, np.flatnonzero(is_pt), max_pairs, kinds)
    other = np.flatnonzero(~is_pt)
    if len(other):
        qo, qt = STRtree(geoms).query(geoms[other], predicate="intersects")
        _check_pairs(len(left) + len(qo), max_pairs)
        i, j = _ordered_unique(other[qo], qt, len(geoms))
        a = shapely.area(shapely.intersection(geoms[i], geoms[j]))
        left, right, area = np.r_[left, i], np.r_[right, j], np.r_[area, a]
    positive = area > _MIN_AREA_M2
    left, right, area = left[positive], right[positive], area[positive]
    key = np.unique(np.minimum(left, right).astype(np.int64) * len(geoms) + np.maximum(left, right), return_index=True)
    return key[0] // len(geoms), key[0] % len(geoms), area[key[1]]


def _circle_pairs(
    centres: np.ndarray, radius: np.ndarray, pts: np.ndarray, max_pairs: int | None, kinds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping circles among the point solutions *pts*: (i, j, overlap m²), each pair once.

    The points are grouped by radius (:func:`_radius_classes`); each pair of groups is searched
    in k-d trees up to the sum of the groups' largest radii, counted before it is listed (so a
    run that would not fit in memory is refused first), then kept where the centres are closer
    than the two radii.
    """
    if len(pts) < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
    xy, r = shapely.get_coordinates(centres[pts]), radius[pts]
    groups = [(np.flatnonzero(members), top) for members, top in _radius_classes(r)]
    trees = [cKDTree(xy[g]) for g, _ in groups]
    reach = [(a, b, groups[a][1] + groups[b][1]) for a in range(len(groups)) for b in range(a, len(groups))]
    counts = [_pair_count(trees[a], trees[b], d, a == b) for a, b, d in reach]
    placed = [(pts[g], top) for g, top in groups]
    _check_pairs(sum(counts), max_pairs, lambda: _most_pairs(kinds, placed, reach, counts))
    found = [_group_pairs(trees[a], trees[b], d, a == b, groups[a][0], groups[b][0]) for a, b, d in reach]
    i = np.concatenate([f[0] for f in found])
    j = np.concatenate([f[1] for f in found])
    dist = np.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1])
    near = dist < r[i] + r[j]
    i, j, dist = i[near], j[near], dist[near]
    return pts[i], pts[j], circle_overlap_m2(dist, r[i], r[j])


def _most_pairs(
    kinds: np.ndarray, groups: list[tuple[np.ndarray, float]], reach: list[tuple[int, int, float]], counts: list[int]
) -> str:
    """Which solutions give most of the candidate pairs.

    Of the pair of radius groups with the most candidates, the group with the larger radius (the
    search reaches the two radii added, so the larger one is what a smaller radius would cut):
    its commonest type, how many solutions of it are in the group, and the group's radius.
    """
    a, b, _ = reach[int(np.argmax(counts))]
    rows, top = max(groups[a], groups[b], key=lambda group: group[1])
    values, times = np.unique(kinds[rows].astype(str), return_counts=True)
    return (
        f"most of them come from the {int(times.max()):,} {values[int(np.argmax(times))]} solutions "
        f"and their {top:,.0f} m service radius"
    )


def _radius_classes(radius: np.ndarray, most: int = 8) -> list[tuple[np.ndarray, float]]:
    """Group points by radius, as (member mask, largest radius).

    Points grouped by radius, as (member mask, largest radius): one group per distinct radius
    (the radii of solution types), or *most* groups by quantile when radii come from rows.
    """
    distinct = np.unique(radius)
    if len(distinct) > most:
        distinct = np.unique(np.quantile(radius, np.linspace(0, 1, most + 1)[1:]))
    which = np.minimum(np.searchsorted(distinct, radius), len(distinct) - 1)
    return [(which == k, float(radius[which == k].max())) for k in range(len(distinct)) if (which == k).any()]


def _pair_count(a: cKDTree, b: cKDTree, distance: float, same: bool) -> int:
    count = int(a.count_neighbors(b, distance))
    return (count - a.n) // 2 if same else count


def _group_pairs(
    a: cKDTree, b: cKDTree, distance: float, same: bool, ia: np.ndarray, ib: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into the points) of the pairs of group *a* and group *b* within *distance*."""
    if same:
        p = a.query_pairs(distance, output_type="ndarray")
        return ia[p[:, 0]], ia[p[:, 1]]
    m = a.sparse_distance_matrix(b, distance, output_type="ndarray")
    return ia[m["i"]], ib[m["j"]]


def _pairs_frame(
    areas: gpd.GeoDataFrame, left: np.ndarray, right: np.ndarray, area: np.ndarray, geometry_limit: int
) -> gpd.GeoDataFrame:
    """The pairs table: ids, types and sectors of both sides, the overlap and its shares."""
    geoms = np.asarray(areas.geometry.array, dtype=object)
    full = areas["area_m2"].to_numpy(dtype=float)

    def col(name: str, idx: np.ndarray) -> pd.Categorical:
        """Columnar: codes into the solutions' values, not one string object per pair."""
        codes, values = pd.factorize(areas[name].to_numpy())
        return pd.Categorical.from_codes(codes[idx], categories=values)

    return gpd.GeoDataFrame(
        {
            "a_id": col("solution_id", left),
            "b_id": col("solution_id", right),
            "a_solution": col("solution", left),
            "b_solution": col("solution", right),
            "a_sector": col("sector", left),
            "b_sector": col("sector", right),
            "overlap_m2": area,
            "a_share": np.minimum(area / full[left], 1.0),
            "b_share": np.minimum(area / full[right], 1.0),
            "cross_sector": areas["sector"].to_numpy()[left] != areas["sector"].to_numpy()[right],
        },
        geometry=shapely.intersection(geoms[left], geoms[right])
        if len(left) <= geometry_limit
        else np.full(len(left), None, dtype=object),
        crs=areas.crs,
    )


def _check_pairs(candidates: int, max_pairs: int | None, source: Callable[[], str] | None = None) -> None:
    problem = pairs_problem(candidates, max_pairs, source=source)
    if problem:
        raise InputError(problem)
