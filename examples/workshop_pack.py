"""Make the workshop pack from Python and embed the map in a page of your own.

Run: python examples/workshop_pack.py [PROJECT.yaml] [OUTDIR]
Without arguments it uses the bundled Sofia demo and writes to ./workshop-pack.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

import scmap
from scmap.maps import embed_html


def main(project: Path, outdir: Path) -> None:
    results = scmap.run(project, progress=lambda step: print(f"... {step}", file=sys.stderr))
    paths = results.save(outdir, overwrite=True)
    worst = results.summary.sort_values("gap_rank").iloc[0]
    page = (
        "<!DOCTYPE html><meta charset='utf-8'><title>Workshop note</title>"
        f"<h1>{html.escape(results.project.name)}</h1>"
        f"<p>Worst-served district: {html.escape(str(worst['district_name']))}.</p>"
        + embed_html(results.map(), height=500)
    )
    (outdir / "my_note.html").write_text(page, encoding="utf-8")
    for name, path in paths.items():
        print(f"{name:16} {path}")
    print(f"{'my_note.html':16} {outdir / 'my_note.html'}")


if __name__ == "__main__":
    project = Path(sys.argv[1]) if len(sys.argv) > 1 else scmap.demo_project_path()
    outdir = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("workshop-pack")
    main(project, outdir)
