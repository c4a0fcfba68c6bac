"""Score ~100k grid cells on 25 criteria (5 of each kind): scmap vs a plain geopandas version.

Run: .venv/bin/python benchmarks/bench_suitability.py [--cells 100000]
Prints, in one run, the time of scmap's suitability() and of the same criteria computed with
ordinary geopandas calls (sjoin_nearest, sjoin + groupby, overlay, merge), plus the ratio, and
checks that both give the same scores.
"""

from __future__ import annotations

import argparse
import math
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from scmap.analysis.suitability import grid_units, suitability
from scmap.project.spec import ModelSpec

CRS = "EPSG:32634"
SIDE = 10_000.0


def make_data(seed: int = 3):
    rng = np.random.default_rng(seed)
    k = 4
    step = SIDE / k
    boxes = [shapely.box(i * step, j * step, (i + 1) * step, (j + 1) * step) for j in range(k) for i in range(k)]
    districts = gpd.GeoDataFrame(
        {
            "district_id": [f"D{i:02d}" for i in range(len(boxes))],
            **{f"attr{a}": rng.uniform(0, 100, len(boxes)) for a in range(5)},
        },
        geometry=boxes,
        crs=CRS,
    )
    layers = {}
    for i in range(5):
        layers[f"pts{i}"] = gpd.GeoDataFrame(geometry=shapely.points(rng.uniform(0, SIDE, (800, 2))), crs=CRS)
        centres = rng.uniform(0, SIDE, (40, 2))
        layers[f"zones{i}"] = gpd.GeoDataFrame(
            geometry=shapely.buffer(shapely.points(centres), rng.uniform(200, 900, 40)), crs=CRS
        )
    return districts, layers


def spec() -> ModelSpec:
    criteria = {}
    for i in range(5):
        criteria[f"a{i}"] = {"attribute": f"attr{i}"}
        criteria[f"d{i}"] = {"distance_to": f"pts{i}"}
        criteria[f"n{i}"] = {"count_of": f"pts{i}"}
        criteria[f"c{i}"] = {"coverage_of": f"zones{i}"}
        criteria[f"i{i}"] = {"inside": f"zones{i}"}
    return ModelSpec.model_validate({"criteria": criteria})


def plain_geopandas(units: gpd.GeoDataFrame, districts, layers) -> np.ndarray:
    """The same 25 criteria the way a hand-written notebook would compute them."""
    cols = {}
    centroids = gpd.GeoDataFrame({"unit_id": units["unit_id"]}, geometry=units.centroid, crs=CRS)
    for i in range(5):
        cols[f"a{i}"] = units[["district_id"]].merge(districts[["district_id", f"attr{i}"]], how="left")[f"attr{i}"]
        near = gpd.sjoin_nearest(centroids, layers[f"pts{i}"], distance_col="dist")
        cols[f"d{i}"] = near.groupby("unit_id")["dist"].first().reindex(units["unit_id"]).to_numpy()
        joined = gpd.sjoin(layers[f"pts{i}"], units[["unit_id", "geometry"]], predicate="intersects")
        joined = joined[~joined.index.duplicated()]
        cols[f"n{i}"] = joined.groupby("unit_id").size().reindex(units["unit_id"], fill_value=0).to_numpy()
        zones = gpd.GeoDataFrame(geometry=[layers[f"zones{i}"].union_all()], crs=CRS)
        pieces = gpd.overlay(units[["unit_id", "geometry"]], zones, how="intersection")
        covered = pieces.assign(a=pieces.area).groupby("unit_id")["a"].sum()
        cols[f"c{i}"] = covered.reindex(units["unit_id"], fill_value=0).to_numpy() / units.area.to_numpy()
        inside = gpd.sjoin(centroids, layers[f"zones{i}"], predicate="within")
        cols[f"i{i}"] = units["unit_id"].isin(inside["unit_id"]).astype(float).to_numpy()
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in cols.items()})
    std = (frame - frame.min()) / (frame.max() - frame.min())
    for i in range(5):
        std[f"d{i}"] = 1 - std[f"d{i}"]  # nearer is better
    return std.mean(axis=1).to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=100_000)
    args = parser.parse_args()
    districts, layers = make_data()
    grid_m = SIDE / math.sqrt(args.cells)
    t0 = time.perf_counter()
    units = grid_units(districts, grid_m)
    t_units = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = suitability(units, {"ev_charging": spec()}, districts=districts, layers=layers)
    t_scmap = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain = plain_geopandas(units, districts, layers)
    t_plain = time.perf_counter() - t0
    ours = result.units["ev_charging_score"].to_numpy()
    diff = float(np.nanmax(np.abs(ours - plain)))
    print(
        f"{len(units)} grid cells of {grid_m:.1f} m, 25 criteria (5 x attribute, distance_to, count_of, "
        f"coverage_of, inside); max score difference scmap vs plain: {diff:.2e}"
    )
    print(f"  grid units (make + clip)          {t_units:8.2f} s")
    print(f"  scmap suitability()               {t_scmap:8.2f} s   x1.00")
    print(f"  plain geopandas, same criteria    {t_plain:8.2f} s   x{t_plain / t_scmap:.2f} of scmap")


if __name__ == "__main__":
    main()
