"""Payloads of the map's analysis overlays.

Service areas, hotspots, Gi* hot spots and synergy
and conflict links (the same ``(payload, geometries)`` shape as :mod:`scmap.maps.layers`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from scmap.core.catalogue import Catalogue
from scmap.core.i18n import Messages
from scmap.maps._grid import AreaGrid, area_grid
from scmap.maps._shapes import Geoms
from scmap.maps.layers import HOTSPOT_COLOURS, RELATION_COLOURS, MapOptions, display_geoms

if TYPE_CHECKING:
    from scmap.analysis.overlap import OverlapResult

__all__ = ["overlay_layers"]

Layer = tuple[dict[str, Any], Geoms]
"""One map layer: its payload (key, label, features, legend) and its display geometries."""


def overlay_layers(
    overlap: OverlapResult | None, catalogue: Catalogue, options: MapOptions
) -> tuple[list[dict[str, Any]], dict[str, Geoms]]:
    """Service areas (dissolved per sector), hotspots, Gi* hot spots and synergy/conflict links."""
    if overlap is None:
        return [], {}
    grid = _area_grid(overlap, catalogue, options)
    built = [
        _service_area_layer(overlap, catalogue, options, grid),
        _hotspot_layer(overlap, catalogue, options, grid),
        _gi_layer(overlap, options),
        _relation_layer(overlap, catalogue, options),
    ]
    layers = [layer for layer in built if layer is not None]
    return [payload for payload, _ in layers], {payload["key"]: geoms for payload, geoms in layers}


def _overlay(
    key: str, label: str, feats: list[dict[str, Any]], visible: bool, caption: str, items: list
) -> dict[str, Any]:
    legend = {"kind": "categorical", "caption": caption, "items": items}
    return {"key": key, "label": label, "feats": feats, "visible": visible, "legend": legend}


def _area_grid(overlap: OverlapResult, catalogue: Catalogue, options: MapOptions) -> tuple[AreaGrid, list[str]] | None:
    """Return service areas and hotspots as one grid of sector sets when they are too detailed.

    Service areas and hotspots as one grid of sector sets when their exact outlines have more
    than ``options.max_area_vertices`` vertices; the sectors in bit order.
    """
    cover = overlap.coverage
    if cover is None or not len(cover):
        return None
    parts = [np.asarray(g.array, dtype=object) for g in (cover.geometry, overlap.hotspots.geometry)]
    if sum(int(shapely.get_num_coordinates(p).sum()) for p in parts) <= options.max_area_vertices:
        return None
    present = set(cover["sector"])
    sectors = [s for s in catalogue.sectors if s in present]
    cover = cover.loc[cover["sector"].isin(sectors) & ~cover.geometry.is_empty]
    return area_grid(cover, sectors), sectors


def _grid_note(grid: AreaGrid, msg: Messages) -> str:
    return msg("map.grid_note", size=msg.num(grid.cell_m, 0 if grid.cell_m >= 10 else 1))


def _service_area_layer(
    overlap: OverlapResult, catalogue: Catalogue, options: MapOptions, grid: tuple[AreaGrid, list[str]] | None
) -> Layer | None:
    msg = options.messages
    if not overlap.service_area_count:
        return None
    if overlap.coverage is not None:  # already united, district by district: no global union here
        dissolved = overlap.coverage.loc[~overlap.coverage.geometry.is_empty].sort_values("sector")
    else:
        dissolved = overlap.service_areas.dissolve(by="sector", sort=True).reset_index()
    dissolved = dissolved.loc[[s in catalogue.sectors for s in dissolved["sector"]]]
    if grid is not None:  # one feature per sector, in the grid's bit order
        totals = dissolved.area.groupby(dissolved["sector"].to_numpy()).sum()
        dissolved = pd.DataFrame({"sector": grid[1], "area": [float(totals.get(s, 0.0)) for s in grid[1]]})
    else:
        dissolved = dissolved.assign(area=dissolved.area)
    feats = [
        {
            "tip": msg("map.served_by", sector=catalogue.sectors[s].label),
            "title": msg("map.sector_service_areas", sector=catalogue.sectors[s].label),
            "sub": msg("map.union_radii"),
            "rows": [[msg("map.area"), f"{msg.num(a / 1e6, 2)} km²"]],
            "label": catalogue.sectors[s].label,
            "colour": catalogue.sectors[s].colour,
            "fill": 0.18,
            "weight": 1,
        }
        for s, a in zip(dissolved["sector"], dissolved["area"], strict=True)
    ]
    titles = {f["title"]: f["colour"] for f in feats}  # a sector may come in several parts (large regions)
    items = [{"label": t, "colour": c} for t, c in titles.items()]
    label = msg("map.service_areas")
    payload = _overlay("service_areas", label, feats, False, label, items)
    if grid is not None:
        payload |= {"grid": grid[0].payload(), "note": _grid_note(grid[0], msg)}
        return payload, []
    return payload, display_geoms(dissolved, options, overview=True)


def _hotspot_feature(n: int, labels: str, area: float, msg: Messages) -> dict[str, Any]:
    return {
        "tip": msg("map.meet_here", sectors=labels),
        "title": msg("map.n_sectors_meet", n=n),
        "sub": labels,
        "rows": [[msg("map.sectors"), labels], [msg("map.area"), f"{msg.num(area / 1e6, 2)} km²"]],
        "colour": HOTSPOT_COLOURS.get(int(n), "#40004b"),
        "fill": 0.35,
        "weight": 1,
    }


def _hotspot_layer(
    overlap: OverlapResult, catalogue: Catalogue, options: MapOptions, grid: tuple[AreaGrid, list[str]] | None
) -> Layer | None:
    hot, msg = overlap.hotspots, options.messages
    if not len(hot):
        return None
    labels = [" + ".join(catalogue.sector_label(s) for s in sectors.split(",")) for sectors in hot["sectors"]]
    present = set(hot["n_sectors"])
    items = [{"label": msg("map.n_sectors", n=n), "colour": c} for n, c in HOTSPOT_COLOURS.items() if n in present]
    if grid is None:
        rows = zip(hot["n_sectors"], labels, hot["area_m2"], strict=True)
        feats = [_hotspot_feature(n, lab, a, msg) for n, lab, a in rows]
        payload = _overlay("hotspots", msg("map.hotspots"), feats, True, msg("map.hotspots_short"), items)
        return payload, display_geoms(hot, options, overview=True)
    bit = {s: 1 << j for j, s in enumerate(grid[1])}
    masks = [sum(bit.get(s, 0) for s in sectors.split(",")) for sectors in hot["sectors"]]
    table = pd.DataFrame({"mask": masks, "n": hot["n_sectors"], "label": labels, "area": hot["area_m2"]})
    per_set = table.groupby(["mask", "n", "label"], as_index=False, sort=True)["area"].sum()  # one row per set
    feats = [
        _hotspot_feature(n, lab, a, msg) | {"mask": int(m)}
        for m, n, lab, a in zip(per_set["mask"], per_set["n"], per_set["label"], per_set["area"], strict=True)
    ]
    payload = _overlay("hotspots", msg("map.hotspots"), feats, True, msg("map.hotspots_short"), items)
    by_n = {str(n): c for n, c in HOTSPOT_COLOURS.items()}
    payload |= {"grid_of": "service_areas", "note": _grid_note(grid[0], msg), "by_n": by_n, "other": "#40004b"}
    return payload, []


def _gi_layer(overlap: OverlapResult, options: MapOptions) -> Layer | None:
    gi, msg = overlap.gi_star, options.messages
    if gi is None or not (gi["gi_class"] != "not significant").any():
        return None
    significant = gi.loc[gi["gi_class"] != "not significant"]
    colours = {"hot": "#b2182b", "cold": "#2166ac"}
    kinds = {"hot": msg("map.gi_hot"), "cold": msg("map.gi_cold")}
    feats = [
        {
            "tip": msg("map.gi_tip", kind=kinds[c], z=msg.num(z, 1)),
            "title": msg("map.gi_title", kind=kinds[c]),
            "sub": msg("map.gi_sub"),
            "rows": [[msg("map.gi_n"), msg.num(n)], ["z", msg.num(z, 2)], ["p", msg.num(p, 3)]],
            "colour": colours[c],
            "fill": 0.45,
            "weight": 0.5,
        }
        for c, z, p, n in zip(
            significant["gi_class"], significant["gi_z"], significant["gi_p"], significant["n_solutions"], strict=True
        )
    ]
    present = set(significant["gi_class"])
    items = [{"label": kinds[c], "colour": colours[c]} for c in ("hot", "cold") if c in present]
    payload = _overlay("gi_star", msg("map.gi"), feats, False, msg("map.gi_legend"), items)
    return payload, display_geoms(significant, options)


def _rule_words(rule: str, relation: str, msg: Messages) -> str:
    """``a ~ b synergy within 250 m`` (the tables' rule) as "synergy within 250 m" in *msg*'s language."""
    within = re.search(r" within ([0-9.e+]+) m$", rule)
    if not within:
        return rule
    return msg("map.rule_within", relation=relation, distance=f"{msg.num(float(within.group(1)))} m")


def _relation_layer(overlap: OverlapResult, catalogue: Catalogue, options: MapOptions) -> Layer | None:
    """Return a relation layer's links, stored by column.

    Links stored by column: what one rule says (labels, why, colour) once per rule and pair of
    types; per link only its rule, its two ids and its distance. The page builds the popups.
    """
    rel, msg = overlap.relations, options.messages
    if not len(rel):
        return None
    total = len(rel)
    if total > options.max_relations:  # the closest links: the map stays light, the tables keep them all
        rel = rel.iloc[np.argsort(rel["distance_m"].to_numpy(), kind="stable")[: options.max_relations]]
    keys = ["relation", "a_solution", "b_solution", "rule", "note"]
    kinds = rel[keys].astype(str).drop_duplicates().reset_index(drop=True)
    index = pd.MultiIndex.from_frame(kinds).get_indexer(pd.MultiIndex.from_frame(rel[keys].astype(str)))
    rules = []
    for r in kinds.to_dict("records"):
        a, b = catalogue.type_label(r["a_solution"]), catalogue.type_label(r["b_solution"])
        kind = msg(f"map.{r['relation']}")
        rules.append(
            {
                "tip": f"{kind}: {a} - {b}",
                "title": msg("map.relation_title", relation=kind[:1].upper() + kind[1:], a=a, b=b),
                "sub": _rule_words(r["rule"], kind, msg),
                "why": msg.builtin_note(r["note"]) or _rule_words(r["rule"], kind, msg),
                "colour": RELATION_COLOURS[r["relation"]],
                "weight": 4,
                "dash": "6 4" if r["relation"] == "conflict" else "",
            }
        )
    links = {
        "rule": index.tolist(),
        "between": [rel["a_id"].astype(str).tolist(), rel["b_id"].astype(str).tolist()],
        "distance": [f"{msg.num(d)} m" for d in rel["distance_m"]],
    }
    items = [{"label": msg(f"map.{k}"), "colour": RELATION_COLOURS[k]} for k in sorted(set(rel["relation"]))]
    caption = (
        msg("map.links") if total == len(rel) else msg("map.links_shown", n=msg.num(len(rel)), total=msg.num(total))
    )
    payload = _overlay("relations", msg("map.relations"), [], True, caption, items) | {"rules": rules, "links": links}
    return payload, display_geoms(rel, options)
