"""Where solutions and sectors meet, reinforce or conflict, and which districts are left out.

All geometry work is vectorised over shapely 2 arrays; candidate pairs come from an STRtree
query, never from a Python loop over pairs.

Examples
--------
>>> import scmap
>>> inputs = scmap.load_inputs(scmap.load_project(scmap.demo_project_path()))
>>> result = overlap_project(inputs)
>>> sorted(result.layers())  # doctest: +NORMALIZE_WHITESPACE
['coverage', 'districts', 'duplicates', 'gaps', 'gi_star', 'hotspots', 'outside', 'pairs',
 'relations', 'service_areas']
>>> int(result.districts["n_mobility"].sum()) + int(len(result.outside))  # every EV/bike/hub counted once
59
"""

from __future__ import annotations

import functools
import logging
import math
import time
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from scmap.analysis._coverage import Mapper, chunk_coverage, chunks, in_process, overlap_groups, united
from scmap.analysis._pairs import PAIR_GEOMETRY_LIMIT, _pairs_and_links, circle_overlap_m2
from scmap.core._beside import beside_map
from scmap.core._geom import assign_points
from scmap.core._limits import MAX_PAIRS, MAX_UNITS
from scmap.core._text import counted
from scmap.core.catalogue import Catalogue, Rule, load_catalogue
from scmap.errors import CatalogueError, InputError, OutsideWarning, ScmapWarning
from scmap.sources._validate import polygonal

if TYPE_CHECKING:
    from scmap.project.inputs import Inputs

__all__ = [
    "OverlapResult",
    "circle_overlap_m2",
    "getis_ord_hotspots",
    "overlap",
    "overlap_project",
    "service_areas",
]

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_K = TypeVar("_K")

QUAD_SEGS = 16
"""Segments per quarter circle of buffers: a 64-gon is within 0.2 % of the circle's area."""
CHUNK_DISTRICTS = 64
"""Districts per chunk of the coverage computation."""
LOCAL_CORES_FROM = 20_000
"""Service areas from which coverage runs over the local cores by default (below, starting the
worker processes costs more than it saves)."""
DISSOLVE_LIMIT = 2_000_000
"""Coordinates up to which hotspots and sector coverage are united across chunks of districts."""


@dataclass
class OverlapResult:
    """Tables of the overlap analysis, all in the analysis CRS (metres)."""

    service_areas: gpd.GeoDataFrame
    pairs: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame
    relations: gpd.GeoDataFrame
    gaps: pd.DataFrame
    duplicates: pd.DataFrame
    outside: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    gi_star: gpd.GeoDataFrame | None = None
    """Getis-Ord Gi* statistical hot spots on grid cells, when asked for (``getis_ord``)."""
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each stage of :func:`overlap` (for benchmarks and ``-v`` logs)."""
    coverage: gpd.GeoDataFrame | None = None
    """Per sector, the area its service areas cover within the districts (one row each)."""
    _released: ReleasedAreas | None = field(default=None, init=False, repr=False, compare=False)

    def __getattr__(self, name: str) -> Any:
        """``service_areas`` drawn again from their centres once released (:meth:`release_service_areas`)."""
        released = self.__dict__.get("_released")
        if name == "service_areas" and released is not None:
            return released.frame()
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def release_service_areas(self, centres: np.ndarray) -> None:
        """Keep the service areas as their table and centres, not their polygons.

        Keep the service areas as their attributes and *centres* (the solutions' geometries, row
        for row): ``service_areas`` then draws the same polygons again each time it is read, and a
        GeoPackage gets them a batch at a time (:meth:`layers` with ``batched=True``). A run that
        has written them (``scmap run``) holds a million of them (1.85 GB) no longer.
        """
        areas = self.__dict__["service_areas"]
        if len(centres) != len(areas):
            raise ValueError(f"{len(centres)} centres for {len(areas)} service areas")
        table = pd.DataFrame(areas.drop(columns=areas.geometry.name))
        centres = np.array(centres, dtype=object)  # a copy: later edits of the caller's array stay out
        self._released = ReleasedAreas(table, centres, areas.crs)
        del self.__dict__["service_areas"]

    @property
    def service_areas_released(self) -> bool:
        """Return whether the service areas are kept as their table and centres only."""
        return self._released is not None and "service_areas" not in self.__dict__

    @property
    def service_area_count(self) -> int:
        """Return how many service areas there are (without drawing released ones again)."""
        areas = self.__dict__.get("service_areas")
        return len(areas) if areas is not None else len(self._released or ())

    def layers(self, *, but: Collection[str] = (), batched: bool = False) -> dict[str, Any]:
        """Every table by its GeoPackage layer name.

        Every table by its GeoPackage layer name, but those named in *but*; with *batched*,
        released service areas come as their :class:`ReleasedAreas` (drawn a batch at a time).
        """
        if "service_areas" in but:
            areas = None  # not drawn again only to be left out
        else:
            areas = self._released if batched and self.service_areas_released else self.service_areas
        out: dict[str, Any] = {
            "pairs": self.pairs,
            "districts": self.districts,
            "hotspots": self.hotspots,
            "relations": self.relations,
            "gaps": self.gaps,
            "service_areas": areas,
            **({"coverage": self.coverage} if self.coverage is not None else {}),
            "duplicates": self.duplicates,
            "outside": self.outside,
            **({"gi_star": self.gi_star} if self.gi_star is not None else {}),
        }
        return {name: table for name, table in out.items() if name not in but}

    def save(self, path: str | Path) -> Path:
        """Write every table as a layer of one GeoPackage (tables without geometry as attribute layers)."""
        from scmap.core._gpkg import write_layers

        return write_layers(Path(path), self.layers(batched=True))


AREA_BATCH = 50_000
"""Released service areas drawn (and written) at a time: 3.3 million vertices for circles."""


@dataclass(frozen=True)
class ReleasedAreas:
    """Service areas kept as their table and centres; their polygons drawn again when asked for."""

    table: pd.DataFrame
    centres: np.ndarray
    crs: Any

    def __len__(self) -> int:
        return len(self.table)

    def frame(self, start: int = 0, stop: int | None = None) -> gpd.GeoDataFrame:
        """Rows *start* to *stop* with their polygons, the same as :func:`service_areas` drew them."""
        rows = self.table.iloc[start:stop]
        radius = rows["radius_m"].to_numpy(dtype=float)
        return gpd.GeoDataFrame(rows, geometry=_buffered(self.centres[start:stop], radius), crs=self.crs)

    def parts(self) -> Iterator[gpd.GeoDataFrame]:
        """The whole table, :data:`AREA_BATCH` rows at a time (one empty part for none)."""
        for start in range(0, max(len(self), 1), AREA_BATCH):
            yield self.frame(start, start + AREA_BATCH)


def _radius(solutions: gpd.GeoDataFrame, catalogue: Catalogue, radius_m: Mapping[str, float]) -> np.ndarray:
    """Row value, else project override for the type, else catalogue default."""
    defaults = {k: float(radius_m.get(k, v.radius_m)) for k, v in catalogue.solutions.items()}
    problems = catalogue.radius_problems(radius_m, "overlap.radius_m")
    if problems:
        unknown = any(key not in catalogue.solutions for key in radius_m)
        raise (CatalogueError if unknown else InputError)("; ".join(problems))
    own = pd.to_numeric(solutions.get("radius_m", pd.Series(np.nan, index=solutions.index)), errors="coerce")
    bad = own.notna() & ~(own > 0)
    if bad.any():
        ids = ", ".join(solutions.loc[bad, "solution_id"].astype(str).head(5))
        raise InputError(f"radius_m must be > 0 m; rows with solution_id {ids}")
    return own.fillna(solutions["solution"].map(defaults)).to_numpy(dtype=float)


def service_areas(
    solutions: gpd.GeoDataFrame,
    *,
    catalogue: Catalogue | None = None,
    radius_m: Mapping[str, float] | None = None,
) -> gpd.GeoDataFrame:
    """Each solution's geometry buffered by its service radius (metres, in a projected CRS)."""
    cat = catalogue or load_catalogue()
    if solutions.crs is None or not solutions.crs.is_projected:
        raise InputError(
            f"service areas need a metric CRS, the solutions are in {solutions.crs}; "
            "reproject them (read_solutions does by default)"
        )
    radius = _radius(solutions, cat, radius_m or {})
    geoms = _buffered(np.asarray(solutions.geometry.array, dtype=object), radius)
    point = shapely.get_type_id(np.asarray(solutions.geometry.array, dtype=object)) == 0
    area = math.pi * radius**2  # exact for the circle the 64-gon stands for
    area[~point] = shapely.area(geoms[~point])
    return gpd.GeoDataFrame(
        {
            "solution_id": solutions["solution_id"].to_numpy(),
            "name": solutions["name"].to_numpy(),
            "sector": solutions["sector"].to_numpy(),
            "solution": solutions["solution"].to_numpy(),
            "status": solutions["status"].to_numpy(),
            "radius_m": radius,
            "area_m2": area,
        },
        geometry=geoms,
        crs=solutions.crs,
    )


TEMPLATE_FROM = 64
"""Points sharing a radius from which their circles are one template circle moved (see :func:`_buffered`)."""


def _buffered(geoms: np.ndarray, radius: np.ndarray, batch: int = 100_000) -> np.ndarray:
    """``shapely.buffer(geoms, radius, quad_segs=QUAD_SEGS)``, bit for bit, three times faster for points.

    GEOS draws a point's circle as the point plus the same offsets for every point of a radius,
    so the points of a radius shared by :data:`TEMPLATE_FROM` or more get the offsets of one
    circle added to them (*batch* points at a time) instead of a buffer each; the rest are
    buffered.
    """
    out = np.empty(len(geoms), dtype=object)
    simple = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms) & ~shapely.has_z(geoms)
    values, inverse, counts = np.unique(np.where(simple, radius, np.nan), return_inverse=True, return_counts=True)
    group = inverse.ravel()
    templated = simple & (counts[group] >= TEMPLATE_FROM)
    out[~templated] = shapely.buffer(geoms[~templated], radius[~templated], quad_segs=QUAD_SEGS)
    for g in np.unique(group[templated]):
        circle = shapely.buffer(shapely.Point(0.0, 0.0), values[g], quad_segs=QUAD_SEGS)
        offsets = shapely.get_coordinates(circle.exterior)
        rows = np.flatnonzero(templated & (group == g))
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            out[part] = shapely.polygons(shapely.get_coordinates(geoms[part])[:, None, :] + offsets[None, :, :])
    return out


def _matches(target: str, solutions: gpd.GeoDataFrame) -> np.ndarray:
    if target.startswith("sector:"):
        return (solutions["sector"] == target.removeprefix("sector:")).to_numpy()
    return (solutions["solution"] == target).to_numpy()


def _relations(solutions: gpd.GeoDataFrame, rules: Sequence[Rule]) -> gpd.GeoDataFrame:
    geoms = np.asarray(solutions.geometry.array, dtype=object)
    ids = solutions["solution_id"].to_numpy()
    types = solutions["solution"].to_numpy()
    frames = []
    for rule in rules:
        a_pos = np.flatnonzero(_matches(rule.a, solutions))
        b_pos = np.flatnonzero(_matches(rule.b, solutions))
        if not len(a_pos) or not len(b_pos):
            continue
        qa, qb = STRtree(geoms[b_pos]).query(geoms[a_pos], predicate="dwithin", distance=rule.within_m)
        ia, ib = a_pos[qa], b_pos[qb]
        keep = ia != ib
        if rule.a == rule.b:  # a symmetric rule: each unordered pair once
            keep &= ia < ib
        ia, ib = ia[keep], ib[keep]
        label = f"{rule.a} ~ {rule.b} {rule.relation} within {rule.within_m:g} m"
        frames.append(
            gpd.GeoDataFrame(
                {
                    "a_id": ids[ia],
                    "b_id": ids[ib],
                    "a_solution": types[ia],
                    "b_solution": types[ib],
                    "relation": rule.relation,
                    "rule": label,
                    "note": rule.note,
                    "distance_m": shapely.distance(geoms[ia], geoms[ib]),
                },
                geometry=shapely.shortest_line(geoms[ia], geoms[ib]),
                crs=solutions.crs,
            )
        )
    columns = ["a_id", "b_id", "a_solution", "b_solution", "relation", "rule", "note", "distance_m"]
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=solutions.crs)
    out = pd.concat(frames, ignore_index=True)
    # a pair matched by two rules (e.g. a type rule and a sector rule) keeps both rows: both apply
    return gpd.GeoDataFrame(out, geometry="geometry", crs=solutions.crs)


def _outside(solutions: gpd.GeoDataFrame, where: np.ndarray, d_geoms: np.ndarray) -> pd.DataFrame:
    """Solutions whose representative point lies in no district, with the distance to the nearest."""
    out = where < 0
    distance = np.zeros(int(out.sum()))
    if out.any() and len(d_geoms):
        points = shapely.point_on_surface(np.asarray(solutions.geometry.array, dtype=object)[out])
        _, distance = STRtree(d_geoms).query_nearest(points, return_distance=True, all_matches=False)
    return pd.DataFrame(
        {
            "solution_id": solutions["solution_id"].to_numpy()[out],
            "solution": solutions["solution"].to_numpy()[out],
            "source": solutions["source"].to_numpy()[out] if "source" in solutions.columns else "",
            "distance_m": np.round(distance, 1),
        }
    )


def _duplicates(solutions: gpd.GeoDataFrame) -> pd.DataFrame:
    """Exact duplicates: same solution type at the same place (one row per connector, say)."""
    wkb = shapely.to_wkb(shapely.normalize(np.asarray(solutions.geometry.array, dtype=object)))
    place = pd.factorize(wkb)[0].astype(np.int64)  # one integer per place, one per type: a fast integer key
    kind = pd.factorize(solutions["solution"].to_numpy())[0].astype(np.int64)
    key = kind * (int(place.max()) + 1 if len(place) else 1) + place
    first = pd.Series(np.arange(len(key))).groupby(key).transform("first").to_numpy()
    dup = first != np.arange(len(key))  # a row that is not the first of its key
    ids = solutions["solution_id"].to_numpy()
    return pd.DataFrame(
        {"solution_id": ids[dup], "duplicate_of": ids[first[dup]], "solution": solutions["solution"].to_numpy()[dup]}
    )


def getis_ord_hotspots(
    solutions: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    *,
    grid_m: float,
    permutations: int = 999,
    seed: int = 12345,
    k: int = 8,
    alpha: float = 0.05,
    max_units: int = MAX_UNITS,
) -> gpd.GeoDataFrame:
    """Statistical hot and cold spots of solutions: Getis-Ord Gi* (esda) on grid-cell counts.

    Cells of *grid_m* metres clipped to the districts count the solutions whose representative
    point lies in them; neighbours are the *k* nearest cells (binary weights, the cell itself
    included); two-sided pseudo p-values come from *permutations* seeded conditional
    permutations. Cells with p < *alpha* are ``hot`` (z > 0) or ``cold`` (z < 0).
    """
    from esda.getisord import G_Local
    from libpysal.weights import KNN

    from scmap.analysis.suitability.criteria import count_of
    from scmap.analysis.suitability.units import grid_units

    cells = grid_units(districts[["district_id", districts.geometry.name]], grid_m, max_units=max_units)  # no names
    counts = count_of(cells, solutions)
    out = cells[["unit_id", "district_id", "area_m2", "geometry"]].copy()
    out["n_solutions"] = counts.astype(int)
    n = len(cells)
    if n < 3 or np.ptp(counts) == 0:
        out["gi_z"], out["gi_p"], out["gi_class"] = np.nan, np.nan, "not significant"
        return out
    centres = shapely.get_coordinates(shapely.centroid(np.asarray(cells.geometry.array, dtype=object)))
    weights = KNN.from_array(centres, k=min(k, n - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # esda divides 0/0 for cells without variance
        # esda's notice about its default one-sided test: the two-sided p-value is computed below
        warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
        gi = G_Local(
            counts,
            weights,
            transform="B",
            permutations=permutations,
            star=True,
            seed=seed,
            n_jobs=1,
            keep_simulations=True,
        )
    z = np.asarray(gi.Zs, dtype=float)
    simulated = np.asarray(gi.rGs, dtype=float)  # (cells, permutations)
    centre = simulated.mean(axis=1, keepdims=True)
    extreme = np.abs(simulated - centre) >= np.abs(np.asarray(gi.Gs, dtype=float)[:, None] - centre)
    p = (1 + extreme.sum(axis=1)) / (permutations + 1)  # two-sided pseudo p-value
    out["gi_z"], out["gi_p"] = z, p
    out["gi_class"] = np.where((p < alpha) & (z > 0), "hot", np.where((p < alpha) & (z < 0), "cold", "not significant"))
    return out


def overlap(
    solutions: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    *,
    catalogue: Catalogue | None = None,
    radius_m: Mapping[str, float] | None = None,
    rules: Sequence[Rule] = (),
    population: str | None = None,
    getis_ord: Mapping[str, float] | None = None,
    max_pairs: int | None = MAX_PAIRS,
    max_units: int = MAX_UNITS,
    pair_geometry_limit: int = PAIR_GEOMETRY_LIMIT,
    mapper: Mapper | None = None,
    chunk_size: int = CHUNK_DISTRICTS,
    on_early: Callable[[dict[str, gpd.GeoDataFrame]], object] | None = None,
) -> OverlapResult:
    """Service-area overlaps, per-district co-location and coverage, hotspots, rule matches, gaps.

    Parameters
    ----------
    solutions
        Rows with ``solution_id``, ``sector``, ``solution``, ``status`` (optionally ``radius_m``)
        in a metric CRS, as :func:`scmap.read_solutions` gives them.
    districts
        Polygons with ``district_id`` (and ``district_name``), same CRS.
    radius_m
        Service radius per solution type, overriding the catalogue (a row's own ``radius_m`` wins).
    rules
        Synergy/conflict rules added to the catalogue's.
    population
        District column with inhabitants: gaps also give people outside service areas (spread evenly).
    getis_ord
        ``{grid_m: ..., permutations: ..., seed: ..., alpha: ...}`` adds Getis-Ord Gi* hot spots
        (:func:`getis_ord_hotspots`) as the ``gi_star`` layer.
    pair_geometry_limit
        Up to this many pairs, each carries its overlap polygon (its area is exact either way).
    mapper, chunk_size
        Coverage and hotspots go by spatial chunks of *chunk_size* districts run by *mapper*:
        here, or over the local cores from :data:`LOCAL_CORES_FROM` service areas (the default);
        ``in_process``; or a Dask client's map (:mod:`scmap.pipeline.distributed`). Same result.
    on_early
        Given the ``pairs`` and ``service_areas`` layers once complete, before the district stages
        (``scmap run`` writes them beside those stages).
    """
    cat = catalogue or load_catalogue()
    _check_arguments(solutions, districts, cat, rules, population)
    stages = _Stages()
    areas, links, pairs = _areas_and_pairs(stages, solutions, cat, radius_m, (max_pairs, pair_geometry_limit), on_early)
    geoms, d_geoms = (np.asarray(frame.geometry.array, dtype=object) for frame in (solutions, districts))
    where = stages.run("points in districts", lambda: assign_points(shapely.point_on_surface(geoms), d_geoms))
    how = (mapper, chunk_size, links)
    result = _district_stages(stages, areas, pairs, solutions, districts, where, cat, population, how)
    checks = _solution_checks(stages, solutions, where, d_geoms, [*cat.rules, *rules])
    result.relations, result.duplicates, result.outside = checks
    result.warnings = _notes(result.duplicates, result.outside)
    if getis_ord:
        result.gi_star = stages.run("getis-ord", lambda: _gi(solutions, districts, getis_ord, max_units))
    log.info("overlap: %d service areas, %d pairs, %d relations", len(areas), len(pairs), len(result.relations))
    result.stages = stages.seconds
    return result


def _areas_and_pairs(
    stages: _Stages,
    solutions: gpd.GeoDataFrame,
    cat: Catalogue,
    radius_m: Mapping[str, float] | None,
    limits: tuple[int | None, int],
    on_early: Callable[[dict[str, gpd.GeoDataFrame]], object] | None,
) -> tuple[gpd.GeoDataFrame, tuple[np.ndarray, np.ndarray], gpd.GeoDataFrame]:
    """Service areas and their overlapping pairs (given to *on_early* once complete)."""
    areas = stages.run("service areas", lambda: service_areas(solutions, catalogue=cat, radius_m=radius_m))
    geoms = np.asarray(solutions.geometry.array, dtype=object)  # the same array as the caller's, not a copy
    links, pairs = stages.run("pairs", lambda: _pairs_and_links(areas, geoms, *limits))
    if on_early is not None:
        on_early({"pairs": pairs, "service_areas": areas})
    return areas, links, pairs


def _district_stages(
    stages: _Stages,
    areas: gpd.GeoDataFrame,
    pairs: gpd.GeoDataFrame,
    solutions: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    where: np.ndarray,
    cat: Catalogue,
    population: str | None,
    how: tuple[Mapper | None, int, tuple[np.ndarray, np.ndarray]],
) -> OverlapResult:
    """Run the per-district stages: coverage, co-location, hotspots, gaps, sector coverage.

    Coverage, co-location, hotspots, gaps and each sector's coverage, district by district (the
    result's solution checks are filled in by :func:`overlap`).
    """
    sectors = [s for s in cat.sectors if (solutions["sector"] == s).any()]
    cover = stages.run("coverage", lambda: _coverage(areas, districts, sectors, *how))
    table = stages.run("co-location", lambda: _colocation(solutions, districts, where, sectors, cover.covered_m2))
    hotspots = stages.run("hotspots", lambda: _hotspots(cover, sectors, districts.crs))
    _multi_coverage(table, cover.multi_m2)
    gaps = stages.run("gaps", lambda: _gaps(table, districts, sectors, population))
    districts_out = gpd.GeoDataFrame(table, geometry=districts.geometry.array, crs=districts.crs)
    empty = pd.DataFrame()
    result = OverlapResult(areas, pairs, districts_out, hotspots, empty, gaps, empty, empty)
    result.coverage = stages.run("sector coverage", lambda: _sector_coverage(cover, sectors, districts.crs))
    return result


def _solution_checks(
    stages: _Stages, solutions: gpd.GeoDataFrame, where: np.ndarray, d_geoms: np.ndarray, rules: list[Rule]
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Rule matches between solutions, repeated solutions and those outside every district."""
    relations = stages.run("relations", lambda: _relations(solutions, rules))
    duplicates = stages.run("duplicates", lambda: _duplicates(solutions))
    outside = stages.run("outside", lambda: _outside(solutions, where, d_geoms))
    return relations, duplicates, outside


def _gi(
    solutions: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, options: Mapping[str, float], max_units: int
) -> gpd.GeoDataFrame:
    return getis_ord_hotspots(
        solutions,
        districts,
        grid_m=float(options["grid_m"]),
        permutations=int(options.get("permutations", 999)),
        seed=int(options.get("seed", 12345)),
        alpha=float(options.get("alpha", 0.05)),
        max_units=max_units,
    )


class _Stages:
    """Seconds spent in each named stage (a stage run twice adds up)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def run(self, name: str, fn: Callable[[], _T]) -> _T:
        start = time.perf_counter()
        out = fn()
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
        return out


def _check_arguments(
    solutions: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    cat: Catalogue,
    rules: Sequence[Rule],
    population: str | None,
) -> None:
    if districts.crs is None or solutions.crs is None or not districts.crs.equals(solutions.crs):
        raise InputError(
            f"districts ({districts.crs}) and solutions ({solutions.crs}) must share one metric CRS; "
            "load them through scmap.load_inputs or reproject with .to_crs()"
        )
    if population is not None and population not in districts.columns:
        raise InputError(
            f"overlap.population: no column {population!r} in the districts; "
            f"columns: {', '.join(map(str, districts.columns))}"
        )
    unknown = sorted(set(solutions["solution"]) - set(cat.solutions))
    if unknown:
        raise CatalogueError(f"unknown solution types {unknown}; allowed: {', '.join(cat.solutions)}")
    problems = cat.rule_problems(rules, "overlap.rules")
    if problems:
        raise CatalogueError("; ".join(problems))


def _colocation(
    solutions: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    where: np.ndarray,
    sectors: list[str],
    covered_m2: np.ndarray,
) -> pd.DataFrame:
    """Per district: solutions and share of area served per sector, diversity."""
    d_area = shapely.area(np.asarray(districts.geometry.array, dtype=object))
    table = pd.DataFrame({"district_id": districts["district_id"].to_numpy()})
    if "district_name" in districts.columns:
        table["district_name"] = districts["district_name"].to_numpy()
    table["area_m2"] = d_area
    for j, s in enumerate(sectors):
        in_sector = (solutions["sector"] == s).to_numpy()
        table[f"n_{s}"] = np.bincount(where[in_sector & (where >= 0)], minlength=len(districts))
        with np.errstate(divide="ignore", invalid="ignore"):
            table[f"covered_{s}"] = np.clip(np.nan_to_num(covered_m2[:, j] / d_area), 0.0, 1.0)
    counts = table[[f"n_{s}" for s in sectors]].to_numpy(dtype=float) if sectors else np.zeros((len(table), 0))
    table["n_solutions"] = counts.sum(axis=1).astype(int)
    table["n_sectors"] = (counts > 0).sum(axis=1).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = counts / counts.sum(axis=1, keepdims=True)
        entropy = -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=1)
    table["diversity"] = entropy
    table["evenness"] = entropy / math.log(len(sectors)) if len(sectors) > 1 else 0.0
    return table


@dataclass
class _Coverage:
    covered_m2: np.ndarray
    multi_m2: np.ndarray
    pieces: list[tuple[frozenset[int], shapely.Geometry]]
    """Per chunk of districts: where two or more sectors meet, one geometry per combination."""
    by_sector: list[list[shapely.Geometry]]
    """Per sector: its served area in each chunk."""


def _coverage(
    areas: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    sectors: list[str],
    mapper: Mapper | None,
    chunk_size: int,
    links: tuple[np.ndarray, np.ndarray],
) -> _Coverage:
    """Measure coverage district by district, in chunks run by *mapper*.

    Coverage district by district (:mod:`scmap.analysis._coverage`), in chunks run by *mapper*;
    *links* are the overlapping pairs (positions of their service areas).
    """
    d_geoms = np.asarray(districts.geometry.array, dtype=object)
    index = {s: j for j, s in enumerate(sectors)}
    a_sector = np.array([index.get(s, -1) for s in areas["sector"]], dtype=np.int64)
    keep = a_sector >= 0
    group = overlap_groups(len(areas), *links, a_sector)[keep]
    run = mapper or _default_mapper(int(keep.sum()))
    pieces_of, sector_of = united(np.asarray(areas.geometry.array, dtype=object)[keep], a_sector[keep], group, run)
    parts = chunks(d_geoms, pieces_of, sector_of, chunk_size)
    results = run(functools.partial(chunk_coverage, n_sectors=len(sectors)), parts)
    covered = np.zeros((len(d_geoms), len(sectors)))
    multi = np.zeros(len(d_geoms))
    pieces: list[tuple[frozenset[int], shapely.Geometry]] = []
    by_sector: list[list[shapely.Geometry]] = [[] for _ in sectors]
    for r in results:
        covered[r.districts] = r.covered_m2
        multi[r.districts] = r.multi_m2
        pieces += r.pieces
        for j, geom in enumerate(r.by_sector):
            if not geom.is_empty:
                by_sector[j].append(geom)
    return _Coverage(covered, multi, pieces, by_sector)


def _default_mapper(n_areas: int) -> Mapper:
    """Choose where the coverage chunks run: this process, or the local cores for a large run.

    This process for a small run; from :data:`LOCAL_CORES_FROM` service areas, the local
    cores (forked worker processes, :func:`scmap.core._beside.beside_map`).
    """
    return beside_map if n_areas >= LOCAL_CORES_FROM else in_process


def _dissolved(groups: Mapping[_K, list[shapely.Geometry]]) -> list[tuple[_K, shapely.Geometry]]:
    """Unite the service areas of each group, across chunks while that stays cheap.

    One geometry per group, united across the chunks while that stays cheap; above
    :data:`DISSOLVE_LIMIT` coordinates, one per group and chunk (a region-wide union of
    fragmented areas costs far more than linear time).
    """
    total = sum(int(shapely.get_num_coordinates(np.asarray(g, dtype=object)).sum()) for g in groups.values())
    if total <= DISSOLVE_LIMIT:
        return [
            (key, polygonal(shapely.union_all(geoms)) if geoms else shapely.Polygon()) for key, geoms in groups.items()
        ]
    return [(key, geom) for key, geoms in groups.items() for geom in geoms]


def _hotspots(cover: _Coverage, sectors: list[str], crs: object) -> gpd.GeoDataFrame:
    """Polygons where the service areas of two or more sectors overlap (within the districts), by sector combination."""
    by_combo: dict[frozenset[int], list[shapely.Geometry]] = {}
    for tags, geom in cover.pieces:
        by_combo.setdefault(tags, []).append(geom)
    ordered = {c: by_combo[c] for c in sorted(by_combo, key=lambda t: (-len(t), sorted(sectors[i] for i in t)))}
    rows = _dissolved(ordered)
    return gpd.GeoDataFrame(
        {
            "n_sectors": [len(c) for c, _ in rows],
            "sectors": [",".join(s for j, s in enumerate(sectors) if j in c) for c, _ in rows],
            "area_m2": [shapely.area(g) for _, g in rows],
        },
        geometry=[g for _, g in rows],
        crs=crs,
    )


def _sector_coverage(cover: _Coverage, sectors: list[str], crs: object) -> gpd.GeoDataFrame:
    """Per sector, the area its service areas cover within the districts."""
    rows = _dissolved({s: cover.by_sector[j] for j, s in enumerate(sectors)})
    return gpd.GeoDataFrame(
        {"sector": [s for s, _ in rows], "area_m2": [shapely.area(g) for _, g in rows]},
        geometry=[g for _, g in rows],
        crs=crs,
    )


def _multi_coverage(table: pd.DataFrame, multi_m2: np.ndarray) -> None:
    """Share of each district served by two or more sectors, and the mean share served."""
    with np.errstate(divide="ignore", invalid="ignore"):
        table["covered_multi"] = np.clip(np.nan_to_num(multi_m2 / table["area_m2"].to_numpy()), 0.0, 1.0)
    cover_cols = [c for c in table.columns if c.startswith("covered_") and c != "covered_multi"]
    table["mean_covered"] = table[cover_cols].mean(axis=1) if cover_cols else 0.0


def _gaps(table: pd.DataFrame, districts: gpd.GeoDataFrame, sectors: list[str], population: str | None) -> pd.DataFrame:
    """Area (and people) outside each sector's service areas per district; the worst-served rank."""
    gap_rows = []
    d_area = table["area_m2"].to_numpy()
    for s in sectors:
        share = 1.0 - table[f"covered_{s}"].to_numpy()
        row = pd.DataFrame(
            {"district_id": table["district_id"], "sector": s, "uncovered_m2": share * d_area, "uncovered_share": share}
        )
        if population is not None:
            row["uncovered_population"] = share * pd.to_numeric(districts[population], errors="coerce").to_numpy()
        gap_rows.append(row)
    gaps = (
        pd.concat(gap_rows, ignore_index=True)
        if gap_rows
        else pd.DataFrame(columns=["district_id", "sector", "uncovered_m2", "uncovered_share"])
    )
    if population is not None and len(gaps):
        # mean over sectors: people outside a sector's service areas, on average over the sectors
        per_district = gaps.groupby("district_id", sort=False)["uncovered_population"].mean()
        table["mean_uncovered_population"] = table["district_id"].map(per_district).to_numpy()
        badness = table["mean_uncovered_population"]
    else:
        badness = 1.0 - table["mean_covered"]
    table["gap_rank"] = badness.rank(ascending=False, method="min").astype(int)
    return gaps


def _solutions(n: int, one: str, many: str) -> str:
    """``1 solution lies`` or ``3 solutions lie``."""
    return f"{counted(n, 'solution')} {one if n == 1 else many}"


def _notes(duplicates: pd.DataFrame, outside: pd.DataFrame) -> list[str]:
    notes = [duplicates_note(duplicates)] if len(duplicates) else []
    for note in notes:
        warnings.warn(note, ScmapWarning, stacklevel=4)
    if len(outside):
        note = outside_note(outside)
        notes.append(note)
        warnings.warn(OutsideWarning(note, count=len(outside)), stacklevel=4)
    return notes


def duplicates_note(duplicates: pd.DataFrame) -> str:
    """The overlap's note that the *duplicates* repeat another solution of their type at one place."""
    return (
        f"{_solutions(len(duplicates), 'repeats', 'repeat')} another of the same type at the same place "
        f"(e.g. {duplicates['solution_id'].iloc[0]} = {duplicates['duplicate_of'].iloc[0]}); "
        "kept, listed in the duplicates layer"
    )


def outside_note(outside: pd.DataFrame) -> str:
    """The overlap's note that the *outside* solutions lie outside every district."""
    return (
        f"{_solutions(len(outside), 'lies', 'lie')} outside every district (e.g. {outside['solution_id'].iloc[0]}); "
        "kept in pairs and relations, listed in the outside layer"
    )


def overlap_project(
    inputs: Inputs,
    *,
    mapper: Mapper | None = None,
    on_early: Callable[[dict[str, gpd.GeoDataFrame]], object] | None = None,
) -> OverlapResult:
    """Run :func:`overlap` with the settings of a loaded project.

    :func:`overlap` with the radii, rules and population column of a loaded project (its
    coverage chunks run by *mapper*, *on_early* called with the pairs and service areas: see
    :func:`overlap`).
    """
    inputs.raise_for_errors()
    assert inputs.districts is not None
    assert inputs.solutions is not None
    spec = inputs.project.spec.overlap
    return overlap(
        inputs.solutions,
        inputs.districts.gdf,
        catalogue=inputs.project.catalogue,
        radius_m=spec.radius_m if spec else None,
        rules=spec.rules if spec else (),
        population=spec.population if spec else None,
        getis_ord=spec.getis_ord.model_dump() if spec and spec.getis_ord else None,
        max_pairs=inputs.project.spec.limits.max_pairs,
        max_units=inputs.project.spec.limits.max_units,
        pair_geometry_limit=spec.pair_geometry_limit if spec else PAIR_GEOMETRY_LIMIT,
        mapper=mapper,
        on_early=on_early,
    )
