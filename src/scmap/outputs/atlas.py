"""atlas.pdf: the workshop map on paper, one landscape page per colouring plus a solutions overview.

Each page has a title, the project's name, a legend, a scale bar, a north arrow, the date, the
data attribution and district labels, drawn by matplotlib as vector graphics (no browser). Data
text is drawn literally (no mathtext).

Examples
--------
>>> import scmap, tempfile, pathlib
>>> results = scmap.run(scmap.demo_project_path())
>>> out = write_atlas(results.report_input(), pathlib.Path(tempfile.mkdtemp()) / "atlas.pdf")
>>> out.read_bytes()[:4], len(atlas_pages(results.report_input()))
(b'%PDF', 4)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from scmap.core._atomic import atomic_file
from scmap.core._text import mpl_literal
from scmap.core.i18n import Messages
from scmap.maps._figure import quiet_figure
from scmap.maps.export import dot_size, plot_districts, plot_scored, plot_solutions

if TYPE_CHECKING:
    from scmap.outputs.report import ReportInput

__all__ = ["PAPER", "AtlasPage", "atlas_pages", "write_atlas"]

Paper = Literal["a4", "a3"]
PAPER: dict[str, tuple[float, float]] = {"a4": (11.69, 8.27), "a3": (16.54, 11.69)}
"""Landscape page sizes in inches."""
MAX_LABELS = 150
"""Districts labelled on a page (the largest first) so that names stay readable."""
SCORE_CMAP, GAP_CMAP = "YlGn", "RdYlBu"


@dataclass
class AtlasPage:
    """One page: a title and what colours the areas (a column of *areas*, or nothing)."""

    title: str
    areas: gpd.GeoDataFrame
    column: str | None
    cmap: str = SCORE_CMAP
    legend: str = ""
    vmin: float = 0.0
    vmax: float = 1.0
    sites: gpd.GeoDataFrame | None = None
    """The workshop room's sites, for the page of what the room decided."""


def atlas_pages(inp: ReportInput) -> list[AtlasPage]:
    """Return the atlas pages.

    The pages: each suitability model, district roll-ups (grid or H3 units), coverage gaps, and
    the solutions overview.
    """
    cat, suit, msg = inp.catalogue, inp.suitability, inp.messages
    pages = []
    per_district = len(suit.units) == len(inp.districts)
    for key in suit.models:
        label = cat.type_label(key)
        title = msg("atlas.suitability", label=label)
        pages.append(AtlasPage(title, suit.units, f"{key}_score", legend=msg("atlas.score")))
        if not per_district and len(suit.districts):
            rolled = inp.districts.merge(suit.districts[["district_id", f"{key}_mean"]], on="district_id", how="left")
            title = msg("atlas.mean_per_district", label=label)
            pages.append(AtlasPage(title, rolled, f"{key}_mean", legend=msg("atlas.mean_score")))
    over = inp.overlap.districts
    if "mean_covered" in over.columns:
        pages.append(AtlasPage(msg("atlas.gaps"), over, "mean_covered", GAP_CMAP, msg("atlas.share_served")))
    pages.append(AtlasPage(msg("atlas.solutions_by_sector"), inp.districts, None))
    if inp.workshop is not None and len(inp.workshop.sites):
        pages.append(AtlasPage(msg("atlas.workshop"), inp.districts, None, sites=inp.workshop.sites))
    return pages


WORKSHOP_ROWS = 18
"""Sites listed beside the workshop page's map (the most supported first)."""


def _draw_sites(fig: Any, ax: Any, page: AtlasPage, inp: ReportInput) -> None:
    """Draw the room's sites on the districts, coloured by net support.

    The room's sites on the districts, coloured by net support and numbered, with the most
    supported listed beside the map.
    """
    msg = inp.messages
    inp.districts.plot(ax=ax, color="#f2f2f2", edgecolor="#555555", linewidth=0.5)
    assert page.sites is not None
    sites = page.sites.loc[page.sites["room_status"] == "active"].to_crs(inp.districts.crs)
    colours = np.where(sites["net"] > 0, "#1b7837", np.where(sites["net"] < 0, "#762a83", "#777777"))
    from matplotlib import patheffects

    sites.plot(ax=ax, color=colours, edgecolor="#000000", linewidth=1.2, markersize=140, alpha=0.9, zorder=5)
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for geom, n in zip(sites.geometry.representative_point(), sites["site"], strict=True):
        ax.annotate(
            f"#{n}",
            (geom.x, geom.y),
            xytext=(7, 7),
            textcoords="offset points",
            fontsize=10,
            fontweight="bold",
            zorder=6,
            path_effects=halo,
        )
    top = sites.sort_values(["net", "support"], ascending=False).head(WORKSHOP_ROWS)
    head = [msg("room.site"), msg("room.support"), msg("room.oppose")]
    # column widths from the words (about 45 characters of 9 pt across the side panel)
    numbers = [(len(h) + 2) / 45 for h in head[1:]]
    room_for = max(12, int((1 - sum(numbers)) * 45) - 1)
    rows = [[mpl_literal(f"#{r.site} {r.name}"[:room_for]), str(r.support), str(r.oppose)] for r in top.itertuples()]
    if rows:
        side = fig.add_axes((0.71, 0.12, 0.27, 0.70))
        side.set_axis_off()
        table = side.table(
            cellText=rows,
            colLabels=[mpl_literal(h) for h in head],
            loc="upper left",
            cellLoc="left",
            colWidths=[1 - sum(numbers), *numbers],
        )
        table.auto_set_font_size(False)
        table.set_fontsize(9)
        table.scale(1, 1.5)
    _support_legend(ax, msg)


def _support_legend(ax: Any, msg: Messages) -> None:
    """What the sites' colours mean."""
    from matplotlib.lines import Line2D

    marks = [
        ("#1b7837", msg("atlas.more_support")),
        ("#762a83", msg("atlas.more_opposition")),
        ("#777777", msg("atlas.even_support")),
    ]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=9,
            markerfacecolor=c,
            markeredgecolor="#000000",
            label=mpl_literal(label),
        )
        for c, label in marks
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=9, framealpha=0.9)


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of the map's width."""
    target = span_m / 5
    base = 10 ** math.floor(math.log10(target))
    return next(base * m for m in (5, 2, 1) if base * m <= target)


def _scale_bar(ax: Any, bounds: np.ndarray, msg: Messages) -> Any:
    """A scale bar in the lower left corner on a white box (district names keep clear of it)."""
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    length = _nice_length(bounds[2] - bounds[0])
    text = f"{msg.num(length / 1000, 0 if length % 1000 == 0 else 1)} km" if length >= 1000 else f"{msg.num(length)} m"
    bar = AnchoredSizeBar(
        ax.transData,
        length,
        text,
        "lower left",
        pad=0.4,
        borderpad=0.3,
        sep=3,
        frameon=True,
        size_vertical=0.006 * (bounds[3] - bounds[1]),
        color="#222222",
        fontproperties=FontProperties(size=9),
    )
    bar.patch.set(facecolor="white", alpha=0.85, edgecolor="none")
    ax.add_artist(bar)
    return bar


def _north_arrow(ax: Any, north: str) -> None:
    ax.annotate(
        "",
        xy=(0.965, 0.96),
        xytext=(0.965, 0.88),
        xycoords="axes fraction",
        arrowprops={"facecolor": "#222222", "width": 4, "headwidth": 12, "headlength": 12},
    )
    ax.text(
        0.965,
        0.965,
        mpl_literal(north),
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=13,
        fontweight="bold",
    )


REPEAT_IN = 1.5
"""Inches on paper within which a district name already placed is not placed again."""


def _labels(ax: Any, districts: gpd.GeoDataFrame, keep_clear: Sequence[Any] = ()) -> None:
    """Place district names where they collide with nothing already placed.

    District names, largest district first, each only where it overlaps no name already placed
    and none of the *keep_clear* artists (the scale bar), and not within :data:`REPEAT_IN` of
    the same name (census sections named after their neighbourhood).
    """
    if "district_name" not in districts.columns or not len(districts):
        return
    largest = districts.assign(_a=districts.geometry.area).nlargest(MAX_LABELS, "_a")
    size = 7 if len(largest) > 40 else 8
    ax.apply_aspect()
    renderer = ax.figure.canvas.get_renderer()
    placed: list[Any] = [artist.get_window_extent(renderer) for artist in keep_clear]
    seen: dict[str, list[tuple[float, float]]] = {}
    near = REPEAT_IN * ax.figure.dpi
    for name, point in zip(largest["district_name"], largest.geometry.representative_point(), strict=True):
        x, y = ax.transData.transform((point.x, point.y))
        if any(math.hypot(x - a, y - b) < near for a, b in seen.get(str(name), [])):
            continue
        label = ax.text(
            point.x,
            point.y,
            mpl_literal(name),
            ha="center",
            va="center",
            fontsize=size,
            color="#111111",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.6, "linewidth": 0},
        )
        box = label.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):
            label.remove()  # the print stays readable; the map and the tables name every district
        else:
            placed.append(box)
            seen.setdefault(str(name), []).append((x, y))


def _draw(fig: Any, page: AtlasPage, inp: ReportInput) -> None:
    ax = fig.add_axes((0.02, 0.07, 0.66 if page.sites is not None else 0.96, 0.83))
    ax.set_axis_off()
    ax.set_aspect("equal")
    if page.sites is not None:
        _draw_sites(fig, ax, page, inp)
    elif page.column is not None:
        values = pd.to_numeric(page.areas[page.column], errors="coerce")
        plot_scored(fig, ax, page.areas, values, inp.districts, cmap=page.cmap, vmin=page.vmin, vmax=page.vmax,
                    label=page.legend, msg=inp.messages, shrink=0.45, pad=0.02, linewidth=0.5, beside=True)  # fmt: skip
    else:
        plot_districts(ax, inp.districts, face="#f2f2f2", edge="#555555", linewidth=0.5)
        title = mpl_literal(inp.messages("atlas.solutions"))
        plot_solutions(
            ax,
            inp.solutions,
            inp.districts.crs,
            inp.catalogue,
            markersize=max(30.0, dot_size(len(inp.solutions))) if len(inp.solutions) <= 2000 else 12,  # a few: large
            title=title,
            fontsize=9,
            msg=inp.messages,
        )
    bar = _scale_bar(ax, inp.districts.total_bounds, inp.messages)
    _labels(ax, inp.districts, [bar])
    _north_arrow(ax, inp.messages("atlas.north"))
    spec = inp.project.spec
    fig.text(0.02, 0.955, mpl_literal(page.title), fontsize=18, fontweight="bold", va="center")
    fig.text(0.02, 0.915, mpl_literal(spec.map.title or spec.name), fontsize=11, color="#444444", va="center")
    credit = spec.map.attribution or inp.messages("atlas.data_default")
    foot = f"{dt.date.today().isoformat()} · {credit} · scmap {inp.provenance.get('scmap_version', '')}"
    fig.text(0.02, 0.03, mpl_literal(foot), fontsize=8, color="#444444")


def write_atlas(inp: ReportInput, path: str | Path, *, paper: Paper = "a4") -> Path:
    """Write the atlas as one vector PDF (replaced whole when complete)."""
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    with atomic_file(path, overwrite=True, lock=False) as tmp, PdfPages(tmp) as pdf:
        for page in atlas_pages(inp):
            fig = quiet_figure(PAPER[paper])
            _draw(fig, page, inp)
            pdf.savefig(fig)
    return path
