"""Pairwise overlap of N service areas: scmap vs geopandas.overlay vs a bare STRtree floor, and the
public ``scmap.overlap()`` as users call it, stage by stage.

Run: .venv/bin/python benchmarks/bench_overlap.py [--n 50000] [--radius 150]
Prints, in one run, the time of each method on the same data and the ratios against scmap's pair
search, then the whole ``overlap()`` (three sectors, a 10 x 10 grid of districts) per stage.
Points are uniform in a square sized so that each circle meets about five others.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import geopandas as gpd
import numpy as np
import shapely
from shapely import STRtree

from scmap.analysis._pairs import _pairs
from scmap.analysis.overlap import overlap, service_areas
from scmap.core.catalogue import load_catalogue


def make_solutions(n: int, radius: float, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    side = math.sqrt(n * math.pi * (2 * radius) ** 2 / 5)
    xy = rng.uniform(0, side, size=(n, 2)) + np.array([500_000, 4_700_000])
    return gpd.GeoDataFrame(
        {
            "solution_id": [f"s{i}" for i in range(n)],
            "name": "",
            "sector": np.resize(["mobility", "energy", "ict"], n),
            "solution": np.resize(["ev_charging", "rooftop_pv", "public_wifi"], n),
            "status": "existing",
            "radius_m": radius,
        },
        geometry=shapely.points(xy),
        crs="EPSG:32634",
    )


def timed(label: str, fn, results: dict[str, float]):
    start = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--radius", type=float, default=150.0)
    parser.add_argument("--skip-overlay", action="store_true", help="leave out geopandas.overlay (slowest)")
    args = parser.parse_args()
    sols = make_solutions(args.n, args.radius)
    cat = load_catalogue()
    times: dict[str, float] = {}

    areas = timed("buffer (scmap service_areas)", lambda: service_areas(sols, catalogue=cat), times)
    centres = np.asarray(sols.geometry.array, dtype=object)
    pairs = timed("scmap pairs", lambda: _pairs(areas, centres), times)

    geoms = np.asarray(areas.geometry.array, dtype=object)

    def floor():
        left, right = STRtree(geoms).query(geoms, predicate="intersects")
        keep = left < right
        inter = shapely.intersection(geoms[left[keep]], geoms[right[keep]])
        area = shapely.area(inter)
        return int((area > 1e-6).sum())

    n_floor = timed("floor: STRtree query + vectorised intersection", floor, times)
    n_overlay = None
    if not args.skip_overlay:

        def overlay():
            a = areas[["solution_id", "geometry"]].rename(columns={"solution_id": "a_id"})
            b = areas[["solution_id", "geometry"]].rename(columns={"solution_id": "b_id"})
            out = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
            out = out[out["a_id"] < out["b_id"]]
            return int((out.area > 1e-6).sum())

        n_overlay = timed("geopandas.overlay (intersection, self)", overlay, times)

    print(
        f"{args.n} service areas of radius {args.radius:g} m; pairs found: scmap {len(pairs)}, "
        f"floor {n_floor}" + (f", overlay {n_overlay}" if n_overlay is not None else "")
    )
    base = times["scmap pairs"]
    for label, seconds in times.items():
        print(f"  {label:<48} {seconds:8.3f} s   x{seconds / base:6.2f} of scmap pairs")
    whole(sols, cat, times["floor: STRtree query + vectorised intersection"])


def grid_districts(sols: gpd.GeoDataFrame, k: int = 10) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = sols.total_bounds
    step_x, step_y = (maxx - minx) / k + 1e-6, (maxy - miny) / k + 1e-6
    cells = [
        shapely.box(minx + i * step_x, miny + j * step_y, minx + (i + 1) * step_x, miny + (j + 1) * step_y)
        for j in range(k)
        for i in range(k)
    ]
    ids = [f"D{i:03d}" for i in range(len(cells))]
    return gpd.GeoDataFrame({"district_id": ids, "district_name": ids}, geometry=cells, crs=sols.crs)


def whole(sols: gpd.GeoDataFrame, cat, floor_s: float) -> None:
    """The public overlap() on the same solutions, per stage, against the pair-search floor."""
    districts = grid_districts(sols)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = overlap(sols, districts, catalogue=cat)
    total = time.perf_counter() - start
    print(f"scmap.overlap() as users call it: {total:.3f} s (x{total / floor_s:.2f} of the floor), stages:")
    for stage, seconds in sorted(result.stages.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<48} {seconds:8.3f} s   {seconds / total:6.1%}")


if __name__ == "__main__":
    main()
