"""The cross-city pack of a batch: the cities compared, their demand added up, and a map of them.

- ``cities.csv``: every city, whether its run worked (and why not), its seconds.
- ``comparison.csv`` and ``comparison.png``: per city the solutions per sector, the share of the
  area each sector serves, and per suitability model the mean score and the suitable units.
- ``demand.csv``: per solution type, summed over the cities: suitable units (score at or above
  the roll-up threshold), existing, planned and candidate sites, and where the best units are
  (each city's top ranked); ``demand_by_city.csv`` lists those top units city by city. A network
  such as the Small Giants offers this demand to suppliers together.
- ``cities.html``: the cities on the workshop map, a point each with its figures (offline, data
  shown as text only).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from scmap._atomic import open_pack
from scmap._text import mpl_literal, write_csv
from scmap.catalogue import Catalogue
from scmap.i18n import Messages
from scmap.maps import save_html, solution_map
from scmap.maps.layers import MapOptions

__all__ = ["NETWORK_FILES", "write_network"]

NETWORK_FILES = ("cities.csv", "comparison.csv", "comparison.png", "demand.csv", "demand_by_city.csv", "cities.html")


def demand_table(stats: pd.DataFrame, top: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Per solution type, summed over the cities (types no city has left out)."""
    rows = []
    for key, sol in cat.solutions.items():
        sites = {
            s: int(stats.get(f"{s}:{key}", pd.Series(dtype=float)).fillna(0).sum())
            for s in ("existing", "planned", "candidate")
        }
        suitable = stats.get(f"{key}_suitable_units")
        modelled = int(suitable.notna().sum()) if suitable is not None else 0
        if not modelled and not any(sites.values()):
            continue
        best = top.loc[top["solution"] == key] if len(top) else top
        places = [
            (c, ", ".join(g.sort_values("rank")["district"].head(3))) for c, g in best.groupby("city", sort=False)
        ]
        where = "; ".join(f"{city}: {names}" for city, names in places)
        rows.append(
            {
                "solution": key,
                "label": sol.label,
                "cities_modelled": modelled,
                "suitable_units": int(suitable.fillna(0).sum()) if suitable is not None else 0,
                **{f"{s}_sites": n for s, n in sites.items()},
                "best_units": where,
            }
        )
    return pd.DataFrame(rows)


def _chart(stats: pd.DataFrame, cat: Catalogue, msg: Messages, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = [c.removesuffix("_mean_score") for c in stats.columns if c.endswith("_mean_score")]
    sectors = [s for s in cat.sectors if f"covered_{s}" in stats.columns]
    panels = [(f"covered_{s}", cat.sectors[s].label, cat.sectors[s].colour) for s in sectors]
    panels += [(f"{m}_mean_score", cat.type_label(m), "#41ab5d") for m in models]
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(3.2 * max(len(panels), 1), 0.5 * len(stats) + 2.2))
    for ax, (column, title, colour) in zip(list(getattr(axes, "flat", [axes])), panels, strict=False):
        ax.barh([mpl_literal(c) for c in stats["city"]], stats[column].fillna(0), color=colour)
        ax.set_xlim(0, 1)
        ax.set_title(mpl_literal(title), fontsize=9)
        ax.invert_yaxis()
        ax.tick_params(labelsize=8)
    fig.suptitle(mpl_literal(f"{msg('atlas.share_served')} · {msg('atlas.mean_score')}"), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _cities_map(stats: pd.DataFrame, outlines: Sequence[Any], msg: Messages, path: Path, title: str) -> None:
    shown = stats[["city", "districts", "solutions"]].assign(district_id=stats["city"], district_name=stats["city"])
    # a point per city: a network spans a country or a continent, where city outlines are specks
    points = [shapely.point_on_surface(o) for o in outlines]
    gdf = gpd.GeoDataFrame(shown, geometry=points, crs=4326)
    labels = {"districts": msg("report.districts"), "solutions": msg("atlas.solutions")}
    fmap = solution_map(gdf, title=title, basemap="osm", options=MapOptions(district_columns=labels, messages=msg))
    save_html(fmap, path, inline=True)


def write_network(
    runs: Sequence[dict[str, Any]],
    folder: Path,
    *,
    catalogue: Catalogue,
    messages: Messages,
    title: str,
    manifest: dict[str, Any],
) -> Path:
    """Write the cross-city pack of *runs* (each: city, ok, seconds, message, stats, top,
    outline) into *folder*, replacing the previous one when complete."""
    cat = messages.catalogue(catalogue)
    ok = [r for r in runs if r["ok"]]
    cities = pd.DataFrame([{k: r[k] for k in ("city", "ok", "seconds", "message")} for r in runs])
    stats = pd.DataFrame([r["stats"] for r in ok]) if ok else pd.DataFrame({"city": []})
    top = pd.DataFrame([t for r in ok for t in r["top"]])
    if not len(top):
        top = pd.DataFrame(columns=["solution", "city", "rank", "unit_id", "district", "score"])
    with open_pack(folder, overwrite=True, known=NETWORK_FILES, **manifest) as tmp:
        write_csv(cities, tmp / "cities.csv")
        write_csv(stats[[c for c in stats.columns if ":" not in c]], tmp / "comparison.csv")
        write_csv(demand_table(stats, top, cat), tmp / "demand.csv")
        write_csv(top, tmp / "demand_by_city.csv")
        _chart(stats, cat, messages, tmp / "comparison.png")
        if ok:
            _cities_map(stats, [r["outline"] for r in ok], messages, tmp / "cities.html", title)
    return folder
