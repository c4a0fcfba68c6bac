"""Coverage and hotspots chunk by chunk of districts, so that cost grows with the work and not
with the size of the region.

A global union of every service area (and the planar arrangement of the sectors' unions) costs
far more than linearly with the number of solutions. Here districts are processed in spatially
compact chunks; a chunk needs only its districts and the service areas that reach into them (its
halo). Each sector's service areas are united once per chunk and that union is clipped to each
of the chunk's districts (shapely's vectorised intersection); the sectors' unions within the
chunk are split into pieces labelled by the sectors covering them. Areas equal those of clipping
first and uniting per district within 1e-9 relative (rounding only). Chunks run one after
another in this process, in worker processes, or as tasks on a Dask cluster
(:mod:`scmap.pipeline.distributed`) with the same result.
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
    sectors meet (clipped to the districts).

    Each sector's service areas are united once for the chunk and that union is clipped to each
    district: the same areas as clipping first and uniting per district, to rounding (1e-9 of
    the area), at the cost of one union per sector per chunk.
    """
    n = len(chunk.d_geoms)
    covered = np.zeros((n, n_sectors))
    multi = np.zeros(n)
    empty = [shapely.Polygon()] * n_sectors
    if n == 0 or not len(chunk.a_geoms):
        return ChunkResult(chunk.districts, covered, multi, [], empty)
    unions = [shapely.union_all(chunk.a_geoms[chunk.a_sector == j]) for j in range(n_sectors)]
    for j, union in enumerate(unions):
        shapely.prepare(union)
        covered[:, j] = shapely.area(shapely.intersection(union, chunk.d_geoms))
    region = shapely.union_all(chunk.d_geoms)
    by_sector = [polygonal(shapely.intersection(u, region)) for u in unions]
    pieces = [(tags, g) for tags, g in arrangement(dict(enumerate(by_sector))) if len(tags) >= 2]
    if pieces:
        meet = shapely.union_all([g for _, g in pieces])
        multi[:] = shapely.area(shapely.intersection(meet, chunk.d_geoms))
    return ChunkResult(chunk.districts, covered, multi, pieces, by_sector)


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
