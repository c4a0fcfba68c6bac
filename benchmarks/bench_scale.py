"""Growth of a whole run with the number of solutions: the pack as ``scmap run`` writes it
(``scmap.run(pack_folder=...)`` + ``Results.write_files`` into the pack's temporary folder) on a
synthetic region, per stage, with peak memory and the size of map.html.

Run: .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 10000 100000] [--districts 400]
     [--workers 2]

The region is the one of the scale issue: square districts over 40 km x 40 km, points half
clustered around 30 centres and half uniform, 6 solution types in 3 sectors, the default overlap,
no suitability. Each size runs in a fresh process: "peak GB" is that process's maximum resident
size, "all GB" the peak of the proportional memory (PSS) of it and every worker and writer it
forked, sampled every 0.2 s. The last columns compare with the smallest size: time ratio and
the ratio that linear growth would give.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import psutil
import shapely
import yaml

TYPES = [("ev_charging", "mobility"), ("bike_sharing", "mobility"), ("rooftop_pv", "energy"),
         ("district_heating", "energy"), ("public_wifi", "ict"), ("air_quality_sensor", "ict")]  # fmt: skip
SIDE_M = 40_000.0
ORIGIN = np.array([400_000.0, 4_600_000.0])


def region(folder: Path, n: int, districts: int, seed: int = 7, side_m: float = SIDE_M) -> Path:
    """Write the synthetic region (districts, solutions, project.yaml) into *folder*; a larger
    *side_m* spreads the clusters in proportion."""
    rng = np.random.default_rng(seed)
    k = int(math.sqrt(districts))
    cell = side_m / k
    corners = [
        (ORIGIN + np.array([i, j]) * cell, ORIGIN + np.array([i + 1, j + 1]) * cell) for i in range(k) for j in range(k)
    ]
    boxes = [shapely.box(*low, *high) for low, high in corners]
    gpd.GeoDataFrame({"district_id": [f"d{i}" for i in range(len(boxes))]}, geometry=boxes, crs="EPSG:32631").to_file(
        folder / "districts.gpkg"
    )
    centres = rng.uniform(0, side_m, size=(30, 2))
    half = n // 2
    clustered = centres[rng.integers(0, 30, size=half)] + rng.normal(0, 1200 * side_m / SIDE_M, size=(half, 2))
    uniform = rng.uniform(0, side_m, size=(n - half, 2))
    xy = np.clip(np.vstack([clustered, uniform]), 1, side_m - 1) + ORIGIN
    kinds = rng.integers(0, len(TYPES), size=n)
    gpd.GeoDataFrame(
        {"ref": [f"s{i}" for i in range(n)], "solution": [TYPES[t][0] for t in kinds]},
        geometry=shapely.points(xy),
        crs="EPSG:32631",
    ).to_file(folder / "solutions.gpkg")
    project = {
        "name": f"Synthetic region, {n} solutions",
        "crs": "EPSG:32631",
        "districts": {"path": "districts.gpkg", "id": "district_id"},
        "solutions": [{"path": "solutions.gpkg", "solution_field": "solution", "id": "ref"}],
        "map": {"basemap": "none", "max_html_mb": 1000},
        "limits": {"max_vertices": 1_000_000_000},
    }
    (folder / "project.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    return folder / "project.yaml"


def _peak_gb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def floors(results: object) -> dict[str, float]:
    """The same stages done the plain shapely way on the same circles and districts: buffers,
    an STRtree self-join, and each sector's union clipped to each district (a global union)."""
    areas, districts = results.overlap.service_areas, results.districts  # type: ignore[attr-defined]
    points = shapely.centroid(np.asarray(areas.geometry.array, dtype=object))
    radius = np.sqrt(shapely.area(np.asarray(areas.geometry.array, dtype=object)) / math.pi)
    out: dict[str, float] = {}
    start = time.perf_counter()
    circles = shapely.buffer(points, radius, quad_segs=16)
    out["service areas"] = time.perf_counter() - start
    start = time.perf_counter()
    shapely.STRtree(circles).query(circles, predicate="intersects")
    out["pairs"] = time.perf_counter() - start
    start = time.perf_counter()
    d_geoms = np.asarray(districts.geometry.array, dtype=object)
    for sector in sorted(set(areas["sector"])):
        union = shapely.union_all(circles[(areas["sector"] == sector).to_numpy()])
        shapely.area(shapely.intersection(d_geoms, union))
    out["coverage"] = time.perf_counter() - start
    return out


def explore_mb(project: str) -> float:
    """Size of geopandas ``explore()``'s HTML of the same districts and solutions."""
    folder = Path(project).parent
    fmap = gpd.read_file(folder / "districts.gpkg").explore()
    gpd.read_file(folder / "solutions.gpkg").explore(m=fmap)
    with tempfile.TemporaryDirectory() as tmp:
        fmap.save(Path(tmp) / "explore.html")
        return (Path(tmp) / "explore.html").stat().st_size / 1e6


def _watch_overlap_stages() -> dict[str, float]:
    """Peak memory by the end of each overlap stage, recorded as the stages finish."""
    import importlib

    stages = importlib.import_module("scmap.analysis.overlap")._Stages  # the module (scmap.overlap is also a function)
    peaks: dict[str, float] = {}
    run = stages.run

    def watched(self: object, name: str, fn: object) -> object:
        out = run(self, name, fn)  # type: ignore[arg-type]
        peaks[name] = _peak_gb()
        return out

    stages.run = watched  # type: ignore[method-assign]
    return peaks


def measure(project: str, outdir: str, workers: int | None, compare: bool = False) -> dict[str, object]:
    """One run in this process: seconds per stage, peak memory, sizes."""
    import warnings

    import scmap
    from scmap.core._atomic import open_pack
    from scmap.pipeline.results import CONTRACT_FILES, pack_manifest

    warnings.simplefilter("ignore")
    peaks = _watch_overlap_stages()
    loaded = scmap.load_project(project)
    with open_pack(Path(outdir), overwrite=True, known=CONTRACT_FILES, **pack_manifest(loaded)) as tmp:
        results, ran = _run(loaded, workers, tmp)  # as ``scmap run`` does: the pairs written from when they are known
        peaks["run"] = _peak_gb()
        saved, stages = _write(results, tmp, peaks)
    return {
        "run_s": ran,
        "save_s": saved,
        "overlap_stages": results.overlap.stages,
        "save_stages": stages,
        "peak_gb": _peak_gb(),
        "peak_by_stage": peaks,
        "map_mb": (Path(outdir) / "map.html").stat().st_size / 1e6,
        "pairs": len(results.overlap.pairs),
        "floors": floors(results) if compare else {},
        "explore_mb": explore_mb(project) if compare else None,
    }


def _run(project: Any, workers: int | None, folder: Path) -> tuple[Any, float]:
    import scmap

    start = time.perf_counter()
    results = scmap.run(project, workers=workers, pack_folder=folder)
    return results, time.perf_counter() - start


def _write(results: Any, folder: Path, peaks: dict[str, float]) -> tuple[float, dict[str, float]]:
    """``Results.write_files`` (what ``Results.save`` and ``scmap run`` call): seconds, and per step."""
    stages: dict[str, float] = {}
    current = ["", time.perf_counter()]

    def say(step: str) -> None:  # each step's time (and the peak memory by its end) goes to that step
        now = time.perf_counter()
        if current[0]:
            stages[str(current[0])] = now - float(current[1])
            peaks[str(current[0])] = _peak_gb()
        current[:] = [step, now]

    start = time.perf_counter()
    results.write_files(folder, progress=say)
    saved = time.perf_counter() - start
    say("")
    return saved, stages


def _tree_pss_gb(process: psutil.Process) -> float:
    """Proportional memory (PSS) of a process and all its children: pages forked children share
    with their parent are counted once, divided between them."""
    total = 0
    for each in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += each.memory_full_info().pss
    return total / 1e9


def _watched(command: list[str], env: dict[str, str]) -> tuple[int, str, str, float]:
    """Run *command*; its exit code, output and the peak memory of it and every process it
    started (sampled every 0.2 s)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env)
        watched, peak = psutil.Process(child.pid), 0.0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, _tree_pss_gb(watched))
            time.sleep(0.2)
        out.seek(0), err.seek(0)
        return child.returncode, out.read(), err.read(), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--districts", type=int, default=400)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--side-km", type=float, default=SIDE_M / 1000, help="side of the square region")
    parser.add_argument(
        "--compare-up-to", type=int, default=100_000, help="largest size also timed the plain shapely way and "
        "drawn by geopandas explore() (both grow much faster than linearly)"
    )  # fmt: skip
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # PROJECT OUTDIR: measure in this process
    args = parser.parse_args()
    if args.one:
        compare = os.environ.get("SCMAP_BENCH_COMPARE") == "1"
        print(json.dumps(measure(args.one[0], args.one[1], args.workers, compare)))
        return
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            project = region(Path(tmp), n, args.districts, side_m=args.side_km * 1000)
            command = [sys.executable, __file__, "--one", str(project), str(Path(tmp) / "pack")]
            command += ["--workers", str(args.workers)] if args.workers else []
            env = os.environ | {"SCMAP_BENCH_COMPARE": "1" if n <= args.compare_up_to else "0"}
            code, stdout, stderr, every_gb = _watched(command, env)
            if code != 0:
                sys.exit(f"{n} solutions failed:\n{stderr}")
            rows.append((n, json.loads(stdout.strip().splitlines()[-1]) | {"every_gb": every_gb}))
    base_n, base = rows[0]
    print(f"{'solutions':>10} {'run s':>8} {'save s':>8} {'total s':>8} {'peak GB':>8} {'all GB':>7} {'map MB':>7}"
          f" {'pairs':>10} {'ratio':>7} {'linear':>7}")  # fmt: skip
    for n, r in rows:
        total = float(r["run_s"]) + float(r["save_s"])  # type: ignore[arg-type]
        ratio = total / (float(base["run_s"]) + float(base["save_s"]))  # type: ignore[arg-type]
        print(f"{n:>10} {r['run_s']:>8.1f} {r['save_s']:>8.1f} {total:>8.1f} {r['peak_gb']:>8.2f} {r['every_gb']:>7.2f}"
              f" {r['map_mb']:>7.1f} {r['pairs']:>10} {ratio:>7.1f} {n / base_n:>7.0f}")  # fmt: skip
    print("\nper stage (s):")
    for n, r in rows:
        stages = {**r["overlap_stages"], **r["save_stages"]}  # type: ignore[dict-item]
        print(f"{n:>10} " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items() if v >= 0.05))
    print("\nagainst the plain shapely floor of the same stage (s):")
    for n, r in rows:
        mine, floor = r["overlap_stages"], r["floors"]
        shown = [f"{k} {mine[k]:.1f} vs {v:.1f} (x{mine[k] / v:.2f})" for k, v in floor.items()]  # type: ignore
        print(f"{n:>10} " + ", ".join(shown))
    print("\nmap.html against geopandas explore() of the same districts and solutions (MB):")
    for n, r in rows:
        if r["explore_mb"]:
            print(f"{n:>10} {r['map_mb']:.2f} vs {r['explore_mb']:.2f} (x{r['map_mb'] / r['explore_mb']:.2f})")  # type: ignore[operator]
    print("\npeak memory by the end of each stage (GB):")
    for n, r in rows:
        print(f"{n:>10} " + ", ".join(f"{k} {v:.2f}" for k, v in r["peak_by_stage"].items()))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
