"""The atlas on paper: pages, legend, scale bar, north arrow, labels, A4 and A3, literal text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import scmap
from conftest import need
from scmap.cli.main import cli
from scmap.outputs.atlas import atlas_pages, write_atlas


def _pdf_text(path: Path, page: int) -> str:
    need(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) is not installed")
    done = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def _pdf_info(path: Path) -> dict[str, str]:
    need(shutil.which("pdfinfo") is not None, "poppler-utils (pdfinfo) is not installed")
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)}


@pytest.fixture(scope="module")
def demo():
    return scmap.run(scmap.demo_project_path())


def test_print_writes_one_page_per_colouring_with_legend_scale_and_north(demo, tmp_path: Path):
    out = tmp_path / "atlas.pdf"
    result = CliRunner().invoke(cli, ["print", str(scmap.demo_project_path()), "-o", str(out)])
    assert result.exit_code == 0, result.output
    info = _pdf_info(out)
    assert info["Pages"] == "4" and "(A4)" in info["Page size"]
    first = _pdf_text(out, 1)
    assert "EV charging: suitability" in first and "score (0-1)" in first  # title, legend
    assert "5 km" in first and "N" in first.split()  # scale bar, north arrow
    assert "Sredets" in first and "Krasno Selo" in first  # district labels
    assert ("scmap" in first and "2026" in first) or "20" in first  # date and credit line
    overview = _pdf_text(out, 4)
    assert "Solutions by sector" in overview and "Mobility (59)" in overview
    assert "Coverage gaps" in _pdf_text(out, 3)


def test_a3_and_literal_text(demo, tmp_path: Path):
    out = write_atlas(demo.report_input(), tmp_path / "a3.pdf", paper="a3")
    assert "(A3)" in _pdf_info(out)["Page size"]
    inp = demo.report_input()
    largest = inp.districts.geometry.area.idxmax()  # named first: never left out for lack of room
    inp.districts = inp.districts.assign(
        district_name=inp.districts["district_name"].where(inp.districts.index != largest, r"$\\frac{1}{$ Sredets")
    )
    out = write_atlas(inp, tmp_path / "math.pdf")
    assert r"$\\frac{1}{$ Sredets" in _pdf_text(out, 1)


def test_grid_units_add_a_district_roll_up_page(tmp_path: Path):
    import yaml

    from scmap.project.datasets import copy_demo

    project = copy_demo(tmp_path / "p")
    spec = yaml.safe_load(project.read_text(encoding="utf-8"))
    spec["suitability"]["units"] = {"grid_m": 1000}
    spec["suitability"].pop("sensitivity")
    project.write_text(yaml.safe_dump(spec), encoding="utf-8")
    titles = [p.title for p in atlas_pages(scmap.run(project).report_input())]
    assert "EV charging: mean score per district" in titles and len(titles) == 6


def test_district_names_on_paper_never_overlap(demo, tmp_path: Path):
    """Barcelona-like density: every name is placed largest district first, and none overlaps another."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scmap.outputs.atlas import PAPER, _draw

    inp = demo.report_input()
    inp.districts = inp.districts.assign(district_name=[f"A rather long district name {i}" for i in range(24)])
    fig = plt.figure(figsize=PAPER["a4"])
    _draw(fig, atlas_pages(inp)[0], inp)
    renderer = fig.canvas.get_renderer()
    names = [t for t in fig.axes[0].texts if t.get_text().startswith("A rather long")]
    boxes = [t.get_window_extent(renderer) for t in names]
    plt.close(fig)
    assert 0 < len(names) < 24  # some left out for room, the largest one kept
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_the_pack_holds_the_atlas(demo, tmp_path: Path):
    demo.save(tmp_path / "pack")
    assert _pdf_info(tmp_path / "pack" / "atlas.pdf")["Pages"] == "4"


def test_many_areas_are_one_path_per_colour_in_the_colours_geopandas_gives():
    """Above ``ONE_PATH_FROM`` areas, the atlas draws the areas of each colour as one compound
    path: the same colours geopandas gives each area (missing values in the missing colour),
    every area in exactly one path."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath
    from shapely import box

    from scmap.maps.export import ONE_PATH_FROM, plot_values

    side = 50
    squares = gpd.GeoDataFrame(geometry=[box(i, j, i + 1, j + 1) for i in range(side) for j in range(side)], crs=3857)
    assert len(squares) > ONE_PATH_FROM
    values = pd.Series(np.linspace(-0.2, 1.3, len(squares)))  # below and above the scale too
    values[::97] = np.nan
    ax = Figure().add_subplot()
    plot_values(ax, squares, values, cmap="RdYlBu", vmin=0, vmax=1, missing="#dddddd")
    patches = [a for a in ax.patches if isinstance(a, PathPatch)]
    reference = Figure().add_subplot()
    squares.assign(_v=values).plot(ax=reference, column="_v", cmap="RdYlBu", vmin=0, vmax=1, edgecolor="none",
                                   missing_kwds={"color": "#dddddd"})  # fmt: skip
    reference.figure.draw_without_rendering()  # the colours are given when the collection is drawn
    expected = {tuple(c) for coll in reference.collections for c in coll.get_facecolors()}
    assert {tuple(p.get_facecolor()) for p in patches} == expected and len(patches) == len(expected)
    assert sum(int((p.get_path().codes == MplPath.MOVETO).sum()) for p in patches) == len(squares)
    assert ax.dataLim.bounds == pytest.approx((0, 0, side, side))


def test_areas_without_a_value_get_a_legend_entry_only_when_there_are_some():
    """Grey areas (excluded units, districts without a value) are named in a legend entry that
    stays when the sectors' legend is drawn after it; without any, there is no entry."""
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    from scmap.maps.export import missing_legend

    ax = Figure().add_subplot()
    missing_legend(ax, pd.Series([0.2, 0.5]), "#dddddd", "excluded")
    assert ax.get_legend() is None and not ax.artists
    missing_legend(ax, pd.Series([0.2, np.nan]), "#dddddd", "ausgeschlossen")
    ax.legend(handles=[], loc="lower right")  # the sectors' legend, drawn later
    kept = [a for a in ax.artists if hasattr(a, "get_texts")]
    assert [t.get_text() for t in kept[0].get_texts()] == ["ausgeschlossen"]


def test_the_solutions_page_draws_a_few_sites_large(demo):
    """The atlas' page of solutions by sector: dots of 30 points² for the demo's 147, and of
    80 (about 3 mm, maps.export.dot_size) when a city has marked five sites."""
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PathCollection

    from scmap.outputs.atlas import PAPER, _draw

    def sizes(inp) -> set[float]:
        page = next(p for p in atlas_pages(inp) if p.column is None and p.sites is None)
        fig = plt.figure(figsize=PAPER["a4"])
        _draw(fig, page, inp)
        dots = [c for c in fig.axes[0].collections if isinstance(c, PathCollection) and len(c.get_offsets())]
        plt.close(fig)
        return {float(v) for c in dots for v in c.get_sizes()}

    inp = demo.report_input()
    assert sizes(inp) == {30.0}
    few = inp.solutions[inp.solutions.geom_type == "Point"].head(5)
    assert sizes(dataclasses.replace(inp, solutions=few)) == {80.0}


def test_a_name_shared_close_by_is_printed_once():
    """Census sections named after their neighbourhood: 'Sarrià' on two adjacent squares is
    printed once; a third 'Sarrià' across the page, and every other name, still are."""
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shapely

    from scmap.outputs.atlas import _labels

    xs = [0, 3000, 6000, 30_000]  # metres: three adjacent squares, one far away
    districts = gpd.GeoDataFrame(
        {"district_name": ["Sarrià", "Sarrià", "Gràcia", "Sarrià"]},
        geometry=[shapely.box(x, 0, x + 3000, 3000) for x in xs],
        crs="EPSG:32631",
    )
    fig, ax = plt.subplots(figsize=(11.69, 8.27))
    districts.plot(ax=ax)
    _labels(ax, districts)
    printed = sorted(t.get_text() for t in ax.texts)
    plt.close(fig)
    assert printed == ["Gràcia", "Sarrià", "Sarrià"]


@pytest.mark.parametrize(("width_km", "height_km"), [(4, 30), (30, 8)])
def test_the_colour_bar_stands_beside_the_map_and_the_map_in_the_middle(width_km: float, height_km: float):
    """A tall city (València with its southern districts is 13 x 32 km) leaves its axis' sides
    empty: the bar stands just right of the map as drawn, not at the page's edge, and the map is
    centred in what is left. A wide city fills the width; its bar stays on the page."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from scmap.core.i18n import english
    from scmap.maps._figure import quiet_figure
    from scmap.maps.export import plot_scored

    cells = [shapely.box(500_000, 4_400_000 + y * 1000, 500_000 + width_km * 1000, 4_401_000 + y * 1000)
             for y in range(int(height_km))]  # fmt: skip
    districts = gpd.GeoDataFrame({"district_id": [f"d{i}" for i in range(len(cells))]}, geometry=cells, crs=32630)
    fig = quiet_figure((11.69, 8.27))  # A4 landscape, as the atlas
    ax = fig.add_axes((0.02, 0.07, 0.96, 0.83))
    ax.set_aspect("equal")
    ax.set_axis_off()
    values = pd.Series(range(len(cells)), dtype=float) / len(cells)
    plot_scored(fig, ax, districts, values, districts, cmap="YlGn", vmin=0, vmax=1, label="score", msg=english(),
                shrink=0.45, pad=0.02, beside=True)  # fmt: skip
    fig.canvas.draw()
    drawn, bar = ax.get_window_extent(), fig.axes[-1].get_window_extent()
    page = fig.bbox.width
    assert 0 < bar.x0 - drawn.x1 < 0.03 * page  # beside the map
    assert fig.axes[-1].get_tightbbox().x1 < page  # the bar's ticks and label on the page
    assert abs((drawn.x0 + drawn.x1) / 2 - page / 2) < 0.08 * page  # the map in the middle (less the bar's inch)
