"""report.html: one self-contained page for reports (map, method, tables, figures, provenance).

The page is rendered by a Jinja2 template with autoescaping: data enters only as template
*values* (escaped), never as template code; tables are escaped by pandas; the map is an
``<iframe srcdoc>`` whose page is escaped as a whole.
"""

from __future__ import annotations

import base64
import io
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import folium
import jinja2
import pandas as pd

from scmap._atomic import atomic_file
from scmap._text import display_frame, display_value
from scmap.maps.export import embed_html, static_map

if TYPE_CHECKING:
    from scmap.results import Results

__all__ = ["render_report", "write_report"]


def _table(df: pd.DataFrame, *, max_rows: int | None = None) -> str:
    if df is None or not len(df.columns):
        return "<p>None.</p>"
    if not len(df):
        return "<p>None.</p>"
    shown = display_frame(df.head(max_rows) if max_rows else df, what="report table", warn=False)
    return shown.to_html(index=False, escape=True, na_rep="", float_format=lambda v: f"{v:.3g}", border=0)


def _png(fig: object) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render_report(results: Results, *, fmap: folium.Map | None = None) -> str:
    """The report page as text."""
    project, cat = results.project, results.project.catalogue
    spec = project.spec
    suit, over = results.suitability, results.overlap
    models = []
    for key, m in suit.models.items():
        mspec = spec.suitability.models[key] if spec.suitability else None
        rows = []
        for name, crit in mspec.criteria.items() if mspec else []:
            weight = dict(zip(m.criteria, m.weights, strict=True)).get(name)
            standard = next(
                (
                    f"{k}: {getattr(crit, k)}"
                    for k in ("better", "fuzzy", "sigmoid", "categories", "breaks")
                    if getattr(crit, k) is not None
                ),
                "min-max" if not crit.is_constraint else "",
            )
            rows.append(
                {
                    "criterion": name,
                    "kind": crit.kind,
                    "of": crit.layer_ref or crit.attribute,
                    "standardisation": "constraint (excludes)" if crit.is_constraint else standard,
                    "weight": weight,
                }
            )
        weights = suit.weights[suit.weights["solution"] == key]
        set_notes = []
        for set_name, group in weights.groupby("weight_set", sort=False):
            if set_name == "main":
                continue
            cr = group["consistency_ratio"].iloc[0]
            note = f"{set_name}: {group['method'].iloc[0]} weights"
            if cr is not None and cr == cr:
                note += f", AHP consistency ratio {cr:.3f}"
            set_notes.append(note)
        wide = weights.pivot_table(index="criterion", columns="weight_set", values="weight", sort=False).reset_index()
        sets = suit.weight_sets[suit.weight_sets["solution"] == key] if len(suit.weight_sets) else pd.DataFrame()
        oat = suit.oat[suit.oat["solution"] == key] if len(suit.oat) else pd.DataFrame()
        models.append(
            {
                "key": key,
                "label": display_value(cat.solutions[key].label if key in cat.solutions else key),
                "method": m.method,
                "cr": m.consistency_ratio,
                "aggregation": mspec.aggregation if mspec else "wlc",
                "criteria_table": _table(pd.DataFrame(rows)),
                "weights_table": _table(wide),
                "set_notes": display_value(set_notes),
                "sets_table": _table(sets.drop(columns=["solution"])) if len(sets) else "",
                "oat_table": _table(oat.drop(columns=["solution"])) if len(oat) else "",
            }
        )
    sens = spec.suitability.sensitivity if spec.suitability else None
    units = spec.suitability.units if spec.suitability else "districts"
    radius_override = spec.overlap.radius_m if spec.overlap else {}
    used = sorted(set(results.solutions["solution"]))
    radii = pd.DataFrame(
        {
            "solution": used,
            "label": [cat.solutions[t].label for t in used],
            "radius_m": [radius_override.get(t, cat.solutions[t].radius_m) for t in used],
            "from": ["project" if t in radius_override else "catalogue" for t in used],
        }
    )
    rules = [*cat.rules, *(spec.overlap.rules if spec.overlap else [])]
    rules_df = pd.DataFrame(
        [{"a": r.a, "b": r.b, "relation": r.relation, "within_m": r.within_m, "note": r.note} for r in rules]
    )
    figures = [
        {
            "alt": "Solutions by sector",
            "data": _png(static_map(results.districts, results.solutions, catalogue=cat, title="Solutions by sector")),
        }
    ]
    for key in suit.models:
        label = str(display_value(cat.solutions[key].label if key in cat.solutions else key))
        figures.append(
            {
                "alt": f"{label} suitability",
                "data": _png(
                    static_map(
                        results.districts,
                        results.solutions,
                        catalogue=cat,
                        suitability=suit,
                        model=key,
                        title=f"{label} suitability",
                    )
                ),
            }
        )
    gaps = over.districts.drop(columns=over.districts.geometry.name).sort_values("gap_rank")
    gap_cols = [
        c
        for c in ("gap_rank", "district_id", "district_name", "mean_covered", "mean_uncovered_population", "n_sectors")
        if c in gaps.columns
    ]
    relations = over.relations.drop(columns=over.relations.geometry.name)
    counts = results.solutions["sector"].value_counts()
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(resources.files("scmap").joinpath("templates/report.html.jinja").read_text("utf-8"))
    return template.render(
        title=display_value(spec.map.title or spec.name),
        prov=results.provenance,
        n_solutions=len(results.solutions),
        n_districts=len(results.districts),
        sector_counts=display_value(
            ", ".join(f"{cat.sectors[s].label} {int(counts[s])}" for s in cat.sectors if s in counts.index)
        ),
        n_pairs=len(over.pairs),
        n_relations=len(over.relations),
        n_hotspots=len(over.hotspots),
        n_rejected=len(results.rejected),
        map_iframe=embed_html(fmap if fmap is not None else results.map(), height=640, inline=True),
        models=models,
        units_label=str(units),
        sensitivity=(
            f"{sens.runs} Monte Carlo runs, weights varied by up to ±{sens.spread:.0%}, seed {sens.seed}; "
            f"top {sens.top_k}"
        )
        if sens
        else "",
        radii_table=_table(radii),
        rules_table=_table(rules_df),
        figures=figures,
        summary_table=_table(results.summary),
        gaps_table=_table(gaps[gap_cols], max_rows=10),
        relations_table=_table(relations),
        rejected_table=_table(results.rejected),
        inputs_table=_table(pd.DataFrame(results.provenance["inputs"])),
    )


def write_report(results: Results, path: str | Path, *, fmap: folium.Map | None = None) -> Path:
    path = Path(path)
    page = render_report(results, fmap=fmap)
    with atomic_file(path, overwrite=True, lock=False) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
