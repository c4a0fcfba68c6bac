"""The cross-city pack of a batch: the cities compared, their demand added up, and a map of them.

- ``cities.csv``: every city, whether its run worked (and why not), its seconds.
- ``comparison.csv`` and ``comparison.png``: per city the solutions per sector, the share of the
  area each sector serves, and per suitability model the mean score and the suitable units.
- ``demand.csv``: per solution type, summed over the cities: suitable units (score at or above
  the roll-up threshold, stated in the table), existing, planned and candidate sites, and where
  the best units are (each city's top ranked); ``demand_by_city.csv`` lists those top units city
  by city. A network such as the Small Giants offers this demand to suppliers together.

Scores on one scale (``batch.standardise: network``, the default): a city's own scores are
min-max within the city, so every city's best unit scores 1 and a province with 12 plants would
count like one with 108. For the cross-city tables each min-max criterion is standardised again
over the units of every city together (criteria with fixed curves, such as ``fuzzy:``, already
mean the same everywhere), and each city's units are scored with its own weights and aggregation
as in its pack. The per-city view stays beside it (``*_city`` columns); ``city`` makes it the
headline.
- ``cities.html``: the cities on the workshop map, a point each with its figures (offline, data
  shown as text only).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from scmap.analysis.suitability.standardise import minmax
from scmap.core._aggregate import aggregate
from scmap.core._atomic import open_pack
from scmap.core._text import mpl_literal, write_csv
from scmap.core.catalogue import Catalogue
from scmap.core.i18n import Messages
from scmap.maps import save_html, solution_map
from scmap.maps._figure import fit_tightly, quiet_figure
from scmap.maps.layers import MapOptions

__all__ = ["NETWORK_FILES", "network_scores", "write_network"]

TOP_K = 5
"""Top-ranked units per city and model in the demand tables."""
Standardise = Literal["network", "city"]
NETWORK_FILES = ("cities.csv", "comparison.csv", "comparison.png", "demand.csv", "demand_by_city.csv", "cities.html")


def _pooled_range(parts: Sequence[dict[str, Any]], j: int) -> tuple[float, float]:
    """Criterion *j*'s smallest and largest raw value over the units in play of every city."""
    values = np.concatenate([p["values"][p["usable"], j] for p in parts])
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if len(values) else (np.nan, np.nan)


def _rescored(part: dict[str, Any], ranges: dict[int, tuple[float, float]]) -> np.ndarray:
    """One city's scores with its min-max criteria standardised over the network's *ranges*."""
    std = np.array(part["values"], dtype=float)
    for j, bounds in ranges.items():
        std[:, j] = minmax(std[:, j], better=part["minmax"][j], bounds=bounds)
    usable, score = part["usable"], np.full(len(std), np.nan)
    if usable.any():
        owa = np.asarray(part["owa"]) if part["owa"] is not None else None
        score[usable] = np.clip(aggregate(std[usable], part["weights"], part["aggregation"], owa), 0.0, 1.0)
    return score


def network_scores(runs: Sequence[dict[str, Any]], model: str) -> dict[str, np.ndarray] | None:
    """Return each city's unit scores for *model* on the network's scale.

    Each city's unit scores for *model* on the network's scale (``{city: scores}``, in the
    order of the city's units), or None when the cities' models measure different criteria.
    """
    parts = {r["city"]: r["scoring"][model] for r in runs if model in r.get("scoring", {})}
    if not parts or len({tuple(p["criteria"]) for p in parts.values()}) > 1:
        return None
    first = next(iter(parts.values()))
    ranges = {j: _pooled_range(list(parts.values()), j) for j, kind in enumerate(first["minmax"]) if kind}
    return {city: _rescored(part, ranges) for city, part in parts.items()}


def _best_units(part: dict[str, Any], scores: np.ndarray, model: str, city: str) -> list[dict[str, Any]]:
    """A city's TOP_K units by *scores* (ties share the better rank)."""
    finite = np.flatnonzero(np.isfinite(scores))
    best = finite[np.argsort(-scores[finite], kind="stable")[:TOP_K]]
    return [
        {"solution": model, "city": city, "rank": int((scores[finite] > scores[k]).sum()) + 1,
         "unit_id": str(part["unit_id"][k]), "district": str(part["district"][k]), "score": float(scores[k]),
         "score_city": float(part["score_city"][k])}
        for k in best
    ]  # fmt: skip


def on_scale(
    ok: Sequence[dict[str, Any]], stats: pd.DataFrame, top: pd.DataFrame, standardise: Standardise, threshold: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return *stats* and *top* with each model's scores on the *standardise* scale.

    *stats* and *top* with each model's scores on the *standardise* scale (the per-city view
    kept in ``*_city`` columns) and the threshold and scale stated.
    """
    stats, models = stats.copy(), [c.removesuffix("_mean_score") for c in stats.columns if c.endswith("_mean_score")]
    top = top.assign(score_city=top["score"]) if len(top) else top.assign(score_city=[])
    for key in models:
        stats[f"{key}_mean_score_city"] = stats[f"{key}_mean_score"]
        stats[f"{key}_suitable_units_city"] = stats[f"{key}_suitable_units"]
        scores = network_scores(ok, key) if standardise == "network" else None
        stats[f"{key}_standardised"] = "network" if scores is not None else "city"
        if scores is None:
            continue
        rows = []
        for run in ok:
            if run["city"] in scores:
                sc, where = scores[run["city"]], stats["city"] == run["city"]
                stats.loc[where, f"{key}_mean_score"] = float(np.nanmean(sc)) if np.isfinite(sc).any() else np.nan
                stats.loc[where, f"{key}_suitable_units"] = int((sc >= threshold).sum())
                rows += _best_units(run["scoring"][key], sc, key, run["city"])
        top = pd.concat([top.loc[top["solution"] != key], pd.DataFrame(rows)], ignore_index=True)
    stats["suitable_threshold"] = threshold
    return stats, top


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
                "suitable_units_city": int(stats[f"{key}_suitable_units_city"].fillna(0).sum()) if modelled else 0,
                "suitable_threshold": float(stats["suitable_threshold"].iloc[0]) if modelled else None,
                "standardised": str(stats[f"{key}_standardised"].iloc[0]) if modelled else None,
                **{f"{s}_sites": n for s, n in sites.items()},
                "best_units": where,
            }
        )
    return pd.DataFrame(rows)


def _chart(stats: pd.DataFrame, cat: Catalogue, msg: Messages, path: Path, standardise: Standardise) -> None:
    models = [c.removesuffix("_mean_score") for c in stats.columns if c.endswith("_mean_score")]
    sectors = [s for s in cat.sectors if f"covered_{s}" in stats.columns]
    panels = [(f"covered_{s}", cat.sectors[s].label, cat.sectors[s].colour) for s in sectors]
    panels += [(f"{m}_mean_score", cat.type_label(m), "#41ab5d") for m in models]
    fig = quiet_figure((3.2 * max(len(panels), 1), 0.5 * len(stats) + 2.2))
    axes = fig.subplots(1, max(len(panels), 1))
    for ax, (column, title, colour) in zip(list(getattr(axes, "flat", [axes])), panels, strict=False):
        ax.barh([mpl_literal(c) for c in stats["city"]], stats[column].fillna(0), color=colour)
        ax.set_xlim(0, 1)
        ax.set_title(mpl_literal(title), fontsize=9)
        ax.invert_yaxis()
        ax.tick_params(labelsize=8)
    title = f"{msg('atlas.share_served')} · {msg('atlas.mean_score')} ({msg(f'batch.scale_{standardise}')})"
    if "suitable_threshold" in stats.columns and models:
        title += "\n" + msg("batch.threshold", threshold=msg.num(float(stats["suitable_threshold"].iloc[0]), 2))
    fig.suptitle(mpl_literal(title), fontsize=10)
    fit_tightly(fig)
    fig.savefig(path, dpi=120)


def _cities_map(
    stats: pd.DataFrame, outlines: Sequence[Any], cat: Catalogue, msg: Messages, path: Path, title: str
) -> None:
    models = [c.removesuffix("_mean_score") for c in stats.columns if c.endswith("_mean_score")]
    labels = {"districts": msg("report.districts"), "solutions": msg("atlas.solutions")}
    threshold = msg.num(float(stats["suitable_threshold"].iloc[0]), 2) if "suitable_threshold" in stats else ""
    for key in models:
        labels[f"{key}_mean_score"] = f"{cat.type_label(key)}: {msg('atlas.mean_score')}"
        labels[f"{key}_suitable_units"] = msg("batch.suitable_units", label=cat.type_label(key), threshold=threshold)
    shown = stats[list(labels)].assign(district_id=stats["city"], district_name=stats["city"])
    # a point per city: a network spans a country or a continent, where city outlines are specks
    points = [shapely.point_on_surface(o) for o in outlines]
    gdf = gpd.GeoDataFrame(shown, geometry=points, crs=4326)
    options = MapOptions(
        district_columns=labels,
        messages=msg,
        districts_label=msg("batch.cities"),
        districts_note=msg("batch.cities_note"),
        places="cities",
    )
    fmap = solution_map(gdf, title=title, basemap="osm", options=options)
    save_html(fmap, path, inline=True)


def write_network(
    runs: Sequence[dict[str, Any]],
    folder: Path,
    *,
    catalogue: Catalogue,
    messages: Messages,
    title: str,
    manifest: dict[str, Any],
    standardise: Standardise = "network",
    threshold: float = 0.6,
) -> Path:
    """Write the cross-city pack of *runs* into *folder*.

    Write the cross-city pack of *runs* (each: city, ok, seconds, message, stats, top,
    outline, scoring) into *folder*, replacing the previous one when complete; scores on the
    *standardise* scale, units at or above *threshold* counted as suitable.
    """
    cat = messages.catalogue(catalogue)
    ok = [r for r in runs if r["ok"]]
    cities = pd.DataFrame([{k: r[k] for k in ("city", "ok", "seconds", "message")} for r in runs])
    stats = pd.DataFrame([r["stats"] for r in ok]) if ok else pd.DataFrame({"city": []})
    top = pd.DataFrame([t for r in ok for t in r["top"]])
    if not len(top):
        top = pd.DataFrame(columns=["solution", "city", "rank", "unit_id", "district", "score"])
    stats, top = on_scale(ok, stats, top, standardise, threshold)
    with open_pack(folder, overwrite=True, known=NETWORK_FILES, **manifest) as tmp:
        write_csv(cities, tmp / "cities.csv")
        write_csv(stats[[c for c in stats.columns if ":" not in c]], tmp / "comparison.csv")
        write_csv(demand_table(stats, top, cat), tmp / "demand.csv")
        write_csv(top, tmp / "demand_by_city.csv")
        _chart(stats, cat, messages, tmp / "comparison.png", standardise)
        if ok:
            _cities_map(stats, [r["outline"] for r in ok], cat, messages, tmp / "cities.html", title)
    return folder
