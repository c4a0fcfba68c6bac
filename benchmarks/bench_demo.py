"""The demo pack, as a new user meets it: `scmap demo` in a fresh process, and its stages.

Run: .venv/bin/python benchmarks/bench_demo.py [--repeat 3]

Prints, in one run: the wall time of `scmap demo` in a new process (imports included; the
median of --repeat runs), then in this process the stages of the same pack (importing scmap's
pipeline, the analysis, each file written) and the writing of the pack with the atlas drawn
beside the report (a forked child) against the same writing one file after the other.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCMAP = str(Path(sys.executable).parent / "scmap")


def _cold(repeat: int, folder: Path) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([SCMAP, "demo", "-o", str(folder / "cold"), "--overwrite"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _stages(folder: Path) -> dict[str, float]:
    out = {}
    start = time.perf_counter()
    import scmap
    from scmap.core import _beside
    from scmap.pipeline.results import run

    out["import the pipeline"] = time.perf_counter() - start
    start = time.perf_counter()
    results = run(scmap.demo_project_path())
    out["run (load, suitability, overlap)"] = time.perf_counter() - start
    results.save(folder / "warm", overwrite=True)  # first save: its own imports (matplotlib...)
    start = time.perf_counter()
    results.save(folder / "warm", overwrite=True)
    out["save, atlas beside the report"] = time.perf_counter() - start
    can_fork = _beside._can_fork
    _beside._can_fork = lambda: False
    try:
        start = time.perf_counter()
        results.save(folder / "warm", overwrite=True)
        out["save, one file after the other"] = time.perf_counter() - start
    finally:
        _beside._can_fork = can_fork
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cold = _cold(args.repeat, folder)
        stages = _stages(folder)
    print(f"scmap demo, a new process (median of {args.repeat}): {cold:.2f} s (target 5 s)")
    for name, seconds in stages.items():
        print(f"  {name:<36} {seconds:6.2f} s")
    beside, sequential = stages["save, atlas beside the report"], stages["save, one file after the other"]
    print(
        f"writing the pack: beside {beside:.2f} s / one after the other {sequential:.2f} s = x{beside / sequential:.2f}"
    )


if __name__ == "__main__":
    main()
