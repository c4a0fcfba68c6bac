"""Coverage and hotspots chunk by chunk of districts.

So that cost grows with the work and not
with the size of the region.

A global union of every service area (and the planar arrangement of the sectors' unions) costs
far more than linearly with the number of solutions. Here the service areas of a sector that
overlap (the pairs found before) form groups; each group is united once (:func:`united`), in
batches over the local cores, and a service area that overlaps nothing of its sector stays as it
is. Districts are then processed in spatially compact chunks: a chunk cuts the united pieces
that reach it to its extent, clips them only where they cross one of its districts, and arranges
the sectors where two or more meet. Areas equal those of clipping each service area first and
uniting per district within 1e-9 relative (rounding only). Groups and chunks run in this
process, in worker processes, or as tasks on a Dask cluster (:mod:`scmap.pipeline.distributed`)
with the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely import STRtree

from scmap.sources._validate import polygonal

__all__ = ["Chunk", "ChunkResult", "chunk_coverage", "chunks", "overlap_groups", "united"]

_MIN_AREA_M2 = 1e-6
Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]
"""Runs a function over items (chunks, batches of groups), results in order: a plain loop, the
local cores, or a Dask client."""
UNION_BATCH = 20_000
"""Service areas united per task: groups are batched so that tasks are few but several per core."""


@dataclass
class Chunk:
    """Districts (their positions in the full table) and the service areas that may reach them."""

    districts: np.ndarray
    d_geoms: np.ndarray
    a_geoms: np.ndarray
    a_sector: np.ndarray
    """Sector index (into the sectors list) of each geometry of *a_geoms*, which are the sectors'
    served areas as disjoint pieces (:func:`united`): within a sector, no two overlap."""


@dataclass
class ChunkResult:
    districts: np.ndarray
    covered_m2: np.ndarray
    """(districts, sectors): area served by each sector."""
    multi_m2: np.ndarray
    """Area served by two or more sectors."""
    pieces: list[tuple[frozenset[int], shapely.Geometry]] = field(default_factory=list)
    """Where two or more sectors meet within the chunk, one (multi)polygon per set of sector indices."""
    by_sector: list[shapely.Geometry] = field(default_factory=list)
    """Each sector's served area within the chunk's districts."""


def chunks(d_geoms: np.ndarray, a_geoms: np.ndarray, a_sector: np.ndarray, size: int) -> list[Chunk]:
    """Split the districts into spatially compact chunks of about *size* districts.

    Split the districts into spatially compact chunks of about *size* districts (Hilbert
    order), each with the pieces of served area (:func:`united`) that intersect its extent.
    """
    if not len(d_geoms):
        return []
    import geopandas as gpd

    order = np.argsort(gpd.GeoSeries(d_geoms).hilbert_distance().to_numpy(), kind="stable")
    tree = STRtree(a_geoms)
    out = []
    for start in range(0, len(order), max(size, 1)):
        idx = np.sort(order[start : start + size])
        box = shapely.box(*shapely.total_bounds(d_geoms[idx]))
        near = tree.query(box, predicate="intersects")
        out.append(Chunk(idx, d_geoms[idx], a_geoms[near], a_sector[near]))
    return out


def overlap_groups(n: int, left: np.ndarray, right: np.ndarray, a_sector: np.ndarray) -> np.ndarray:
    """Label the service areas so that areas with different labels do not overlap.

    A label per service area: areas of one sector linked by overlapping pairs (*left*,
    *right*, positions) share it, so areas with different labels do not overlap.
    """
    same = a_sector[left] == a_sector[right]
    graph = coo_matrix((np.ones(int(same.sum())), (left[same], right[same])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def united(
    a_geoms: np.ndarray, a_sector: np.ndarray, label: np.ndarray, run: Mapper, batch: int = UNION_BATCH
) -> tuple[np.ndarray, np.ndarray]:
    """Return each sector's served area as disjoint pieces, and their sectors.

    Each sector's served area as disjoint pieces, and their sectors: a service area that
    overlaps no other of its sector stays as it is; each group of overlapping ones
    (:func:`overlap_groups` *label*) is united once, the groups in batches of about *batch*
    service areas run by *run*. A group of more than *batch* areas (one sector's areas chained
    across a dense city) is united in spatially compact parts of about *batch*, run side by side,
    whose unions are then united here.
    """
    alone = np.bincount(label)[label] == 1
    part = _parts(a_geoms, label, batch)
    order = np.flatnonzero(~alone)[np.argsort(part[~alone], kind="stable")]
    if not len(order):
        return a_geoms[alone], a_sector[alone]
    starts = np.flatnonzero(np.r_[True, np.diff(part[order]) != 0])
    bounds = np.r_[starts, len(order)]
    cuts = np.unique(np.searchsorted(bounds, np.arange(0, len(order), batch), side="right") - 1)
    spans = zip(cuts, [*cuts[1:], len(starts)], strict=True)  # whole parts, about *batch* areas each
    items = [(a_geoms[order[bounds[a] : bounds[b]]], bounds[a:b] - bounds[a]) for a, b in spans]
    unions = np.array([g for chunk in run(_unite, items) for g in chunk], dtype=object)
    _, first, which = np.unique(label[order[starts]], return_index=True, return_inverse=True)
    pieces = [unions[first[i]] if n == 1 else polygonal(shapely.union_all(unions[which == i]))
              for i, n in enumerate(np.bincount(which))]  # fmt: skip
    sectors = a_sector[order[starts]][first]
    return np.r_[a_geoms[alone], np.array(pieces, dtype=object)], np.r_[a_sector[alone], sectors]


def _parts(a_geoms: np.ndarray, label: np.ndarray, batch: int) -> np.ndarray:
    """Return a part label per service area: its group's, or a part of a group larger than *batch*.

    The group's label, or for a group of more than *batch* areas one of its parts of at most
    *batch* areas, consecutive in Hilbert order (spatially compact), labelled after every group.
    """
    sizes = np.bincount(label)
    part = label.copy()
    fresh = len(sizes)
    large = np.flatnonzero(sizes > batch)
    if len(large):
        import geopandas as gpd  # for its Hilbert distance, only when a group needs parts
    for group in large:
        members = np.flatnonzero(label == group)
        members = members[np.argsort(gpd.GeoSeries(a_geoms[members]).hilbert_distance().to_numpy(), kind="stable")]
        for rest in np.array_split(members, -(-len(members) // batch))[1:]:
            part[rest] = fresh
            fresh += 1
    return part


def _unite(item: tuple[np.ndarray, np.ndarray]) -> list[shapely.Geometry]:
    """The union of each group of *geoms* (starting at the given offsets)."""
    geoms, starts = item
    return [polygonal(shapely.union_all(g)) for g in np.split(geoms, starts[1:])]


def chunk_coverage(chunk: Chunk, n_sectors: int) -> ChunkResult:
    """Measure, per district of *chunk*, the area each sector serves and where sectors meet.

    Per district of *chunk*: area served by each sector, by two or more, and the pieces where
    sectors meet (clipped to the districts).

    The sectors' served areas come as disjoint pieces (:func:`united`); each piece is cut to the
    chunk's extent, then clipped only to the districts it reaches (or taken whole where a
    district contains it): the same areas as clipping each service area first and uniting per
    district, to rounding (1e-9 of the area). The arrangement of the sectors cuts out only what
    two or more sectors cover.
    """
    n = len(chunk.d_geoms)
    covered = np.zeros((n, n_sectors))
    multi = np.zeros(n)
    if n == 0 or not len(chunk.a_geoms):
        return ChunkResult(chunk.districts, covered, multi, [], [shapely.Polygon()] * n_sectors)
    shapely.prepare(chunk.d_geoms)
    near = _cut(chunk.a_geoms, shapely.box(*shapely.total_bounds(chunk.d_geoms)))
    groups = [near[chunk.a_sector == j] for j in range(n_sectors)]
    for j, parts in enumerate(groups):
        covered[:, j] = _area_in(parts, chunk.d_geoms)
    region = shapely.union_all(chunk.d_geoms)
    by_sector = [_clipped(parts, region) for parts in groups]
    pieces = arrangement(dict(enumerate(by_sector)), multi_only=True)
    if pieces:
        multi[:] = _area_in(shapely.get_parts(np.array([g for _, g in pieces], dtype=object)), chunk.d_geoms)
    return ChunkResult(chunk.districts, covered, multi, pieces, by_sector)


def _cut(parts: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """Return *parts* within *area*, clipping only the parts it crosses.

    *parts* within *area* (a chunk's extent or its districts): a part *area* contains stays as
    it is, one it crosses is clipped, so a large united piece is cut once to the chunk, not once
    per district.
    """
    shapely.prepare(area)
    out = parts.copy()
    crossing = ~shapely.contains_properly(area, parts)
    out[crossing] = [polygonal(g) for g in shapely.intersection(parts[crossing], area)]
    return out


def _area_in(parts: np.ndarray, d_geoms: np.ndarray) -> np.ndarray:
    """Return the area of disjoint *parts* within each district.

    Area of disjoint *parts* within each district (prepared): a part a district contains
    counts whole, one it crosses is clipped.
    """
    if not len(parts):
        return np.zeros(len(d_geoms))
    d_idx, p_idx = STRtree(parts).query(d_geoms, predicate="intersects")
    area = shapely.area(parts[p_idx])
    crossing = ~shapely.contains_properly(d_geoms[d_idx], parts[p_idx])
    area[crossing] = shapely.area(shapely.intersection(parts[p_idx[crossing]], d_geoms[d_idx[crossing]]))
    return np.bincount(d_idx, weights=area, minlength=len(d_geoms))


def _clipped(parts: np.ndarray, region: shapely.Geometry) -> shapely.Geometry:
    """Disjoint *parts* within *region*, as one (multi)polygon."""
    if not len(parts):
        return shapely.Polygon()
    polygons = shapely.get_parts(_cut(parts, region))
    polygons = polygons[~shapely.is_empty(polygons)]
    if not len(polygons):
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons)


def arrangement(
    unions: dict[int, shapely.Geometry], *, multi_only: bool = False
) -> list[tuple[frozenset[int], shapely.Geometry]]:
    """Split the plane covered by the sector unions into pieces labelled by their sectors.

    Split the plane covered by the sector unions into pieces labelled by the sectors covering
    them; with *multi_only*, only the pieces covered by two or more (less work: what is covered
    by one sector alone is not cut out).
    """
    pieces: list[tuple[frozenset[int], shapely.Geometry]] = []
    seen: list[shapely.Geometry] = []
    layers = [(sector, union) for sector, union in unions.items() if not union.is_empty]
    for n, (sector, union) in enumerate(layers):
        last = n == len(layers) - 1
        nxt: list[tuple[frozenset[int], shapely.Geometry]] = []
        for tags, geom in pieces:
            inside = polygonal(shapely.intersection(geom, union))
            if shapely.area(inside) > _MIN_AREA_M2:
                nxt.append((tags | {sector}, inside))
            if multi_only and last and len(tags) < 2:
                continue
            outside = polygonal(shapely.difference(geom, union))
            if shapely.area(outside) > _MIN_AREA_M2:
                nxt.append((tags, outside))
        if not (multi_only and last):
            alone = _less(union, seen)
            if shapely.area(alone) > _MIN_AREA_M2:
                nxt.append((frozenset({sector}), alone))
        seen.append(union)
        pieces = nxt
    return [(tags, geom) for tags, geom in pieces if len(tags) >= 2] if multi_only else pieces


def _less(geom: shapely.Geometry, others: list[shapely.Geometry]) -> shapely.Geometry:
    """*geom* outside every one of *others*."""
    for other in others:
        geom = polygonal(shapely.difference(geom, other))
    return geom


def in_process(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [fn(item) for item in items]
