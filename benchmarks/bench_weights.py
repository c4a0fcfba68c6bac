"""The weights panel on a large map: 100 000 grid cells, 10 criteria.

Run: .venv/bin/python benchmarks/bench_weights.py [--cells 100000]
Prints, in one run, the size of map.html without and with the panel's data (the ratio is the
panel's cost), and the time Chromium takes to re-score every cell for new weights through
``window.scmap.setWeights`` (median of several calls), plus the recolouring of the visible layer.
Needs /usr/bin/chromium (scripts/test.sh installs it).
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from bench_suitability import SIDE, make_data

from scmap.analysis.suitability import grid_units, suitability
from scmap.maps import save_html, solution_map
from scmap.maps.layers import MapOptions
from scmap.project.spec import ModelSpec


def model() -> ModelSpec:
    criteria: dict[str, dict[str, object]] = {}
    for i in range(3):
        criteria[f"a{i}"] = {"attribute": f"attr{i}", "better": "higher"}
        criteria[f"d{i}"] = {"distance_to": f"pts{i}", "fuzzy": [100, 1500]}
        criteria[f"n{i}"] = {"count_of": f"pts{i}", "better": "higher"}
    criteria["c0"] = {"coverage_of": "zones0", "better": "higher"}
    return ModelSpec.model_validate({"criteria": criteria})


def browser_rescore(path: Path, runs: int) -> tuple[float, float, float]:
    """(page ready s, median re-score s, median re-score + recolour s) in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        start = time.perf_counter()
        page.goto(path.as_uri(), timeout=600_000)
        page.wait_for_function("window.scmap !== undefined", timeout=600_000)
        ready = time.perf_counter() - start
        score_only = page.evaluate(
            """(runs) => { const m = window.scmap.models.ev_charging, out = [];
                 for (let r = 0; r < runs; r++) {
                   const w = m.criteria.map(() => Math.random() + 0.01);
                   const t = performance.now(); m.weights = w; m.rescore(); out.push(performance.now() - t); }
                 return out; }""",
            runs,
        )
        page.evaluate("window.scmap.showModel('ev_charging')")
        with_colour = page.evaluate(
            """(runs) => { const keys = Object.keys(window.scmap.weights('ev_charging')), out = [];
                 for (let r = 0; r < runs; r++) {
                   const w = {}; keys.forEach(k => { w[k] = Math.random() + 0.01; });
                   const t = performance.now(); window.scmap.setWeights('ev_charging', w);
                   out.push(performance.now() - t); }
                 return out; }""",
            runs,
        )
        browser.close()
    return ready, statistics.median(score_only) / 1000, statistics.median(with_colour) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    districts, layers = make_data()
    units = grid_units(districts, SIDE / math.sqrt(args.cells))
    start = time.perf_counter()
    result = suitability(units, {"ev_charging": model()}, districts=districts, layers=layers)
    print(
        f"{len(units)} cells x {len(result.models['ev_charging'].criteria)} criteria scored in "
        f"{time.perf_counter() - start:.1f} s"
    )
    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for live in (False, True):
            path = Path(tmp) / f"map_live_{live}.html"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fmap = solution_map(districts, suitability=result, options=MapOptions(live_weights=live))
                save_html(fmap, path, inline=True, max_mb=None)
            sizes[live] = path.stat().st_size / 1e6
        print(
            f"map.html without the panel data {sizes[False]:.1f} MB, with it {sizes[True]:.1f} MB "
            f"(x{sizes[True] / sizes[False]:.2f}; +{(sizes[True] / sizes[False] - 1):.0%})"
        )
        ready, score, colour = browser_rescore(Path(tmp) / "map_live_True.html", args.runs)
    print(
        f"Chromium: page ready in {ready:.1f} s; re-scoring {len(units)} cells: {score * 1000:.0f} ms "
        f"(median of {args.runs}); with recolouring the visible layer: {colour * 1000:.0f} ms"
    )
    baseline = np.random.default_rng(0).random((len(units), 10))
    start = time.perf_counter()
    for _ in range(args.runs):
        baseline @ np.random.default_rng(1).random(10)
    print(f"baseline: numpy WLC of the same matrix {((time.perf_counter() - start) / args.runs) * 1000:.1f} ms a call")


if __name__ == "__main__":
    main()
