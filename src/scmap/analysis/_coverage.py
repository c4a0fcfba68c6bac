"""Coverage and hotspots district by district, so that cost grows with the work and not with the
size of the region.

A global union of every service area (and the planar arrangement of the sectors' unions) costs
far more than linearly with the number of solutions. Here each district only meets the service
areas that touch it: they are clipped to the district, united per sector, and the district's
sector unions are split into pieces labelled by the sectors covering them. Districts are
processed in spatially compact chunks; a chunk needs only its districts and the service areas
that reach into them (its halo), so chunks run one after another in this process or as tasks on a
Dask cluster (:mod:`scmap.pipeline.distributed`) with the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import STRtree

from scmap.sources._validate import polygonal

__all__ = ["Chunk", "ChunkResult", "chunk_coverage", "chunks"]

_MIN_AREA_M2 = 1e-6


@dataclass
class Chunk:
    """Districts (their positions in the full table) and the service areas that may reach them."""

    districts: np.ndarray
    d_geoms: np.ndarray
    a_geoms: np.ndarray
    a_sector: np.ndarray
    """Sector index (into the sectors list) of each service area."""


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
    """Split the districts into spatially compact chunks of about *size* districts (Hilbert
    order), each with the service areas that intersect its districts' extent."""
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


def chunk_coverage(chunk: Chunk, n_sectors: int) -> ChunkResult:
    """Per district of *chunk*: area served by each sector, by two or more, and the pieces where
    sectors meet (clipped to the district)."""
    n = len(chunk.d_geoms)
    covered = np.zeros((n, n_sectors))
    multi = np.zeros(n)
    pieces: list[tuple[frozenset[int], shapely.Geometry]] = []
    if n == 0 or not len(chunk.a_geoms):
        return ChunkResult(chunk.districts, covered, multi, pieces, [shapely.Polygon()] * n_sectors)
    d_idx, a_idx = STRtree(chunk.a_geoms).query(chunk.d_geoms, predicate="intersects")
    if not len(d_idx):  # nothing reaches these districts
        return ChunkResult(chunk.districts, covered, multi, pieces, [shapely.Polygon()] * n_sectors)
    sector = chunk.a_sector[a_idx]
    clipped = shapely.intersection(chunk.a_geoms[a_idx], chunk.d_geoms[d_idx])
    order = np.lexsort((sector, d_idx))
    d_idx, sector, clipped = d_idx[order], sector[order], clipped[order]
    starts = np.flatnonzero(np.r_[True, (np.diff(d_idx) != 0) | (np.diff(sector) != 0)])
    ends = np.r_[starts[1:], len(d_idx)]
    unions: dict[int, dict[int, shapely.Geometry]] = {}
    for s0, e0 in zip(starts, ends, strict=True):
        union = polygonal(shapely.union_all(clipped[s0:e0]))
        covered[d_idx[s0], sector[s0]] = shapely.area(union)
        unions.setdefault(int(d_idx[s0]), {})[int(sector[s0])] = union
    for i, by_sector in unions.items():
        for tags, geom in arrangement(by_sector):
            if len(tags) >= 2:
                multi[i] += shapely.area(geom)
                pieces.append((tags, geom))
    by_combo: dict[frozenset[int], list[shapely.Geometry]] = {}
    for tags, geom in pieces:
        by_combo.setdefault(tags, []).append(geom)
    pieces = [(tags, polygonal(shapely.union_all(geoms))) for tags, geoms in by_combo.items()]
    served = [[u[j] for u in unions.values() if j in u] for j in range(n_sectors)]
    sector_unions = [polygonal(shapely.union_all(g)) if g else shapely.Polygon() for g in served]
    return ChunkResult(chunk.districts, covered, multi, pieces, sector_unions)


def arrangement(unions: dict[int, shapely.Geometry]) -> list[tuple[frozenset[int], shapely.Geometry]]:
    """Split the plane covered by the sector unions into pieces labelled by the sectors covering them."""
    pieces: list[tuple[frozenset[int], shapely.Geometry]] = []
    for sector, union in unions.items():
        if union.is_empty:
            continue
        covered = shapely.union_all([g for _, g in pieces]) if pieces else shapely.Polygon()
        nxt: list[tuple[frozenset[int], shapely.Geometry]] = []
        for tags, geom in pieces:
            inside = polygonal(shapely.intersection(geom, union))
            outside = polygonal(shapely.difference(geom, union))
            if shapely.area(inside) > _MIN_AREA_M2:
                nxt.append((tags | {sector}, inside))
            if shapely.area(outside) > _MIN_AREA_M2:
                nxt.append((tags, outside))
        alone = polygonal(shapely.difference(union, covered))
        if shapely.area(alone) > _MIN_AREA_M2:
            nxt.append((frozenset({sector}), alone))
        pieces = nxt
    return pieces


Mapper = Callable[[Callable[[Chunk], ChunkResult], Sequence[Chunk]], list[ChunkResult]]
"""Runs the chunk function over the chunks: a plain loop, or Dask's ``client.map``."""


def in_process(fn: Callable[[Chunk], ChunkResult], items: Sequence[Chunk]) -> list[ChunkResult]:
    return [fn(item) for item in items]
