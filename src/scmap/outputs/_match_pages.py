"""The map and the report of a lighthouse-to-follower match.

The map and the report of a lighthouse-to-follower match (:mod:`scmap.pipeline.match`): a colouring per
solution type ("like the lighthouse's districts with EV charging") with the explanation in each
district's popup, and a page with the method and the most alike districts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import folium
import jinja2
import numpy as np
import pandas as pd

from scmap.core._text import display_frame, display_value
from scmap.core.catalogue import Catalogue, load_catalogue
from scmap.core.i18n import Messages
from scmap.maps import embed_html, solution_map
from scmap.maps.layers import MapOptions, district_colouring

if TYPE_CHECKING:
    import geopandas as gpd


class MatchResult(Protocol):
    """What the pages read of :class:`scmap.pipeline.match.MatchResult` (this module sits below it)."""

    matches: gpd.GeoDataFrame
    lighthouse: str
    follower: str
    indicators: list[str]
    districts: gpd.GeoDataFrame | None
    solutions: gpd.GeoDataFrame | None
    messages: Messages
    catalogue: Catalogue | None
    used: dict[str, list[str]]


TOP = 10
"""Districts listed per solution type in the report."""


def indicator_words(name: str, cat: Catalogue, msg: Messages) -> str:
    """What an indicator measures, in the page's language (a criterion keeps its own name)."""
    if name == "population_density":
        return msg("match.ind_population_density")
    if name == "centrality":
        return msg("match.ind_centrality")
    if name == "area_km2":
        return msg("match.ind_area")
    if name.endswith("_per_km2") and name.removesuffix("_per_km2") in cat.sectors:
        return msg("match.ind_per_km2", sector=cat.sector_label(name.removesuffix("_per_km2")))
    if name.endswith("_served") and name.removesuffix("_served") in cat.sectors:
        return msg("match.ind_served", sector=cat.sector_label(name.removesuffix("_served")))
    model, _, criterion = name.partition("__")
    return msg("match.ind_criterion", criterion=criterion, label=cat.type_label(model)) if criterion else name


def _words(listed: str, cat: Catalogue, msg: Messages) -> str:
    return ", ".join(indicator_words(n.strip(), cat, msg) for n in str(listed).split(",") if n.strip())


def _colouring(result: MatchResult, solution: str, cat: Catalogue, *, shown: bool) -> dict[str, Any]:
    msg, districts = result.messages, result.districts
    assert districts is not None
    rows = result.matches.loc[result.matches["solution"] == solution].set_index("district_id")
    rows = rows.reindex(districts["district_id"])
    label, n = cat.type_label(solution), len(rows)
    cols: list[dict[str, Any]] = [
        {"name": msg("match.similarity"), "values": [msg.num(v, 2) if v == v else "" for v in rows["similarity"]]},
        {"name": msg("match.rank"), "values": [msg("map.rank_of", rank=msg.num(r), n=msg.num(n)) if r == r else ""
                                                for r in rows["rank"]]},
        {"name": msg("match.like"), "values": [display_value(str(v)) for v in rows["like_name"]]},
        {"name": msg("match.alike"), "values": [_words(v, cat, msg) for v in rows["alike"]]},
        {"name": msg("match.differs"), "values": [_words(v, cat, msg) for v in rows["differs"]]},
        {"name": msg("match.has"), "values": [msg("col.yes") if v else msg("col.no") for v in rows["has_solution"]]},
    ]  # fmt: skip
    names = districts.get("district_name", districts["district_id"]).astype(str)
    similarity = rows["similarity"].to_numpy(dtype=float)
    finite = similarity[np.isfinite(similarity)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    stretched = (similarity - lo) / (hi - lo) if hi > lo else np.where(np.isfinite(similarity), 1.0, np.nan)
    return district_colouring(
        f"match:{solution}",
        msg("match.layer", lighthouse=result.lighthouse, label=label),
        stretched,  # the colours span the city's own range, the legend says it
        titles=[str(display_value(n)) for n in names],
        sub=msg("match.sub", lighthouse=result.lighthouse, label=label),
        cols=cols,
        caption=msg("match.caption", lighthouse=result.lighthouse, label=label),
        ends=(msg("match.min", value=msg.num(lo, 2)), msg("match.max", value=msg.num(hi, 2))),
        colours=SIMILARITY,
        shown=shown,
    )


SIMILARITY = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"]


def match_map(result: MatchResult) -> folium.Map:
    """The follower's districts coloured by similarity, one colouring per solution type."""
    msg = result.messages
    cat = msg.catalogue(result.catalogue or load_catalogue())
    types = list(dict.fromkeys(result.matches["solution"]))
    colourings = tuple(_colouring(result, s, cat, shown=i == 0) for i, s in enumerate(types))
    options = MapOptions(messages=msg, colourings=colourings)
    title = msg("match.title", follower=result.follower, lighthouse=result.lighthouse)
    return solution_map(result.districts, result.solutions, title=title, basemap="osm", options=options, catalogue=cat)


_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}</style>
</head><body><h1>{{ title }}</h1>
<p>{{ method }}</p>
{{ map | safe }}
{% for s in sections %}<h2>{{ s.label }}</h2><p>{{ s.references }} {{ s.indicators }}</p>
<h3>{{ s.best }}</h3>{{ s.table | safe }}{% endfor %}
</body></html>"""


def _section(result: MatchResult, solution: str, cat: Catalogue) -> dict[str, str]:
    msg = result.messages
    rows = result.matches.loc[result.matches["solution"] == solution].sort_values("rank").head(TOP)
    table = pd.DataFrame(
        {
            msg("match.rank"): [msg.num(r) for r in rows["rank"]],
            msg("col.district_name"): rows["district_name"].astype(str).to_numpy(),
            msg("match.similarity"): [msg.num(v, 2) for v in rows["similarity"]],
            msg("match.like"): rows["like_name"].astype(str).to_numpy(),
            msg("match.alike"): [_words(v, cat, msg) for v in rows["alike"]],
            msg("match.differs"): [_words(v, cat, msg) for v in rows["differs"]],
            msg("match.has"): [msg("col.yes") if v else msg("col.no") for v in rows["has_solution"]],
        }
    )
    shown = display_frame(table, what="match table", warn=False)
    n = int(rows["n_references"].iloc[0]) if len(rows) else 0
    used = result.used.get(solution, result.indicators)
    return {
        "label": cat.type_label(solution),
        "indicators": msg("match.indicators", names=", ".join(indicator_words(i, cat, msg) for i in used)),
        "references": msg("match.references", n=n),
        "best": msg("match.best", k=msg.num(min(TOP, len(rows)))),
        "table": shown.to_html(index=False, escape=True, border=0),
    }


def match_report(result: MatchResult, fmap: folium.Map) -> str:
    """Return the match's report page.

    The match's page: the method, the indicators, the map, and per solution type the most alike
    districts with why.
    """
    msg = result.messages
    cat = msg.catalogue(result.catalogue or load_catalogue())
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_PAGE).render(
        lang=msg.language,
        title=display_value(msg("match.title", follower=result.follower, lighthouse=result.lighthouse)),
        method=msg("match.method"),
        map=embed_html(fmap, height=560, inline=True),
        sections=[_section(result, s, cat) for s in dict.fromkeys(result.matches["solution"])],
    )


__all__ = ["indicator_words", "match_map", "match_report"]
