"""Saving maps: standalone HTML (optionally with Leaflet inlined), an embeddable fragment, a PNG.

Examples
--------
>>> import folium
>>> frag = embed_html(folium.Map(tiles=None), height=300)
>>> frag.startswith("<iframe") and 'srcdoc="' in frag
True
"""

from __future__ import annotations

import html
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from scmap.core._atomic import atomic_file
from scmap.core._text import mpl_literal
from scmap.core.catalogue import Catalogue, load_catalogue
from scmap.core.i18n import Messages, english
from scmap.errors import ScmapWarning
from scmap.maps._assets import inline_assets

if TYPE_CHECKING:
    import pandas as pd

    from scmap.analysis.suitability import SuitabilityResult

__all__ = [
    "embed_html",
    "inline_assets",
    "missing_legend",
    "plot_districts",
    "plot_scored",
    "plot_solutions",
    "plot_values",
    "render_html",
    "save_html",
    "static_map",
]


def render_html(m: folium.Map, *, inline: bool = False) -> str:
    """Return the map's full HTML page.

    With *inline*, Leaflet and its plugins are written into the page
    (only the basemap tiles still need a network).
    """
    page = m.get_root().render()
    return inline_assets(page) if inline else page


def save_html(m: folium.Map, path: str | Path, *, inline: bool = False, max_mb: float | None = 25.0) -> Path:
    """Write the map as one HTML file; warn, with the figures, when it is larger than *max_mb*."""
    path = Path(path)
    page = render_html(m, inline=inline)
    with atomic_file(path, overwrite=True, lock=False) as tmp:
        tmp.write_text(page, encoding="utf-8")
    size_mb = len(page.encode("utf-8")) / 1e6
    if max_mb is not None and size_mb > max_mb:
        warnings.warn(
            f"{path}: the map is {size_mb:.1f} MB (limit {max_mb:g} MB): browsers get slow; simplify more "
            "(MapOptions(simplify_m=...)), use larger grid cells, or map fewer layers",
            ScmapWarning,
            stacklevel=2,
        )
    return path


def embed_html(m: folium.Map, *, height: int = 600, inline: bool = True) -> str:
    """Return an ``<iframe srcdoc=...>`` holding the whole map.

    An ``<iframe srcdoc=...>`` holding the whole map: paste it into a report or notebook
    (it survives notebook export, and scripts in it cannot reach the page around it).
    """
    page = render_html(m, inline=inline)
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{int(height)}px;border:0" '
        'sandbox="allow-scripts allow-popups allow-downloads"></iframe>'
    )


DENSITY_FROM = 20_000
"""Above this many solutions, print draws each sector as a density of cells, not one dot each
(as the web map counts them per hexagon): time and file size stay bounded."""
DENSITY_CELLS = 400


def dot_size(count: int) -> float:
    """Return the area (points²) of a solution's dot on a printed map of *count* solutions.

    14 from 400 solutions on (dots that would cover each other stay small), growing as the square
    root of how many fewer there are, to 80 (about 3 mm across) for a handful, so that a few
    marked sites show on paper.

    Examples
    --------
    >>> dot_size(5000), dot_size(400), dot_size(100), dot_size(5)
    (14.0, 14.0, 28.0, 80.0)
    """
    return float(min(80.0, max(14.0, 14.0 * (400 / max(count, 1)) ** 0.5)))


def _density(ax: Any, part: gpd.GeoDataFrame, colour: str, bounds: np.ndarray) -> Any:
    """Draw *part*'s solutions as a grid of counts, darker where more.

    *part*'s solutions counted on a grid of cells over *bounds* and drawn in *colour*, darker
    where more (log scale; empty cells not drawn). Returns the counts drawn.
    """
    from matplotlib.colors import to_rgb

    where = np.asarray(part.geometry.array, dtype=object)
    where = shapely.point_on_surface(where)
    x, y = shapely.get_x(where), shapely.get_y(where)
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    xmax, ymax = max(xmax, xmin + 1.0), max(ymax, ymin + 1.0)  # all in one place: one metre
    span = max(xmax - xmin, ymax - ymin)
    nx, ny = (max(1, round(DENSITY_CELLS * (hi - lo) / span)) for lo, hi in ((xmin, xmax), (ymin, ymax)))
    counts, _, _ = np.histogram2d(y, x, bins=(ny, nx), range=((ymin, ymax), (xmin, xmax)))
    image = np.zeros((*counts.shape, 4))
    image[..., :3] = to_rgb(colour)
    image[..., 3] = np.where(counts > 0, 0.35 + 0.6 * np.log1p(counts) / np.log1p(counts.max()), 0.0)
    extent = (xmin, xmax, ymin, ymax)
    ax.imshow(image, extent=extent, origin="lower", interpolation="nearest", zorder=3, aspect=ax.get_aspect())
    return counts


def plot_solutions(
    ax: Any,
    solutions: gpd.GeoDataFrame,
    crs: Any,
    catalogue: Catalogue,
    *,
    markersize: float | None = None,
    msg: Messages | None = None,
    **legend: Any,
) -> None:
    """Draw solutions as dots in their sector's colour on a matplotlib axis.

    Solutions as dots in their sector's colour on a matplotlib axis (in *crs*), with a legend
    of the sectors and their counts (*legend*: more ``ax.legend`` options). The dots'
    *markersize* is by default :func:`dot_size` of the number of solutions.
    """
    from matplotlib.lines import Line2D

    handles = []
    sols = solutions.to_crs(crs) if len(solutions) else solutions
    markersize = dot_size(len(sols)) if markersize is None else markersize
    dense = len(sols) > DENSITY_FROM
    for key, sector in catalogue.sectors.items():
        part = sols.loc[sols["sector"] == key] if len(sols) else sols
        if len(part) and dense:
            _density(ax, part, sector.colour, sols.total_bounds)
        elif len(part):
            part.plot(ax=ax, color=sector.colour, markersize=markersize, linewidth=1.2, edgecolor="white", zorder=3)
        if len(part):
            label = mpl_literal(f"{sector.label} ({(msg or english()).num(len(part))})")
            handles.append(Line2D([], [], marker="o", linestyle="", color=sector.colour, label=label))
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=True, **legend)


ONE_PATH_FROM = 2_000
"""Above this many districts, print draws them as one compound path (the same look; one patch
per district costs seconds by the ten thousand)."""


def plot_districts(ax: Any, districts: gpd.GeoDataFrame, *, face: str, edge: str, linewidth: float) -> None:
    """Districts filled in *face* with *edge* outlines on a matplotlib axis."""
    if len(districts) <= ONE_PATH_FROM:
        districts.plot(ax=ax, color=face, edgecolor=edge, linewidth=linewidth)
        return
    from matplotlib.patches import PathPatch

    from scmap.maps._grid import polygon_path

    thin = max(0.1, linewidth * (ONE_PATH_FROM / len(districts)) ** 0.5)  # outlines fade as districts shrink
    # added as an artist with the districts' bounds as its data limits: add_patch would walk every
    # segment of the path to find them (seconds for tens of thousands of districts)
    ax.add_artist(PathPatch(polygon_path(np.asarray(districts.geometry.array, dtype=object)), facecolor=face,
                            edgecolor=edge, linewidth=thin))  # fmt: skip
    minx, miny, maxx, maxy = districts.total_bounds
    ax.update_datalim([(minx, miny), (maxx, maxy)])
    ax.autoscale_view()
    ax.set_aspect("equal")


def plot_values(
    ax: Any, areas: gpd.GeoDataFrame, values: pd.Series, *, cmap: str, vmin: float, vmax: float, missing: str
) -> None:
    """Areas coloured by *values* (*missing* where there is none) on a matplotlib axis.

    Up to :data:`ONE_PATH_FROM` areas, geopandas draws one patch each; above, the areas sharing
    one of the colour map's colours (256 at most) are one compound path, the same picture at a
    cost that does not grow with the number of areas.
    """
    if len(areas) <= ONE_PATH_FROM:
        areas.assign(_v=values).plot(ax=ax, column="_v", cmap=cmap, vmin=vmin, vmax=vmax, edgecolor="none",
                                     missing_kwds={"color": missing})  # fmt: skip
        return
    from matplotlib import colormaps, colors
    from matplotlib.patches import PathPatch

    from scmap.maps._grid import polygon_path

    geoms = np.asarray(areas.geometry.array, dtype=object)
    known = values.notna().to_numpy()
    rgba = np.tile(colors.to_rgba(missing), (len(areas), 1))  # the colours geopandas gives each area
    rgba[known] = colormaps[cmap](colors.Normalize(vmin, vmax)(values.to_numpy(dtype=float)[known]))
    faces, which = np.unique(rgba, axis=0, return_inverse=True)
    for i, face in enumerate(faces):
        ax.add_artist(PathPatch(polygon_path(geoms[which.ravel() == i]), facecolor=tuple(face), edgecolor="none"))
    minx, miny, maxx, maxy = areas.total_bounds
    ax.update_datalim([(minx, miny), (maxx, maxy)])
    ax.autoscale_view()


def missing_legend(ax: Any, values: pd.Series, colour: str, label: str) -> None:
    """A legend entry for the areas without a value (drawn in *colour*), when there are any.

    Kept on the axis beside any legend drawn later (the solutions' sectors).
    """
    if not values.isna().any():
        return
    from matplotlib.patches import Patch

    legend = ax.legend(handles=[Patch(facecolor=colour, label=mpl_literal(label))], loc="upper left", fontsize=8,
                       framealpha=0.9)  # fmt: skip
    ax.add_artist(legend)


def plot_scored(
    fig: Any,
    ax: Any,
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    districts: gpd.GeoDataFrame,
    *,
    cmap: str,
    vmin: float,
    vmax: float,
    label: str,
    msg: Messages,
    shrink: float = 0.6,
    pad: float = 0.05,
    linewidth: float = 0.6,
    beside: bool = False,
) -> None:
    """Draw areas coloured by *values* under the district outlines, with a colour bar.

    Parameters
    ----------
    fig, ax
        The matplotlib figure and the axis to draw on.
    areas
        The areas coloured (units, districts or cells), in the districts' CRS.
    values
        One value per area; grey ``#dddddd``, with a legend entry, where there is none.
    districts
        The districts whose outlines are drawn on top.
    cmap, vmin, vmax
        The colour map and the values at its two ends.
    label
        The colour bar's label, drawn literally (no mathtext).
    msg
        The language of the legend entry and of the bar's decimal mark.
    shrink, pad
        The colour bar's length (share of the axis) and its distance from the axis.
    linewidth
        The outlines' width in points.
    beside
        Put the bar just right of the map as drawn and centre the map in the rest of its axis
        (for an axis placed by hand, as on the atlas' pages; a figure laid out by
        ``tight_layout`` takes its bar's room from the axis instead).
    """
    from matplotlib import cm, colors
    from matplotlib.ticker import FuncFormatter

    plot_values(ax, areas, values, cmap=cmap, vmin=vmin, vmax=vmax, missing="#dddddd")
    missing_legend(ax, values, "#dddddd", msg("atlas.excluded"))
    mappable = cm.ScalarMappable(colors.Normalize(vmin, vmax), cmap)
    if beside:
        bar = fig.colorbar(mappable, cax=_bar_beside(fig, ax, shrink, pad))
    else:
        bar = fig.colorbar(mappable, ax=ax, shrink=shrink, pad=pad)
    bar.set_label(mpl_literal(label))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: msg.num(v, 1)))  # the language's decimal mark
    plot_districts(ax, districts, face="none", edge="#333333", linewidth=linewidth)


def _bar_beside(fig: Any, ax: Any, shrink: float, pad: float) -> Any:
    """An axis for a colour bar just right of the map as drawn, the map centred in what is left.

    The map keeps its shape (equal aspect), so a tall city is narrower than its axis: a bar at the
    axis' edge would leave the page's left half empty. Room for the bar and its labels is taken
    from the axis (as ``fig.colorbar(ax=...)`` takes it), then the bar follows the drawn map.
    """
    from mpl_toolkits.axes_grid1.inset_locator import inset_axes

    box = ax.get_position()
    room = min(0.15 * box.width, 1.1 / fig.get_figwidth())  # about an inch for the bar, its ticks and label
    ax.set_position((box.x0, box.y0, box.width - room, box.height))
    ax.set_anchor("C")
    return inset_axes(
        ax, width=0.14, height=f"{shrink:.0%}", loc="center left", borderpad=0,
        bbox_to_anchor=(1 + pad, 0, 1, 1), bbox_transform=ax.transAxes,
    )  # fmt: skip


def static_map(
    districts: gpd.GeoDataFrame,
    solutions: gpd.GeoDataFrame | None = None,
    path: str | Path | None = None,
    *,
    catalogue: Catalogue | None = None,
    suitability: SuitabilityResult | None = None,
    model: str | None = None,
    title: str | None = None,
    dpi: int = 150,
    messages: Messages | None = None,
) -> object:
    """Draw a static map (matplotlib) for print and PDF reports.

    A static map (matplotlib) for print and PDF reports: districts (coloured by a suitability
    model when given) and solutions by sector, labelled in *messages*' language. Saved as PNG when
    *path* is given; returns the figure.
    """
    from scmap.maps._figure import fit_tightly, quiet_figure

    msg = messages or english()
    cat = msg.catalogue(catalogue or load_catalogue())
    fig = quiet_figure((9, 8))
    ax = fig.add_subplot()
    if suitability is not None and model is not None:
        units, label = suitability.units, msg("atlas.suitability_figure", label=cat.solutions[model].label)
        scores = units[f"{model}_score"]
        plot_scored(fig, ax, units, scores, districts, cmap="YlGn", vmin=0, vmax=1, label=label, msg=msg)
    else:
        plot_districts(ax, districts, face="#f2f2f2", edge="#555555", linewidth=0.6)
    if solutions is not None:
        plot_solutions(ax, solutions, districts.crs, cat, msg=msg)
    if title:
        ax.set_title(mpl_literal(title))
    ax.set_axis_off()
    fit_tightly(fig)
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig
