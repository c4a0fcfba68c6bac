"""Map outputs: inline assets, embeddable fragment, static PNG, size warning, vendored copies."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from scmap import load_inputs, load_project, solution_map
from scmap.analysis.suitability import suitability_project
from scmap.maps import MapOptions, embed_html, save_html, static_map
from scmap.maps.export import render_html
from scmap.project.datasets import demo_project_path

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo():
    return load_inputs(load_project(demo_project_path()))


def test_vendored_assets_are_the_npm_packages():
    vendor = REPO / "src" / "scmap" / "maps" / "vendor"
    npm = REPO / "tests" / "browser_assets" / "node_modules"
    if not (npm / "leaflet").is_dir():
        pytest.skip("npm assets not installed (scripts/test.sh installs them)")
    pairs = {
        "leaflet.js": npm / "leaflet/dist/leaflet.js",
        "leaflet.css": npm / "leaflet/dist/leaflet.css",
        "leaflet.markercluster.js": npm / "leaflet.markercluster/dist/leaflet.markercluster.js",
    }
    for name, source in pairs.items():
        assert (vendor / name).read_bytes() == source.read_bytes(), name
    assert (vendor / "leaflet.LICENSE").exists()
    assert (vendor / "leaflet.markercluster.LICENSE").exists()
    icons = sorted((npm / "@mapbox/maki/icons").glob("*.svg"))
    assert len(icons) > 200
    assert [p.name for p in icons] == sorted(p.name for p in (vendor / "maki").glob("*.svg"))
    for icon in icons:
        assert (vendor / "maki" / icon.name).read_bytes() == icon.read_bytes(), icon.name
    assert "CC0" in (vendor / "maki" / "LICENSE.txt").read_text(encoding="utf-8")


def test_every_catalogue_type_has_its_own_svg_symbol():
    from scmap import load_catalogue
    from scmap.maps._icons import symbol_paths

    cat = load_catalogue()
    symbols = [cat.solutions[k].symbol for k in cat.solutions]
    assert len(set(symbols)) == len(symbols)  # distinct per type, also within a sector
    for key, sol in cat.solutions.items():
        assert symbol_paths(sol.symbol) != symbol_paths("marker") or sol.symbol == "marker", key


def test_inline_html_has_no_cdn_scripts(demo):
    page = render_html(solution_map(demo.districts.gdf, demo.solutions, basemap="none"), inline=True)
    assert "cdn.jsdelivr.net" not in page
    assert "url(images/" not in page  # Leaflet's control images are inlined as data URIs
    assert "L.Map" in page or "L.map" in page  # Leaflet itself is in the page
    linked = render_html(solution_map(demo.districts.gdf, demo.solutions, basemap="none"))
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/npm/leaflet@1\.9\.4/dist/leaflet\.js">', linked)


def test_embed_fragment_is_one_escaped_iframe(demo):
    fragment = embed_html(solution_map(demo.districts.gdf, demo.solutions, title="<b>Sofia</b>"), height=420)
    assert fragment.startswith('<iframe srcdoc="') and fragment.endswith("</iframe>")
    assert fragment.count("<iframe") == 1 and "<script" not in fragment  # the page is escaped text
    assert 'sandbox="allow-scripts' in fragment and "height:420px" in fragment
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', fragment).group(1))
    assert "scmapRender(" in inner and "<title>&lt;b&gt;Sofia&lt;/b&gt;</title>" in inner


def test_size_warning_gives_figures(demo, tmp_path: Path):
    fmap = solution_map(demo.districts.gdf, demo.solutions, options=MapOptions(simplify_m=0))
    with pytest.warns(UserWarning, match=r"map\.html: the map is 0\.\d MB \(limit 0\.01 MB\)"):
        save_html(fmap, tmp_path / "map.html", max_mb=0.01)


def test_static_png(demo, tmp_path: Path):
    out = tmp_path / "map.png"
    result = suitability_project(demo)
    static_map(demo.districts.gdf, demo.solutions, out, suitability=result, model="ev_charging", title="Sofia")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1350, 1200)  # 9 x 8 inches at 150 dpi
    plain = tmp_path / "plain.png"
    static_map(demo.districts.gdf, demo.solutions, plain)
    assert plain.stat().st_size > 10_000


def test_a_static_map_is_drawn_once_when_saved(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Its layers and its tight layout draw nothing; saving draws it once (``tight_layout`` left a
    layout engine behind, and ``savefig`` drew such a figure twice)."""
    from matplotlib.figure import Figure

    draws: list[object] = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(self) or draw(self, renderer))
    fig = static_map(demo.districts.gdf, demo.solutions, suitability=suitability_project(demo), model="ev_charging")
    assert draws == []
    fig.savefig(tmp_path / "map.png", dpi=50)
    assert draws == [fig]


def test_print_draws_very_many_solutions_as_counts_per_cell(tmp_path: Path):
    """Above DENSITY_FROM solutions, a static map draws each sector as one image of counts (its
    time and size do not grow with the solutions); every solution is counted once."""
    import geopandas as gpd
    import numpy as np
    import shapely
    from matplotlib.image import AxesImage

    from scmap.maps import export
    from scmap.maps.export import _density

    inputs = load_inputs(load_project(demo_project_path()))
    districts = inputs.districts.gdf
    b = districts.total_bounds
    n = export.DENSITY_FROM + 5_000
    rng = np.random.default_rng(3)
    points = shapely.points(rng.uniform(b[0], b[2], n), rng.uniform(b[1], b[3], n))
    sectors = np.where(np.arange(n) % 3 == 0, "energy", "mobility")
    many = gpd.GeoDataFrame({"sector": sectors, "solution": "x"}, geometry=points, crs=districts.crs)
    fig = static_map(districts, many, path=tmp_path / "many.png")
    ax = fig.axes[0]
    assert sum(isinstance(a, AxesImage) for a in ax.get_images()) == 2  # one per sector
    assert all(len(c.get_offsets()) < 1000 for c in ax.collections)  # no layer of a dot per solution
    counts = _density(ax, many.loc[many["sector"] == "energy"], "#ff0000", many.total_bounds)
    assert counts.sum() == (sectors == "energy").sum()
    few = static_map(districts, inputs.solutions)  # the demo's 147: one dot each, as before
    assert not few.axes[0].get_images()


def test_a_printed_map_of_a_few_sites_draws_them_large(demo):
    """Five marked sites get dots of 80 points² (about 3 mm), the demo's 147 of 14 x sqrt(400 / 147)
    and 2,000 of 14: dots shrink as they grow many, and a handful still shows on paper."""
    from matplotlib.collections import PathCollection

    def sizes(solutions) -> set[float]:
        fig = static_map(demo.districts.gdf, solutions)
        dots = [c for c in fig.axes[0].collections if isinstance(c, PathCollection) and len(c.get_offsets())]
        assert sum(len(c.get_offsets()) for c in dots) == (solutions.geom_type == "Point").sum()  # a dot each
        return {round(float(v), 2) for c in dots for v in c.get_sizes()}

    assert sizes(demo.solutions.head(5)) == {80.0}
    assert sizes(demo.solutions) == {23.09} and len(demo.solutions) == 147  # 14 x 1.6496
    assert sizes(demo.solutions.sample(2_000, replace=True, random_state=1)) == {14.0}
