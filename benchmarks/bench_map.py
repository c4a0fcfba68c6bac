"""HTML size and time to first render in Chromium: scmap's map vs geopandas explore().

Run: .venv/bin/python benchmarks/bench_map.py [--sizes 1000 10000 100000]
     .venv/bin/python benchmarks/bench_map.py --pages PACK/map.html ...   (pages already written,
     e.g. by bench_scale.py or ``scmap run``: size and first render against the scale issue's
     10 MB and 3 s)
Needs Debian chromium and the npm assets of the browser tests (bash scripts/test.sh installs
both). Leaflet is served from those assets; other CDN files that explore() asks for (jQuery,
Bootstrap, icon fonts) are answered empty, and tiles with a blank image, so that only the
map's own work is timed. Prints, in one run, sizes, times and the ratios explore / scmap.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _browser import ASSETS
from scmap import load_inputs, load_project, solution_map
from scmap.maps import save_html
from scmap.project.datasets import demo_project_path

TYPES = [("ev_charging", "mobility"), ("public_wifi", "ict"), ("rooftop_pv", "energy"), ("bike_sharing", "mobility")]
_LEAFLET = re.compile(r"/npm/(leaflet|leaflet\.markercluster)@[^/]+/dist/(.+)$")


def make_solutions(n: int, districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(n)
    minx, miny, maxx, maxy = districts.total_bounds
    pick = rng.integers(len(TYPES), size=n)
    return gpd.GeoDataFrame(
        {
            "solution_id": [f"s{i}" for i in range(n)],
            "name": [f"site {i}" for i in range(n)],
            "sector": [TYPES[k][1] for k in pick],
            "solution": [TYPES[k][0] for k in pick],
            "status": "existing",
            "radius_m": np.nan,
            "source": "bench",
            "source_row": np.arange(1, n + 1),
        },
        geometry=shapely.points(rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)),
        crs=districts.crs,
    )


def first_render(browser, path: Path, ready: str, timeout_s: float) -> float | None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def route(r):
        url = r.request.url
        m = _LEAFLET.search(url)
        if url.startswith("file:"):
            r.continue_()
        elif m:
            r.fulfill(path=str(ASSETS / m.group(1) / "dist" / m.group(2)))
        else:
            r.fulfill(status=200, body="")

    page.route("**/*", route)
    start = time.perf_counter()
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=timeout_s * 1000)
        page.wait_for_function(ready, timeout=timeout_s * 1000)
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return time.perf_counter() - start
    except Exception:
        return None
    finally:
        page.close()


PAGE_MB, PAGE_S = 10.0, 3.0
"""The large map's targets: at most 10 MB, first painted in at most 3 s."""


def pages(paths: list[Path], timeout_s: float) -> None:
    """Size and first render of map pages already written, three renders each (median)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        print("page | MB | vs 10 MB | first render (median of 3) | vs 3 s")
        for path in paths:
            times = sorted(
                t for t in (first_render(browser, path, "window.scmap !== undefined", timeout_s) for _ in range(3)) if t
            )
            mb = path.stat().st_size / 1e6
            shown = (
                f"{times[len(times) // 2]:.2f} s | x{times[len(times) // 2] / PAGE_S:.2f}" if times else "failed | -"
            )
            print(f"{path} | {mb:.2f} | x{mb / PAGE_MB:.2f} | {shown}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds before a render counts as failed")
    parser.add_argument("--pages", type=Path, nargs="+", help="time these map pages instead")
    args = parser.parse_args()
    if args.pages:
        pages(args.pages, args.timeout)
        return
    from playwright.sync_api import sync_playwright

    districts = load_inputs(load_project(demo_project_path())).districts.gdf
    tmp = Path(tempfile.mkdtemp(prefix="scmap-bench-"))
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for n in args.sizes:
            sols = make_solutions(n, districts)
            ours = tmp / f"scmap_{n}.html"
            t0 = time.perf_counter()
            save_html(solution_map(districts, sols, basemap="osm"), ours, max_mb=None)
            t_ours_build = time.perf_counter() - t0
            theirs = tmp / f"explore_{n}.html"
            t0 = time.perf_counter()
            sols.explore(column="sector", tiles="OpenStreetMap").save(str(theirs))
            t_theirs_build = time.perf_counter() - t0
            r_ours = first_render(browser, ours, "window.scmap !== undefined", args.timeout)
            r_theirs = first_render(browser, theirs, "document.readyState === 'complete'", args.timeout)
            rows.append(
                (
                    n,
                    ours.stat().st_size / 1e6,
                    theirs.stat().st_size / 1e6,
                    t_ours_build,
                    t_theirs_build,
                    r_ours,
                    r_theirs,
                )
            )
        browser.close()

    def fmt(t: float | None) -> str:
        return f"{t:7.2f} s" if t is not None else f">{args.timeout:.0f} s"

    print(
        "solutions | HTML scmap | HTML explore | size ratio | build scmap | build explore | render scmap | "
        "render explore | render ratio"
    )
    for n, s_ours, s_theirs, b_ours, b_theirs, r_ours, r_theirs in rows:
        ratio = f"x{r_theirs / r_ours:.2f}" if r_ours and r_theirs else "n/a"
        print(
            f"{n:9d} | {s_ours:7.2f} MB | {s_theirs:9.2f} MB | {s_theirs / s_ours:9.2f}x | {b_ours:9.2f} s |"
            f" {b_theirs:11.2f} s | {fmt(r_ours)} | {fmt(r_theirs)} | {ratio}"
        )


if __name__ == "__main__":
    main()
