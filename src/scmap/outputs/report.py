"""report.html: the workshop handout (map, where each solution fits, districts, data quality, method).

The page is rendered by a Jinja2 template with autoescaping: data enters only as template
*values* (escaped), never as template code; tables are escaped by pandas; the map is an
``<iframe srcdoc>`` whose page is escaped as a whole. The report draws the tables it is given
(:class:`ReportInput`); it runs no analysis.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import jinja2
import pandas as pd

from scmap.analysis.overlap import OverlapResult
from scmap.analysis.suitability import SuitabilityResult
from scmap.core._atomic import atomic_file
from scmap.core._text import display_frame, display_value
from scmap.core.catalogue import Catalogue
from scmap.core.i18n import Messages
from scmap.maps._format import format_table
from scmap.maps.export import embed_html, static_map
from scmap.project.spec import SOLUTIONS_LAYER, CriterionSpec, GridUnits, H3Units, Project
from scmap.sources._validate import reason_kinds

if TYPE_CHECKING:
    from scmap.outputs.workshop import Outcome

__all__ = ["ReportInput", "render_report", "write_report"]

TOP_N = 10
"""Rows of each "where X fits best" table."""
FIRST_REJECTED = 20
"""Rejected rows shown in the report (all of them are in rejected.csv)."""


@dataclass
class ReportInput:
    """What the report draws: the project, its checked inputs and the analysis tables."""

    project: Project
    districts: gpd.GeoDataFrame
    solutions: gpd.GeoDataFrame
    suitability: SuitabilityResult
    overlap: OverlapResult
    summary: pd.DataFrame
    rejected: pd.DataFrame
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    """Every source's warnings (renamed ids, outside points, repairs...), for the data-quality section."""
    workshop: Outcome | None = None
    """What the project's workshop room decided (``workshop.store``), when it has one."""

    @property
    def messages(self) -> Messages:
        """The report's language (``map.language``)."""
        return self.project.messages

    @property
    def catalogue(self) -> Catalogue:
        """The project's catalogue, its built-in labels in the report's language."""
        return self.messages.catalogue(self.project.catalogue)


def _table(df: pd.DataFrame | None, inp: ReportInput, *, max_rows: int | None = None) -> str:
    """An escaped HTML table with labelled columns and formatted numbers, in the report's language."""
    msg = inp.messages
    if df is None or not len(df.columns) or not len(df):
        return f"<p>{msg('report.none')}</p>"
    shown = df.head(max_rows) if max_rows else df
    shown = format_table(shown, inp.catalogue, msg=msg)
    shown = display_frame(shown, what="report table", warn=False)
    return shown.to_html(index=False, escape=True, na_rep="", border=0)


def _png(fig: object) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)  # type: ignore[attr-defined]
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _label(cat: Catalogue, key: str) -> str:
    return str(display_value(cat.type_label(key)))


def _number(msg: Messages, value: float) -> str:
    """A number from the project as written (no trailing zeros), with the language's marks."""
    text = f"{value:.6g}"
    return msg.num(value, len(text.split(".")[1]) if "." in text and "e" not in text else 0)


def _standardisation(crit: CriterionSpec, msg: Messages) -> str:
    """How a criterion's raw value becomes 0-1, in words."""
    if crit.is_constraint:
        return msg("report.constraint")
    if crit.fuzzy is not None:
        return msg("report.fuzzy", full=_number(msg, crit.fuzzy[0]), zero=_number(msg, crit.fuzzy[1]))
    if crit.sigmoid is not None:
        return msg("report.sigmoid", mid=_number(msg, crit.sigmoid.mid), scale=_number(msg, crit.sigmoid.scale))
    if crit.categories is not None:
        pairs = ", ".join(f"{k} {_number(msg, v)}" for k, v in crit.categories.items())
        return msg("report.categories", pairs=pairs)
    if crit.breaks is not None:
        scores = " / ".join(_number(msg, v) for v in crit.scores or [])
        return msg("report.breaks", breaks=" / ".join(_number(msg, v) for v in crit.breaks), scores=scores)
    better = msg(f"report.better_{crit.better}") if crit.better else ""
    return f"{msg('report.min_max')}, {better}" if better else msg("report.min_max")


def _measured(crit: CriterionSpec, inp: ReportInput) -> tuple[str, str]:
    """A criterion's kind and what it measures, in words (the project's own names kept)."""
    msg, cat = inp.messages, inp.catalogue
    kind = "attribute_per_km2" if crit.kind == "attribute" and crit.per_km2 else crit.kind
    of = crit.layer_ref or crit.attribute or ""
    if of == SOLUTIONS_LAYER:
        only = cat.type_label(crit.solution) if crit.solution else None
        only = only or (cat.sector_label(crit.sector) if crit.sector else None)
        of = msg("report.of_solutions_only", what=only) if only else msg("report.of_solutions")
    return msg(f"report.kind_{kind}"), of


def _criteria_table(inp: ReportInput, key: str) -> pd.DataFrame:
    msg = inp.messages
    spec = inp.project.spec.suitability
    mspec = spec.models[key] if spec else None
    m = inp.suitability.models[key]
    weights = dict(zip(m.criteria, m.weights, strict=True))
    rows = []
    for name, crit in mspec.criteria.items() if mspec else []:
        kind, of = _measured(crit, inp)
        rows.append(
            {
                "criterion": crit.label or name,
                "kind": kind,
                "of": of,
                "standardisation": _standardisation(crit, msg),
                "weight": msg.pct(weights[name]) if name in weights else "",
            }
        )
    return pd.DataFrame(rows)


def _weight_notes(inp: ReportInput, key: str) -> tuple[list[str], pd.DataFrame]:
    msg = inp.messages
    weights = inp.suitability.weights[inp.suitability.weights["solution"] == key]
    notes = []
    for set_name, group in weights.groupby("weight_set", sort=False):
        if set_name == "main":
            continue
        cr = group["consistency_ratio"].iloc[0]
        kind = group["method"].iloc[0]
        note = msg("report.weights_of_set", name=set_name, method=msg.get(f"map.method_{kind}") or kind)
        if cr is not None and cr == cr:
            note += ", " + msg("report.cr", cr=msg.num(cr, 3))
        notes.append(note)
    wide = weights.pivot_table(index="criterion", columns="weight_set", values="weight", sort=False)
    wide = wide.rename(columns={"main": msg("report.main_set")})  # the project's own weights
    return notes, wide.map(msg.pct).reset_index()


def _model_section(inp: ReportInput, key: str) -> dict[str, Any]:
    m, suit = inp.suitability.models[key], inp.suitability
    mspec = inp.project.spec.suitability.models[key] if inp.project.spec.suitability else None
    notes, wide = _weight_notes(inp, key)
    sets = suit.weight_sets[suit.weight_sets["solution"] == key] if len(suit.weight_sets) else pd.DataFrame()
    oat = suit.oat[suit.oat["solution"] == key] if len(suit.oat) else pd.DataFrame()
    workshop = inp.project.workshop_weights.get(key)
    method = inp.messages.get(f"map.method_{m.method}") or m.method
    if workshop:
        name = Path(workshop["file"]).name
        method = inp.messages(
            "report.workshop_weights", file=f"{name}: {workshop['note']}" if workshop["note"] else name
        )
    return {
        "key": key,
        "label": _label(inp.catalogue, key),
        "method": display_value(method),
        "cr": None if m.consistency_ratio is None else inp.messages.num(m.consistency_ratio, 3),
        "aggregation": inp.messages(f"map.agg_{mspec.aggregation if mspec else 'wlc'}"),
        "criteria_table": _table(_criteria_table(inp, key), inp),
        "weights_table": _table(wide, inp),
        "set_notes": display_value(notes),
        "sets_table": _table(sets.drop(columns=["solution"]), inp) if len(sets) else "",
        "oat_table": _table(oat.drop(columns=["solution"]), inp) if len(oat) else "",
        "top_table": _table(_top(inp, key), inp),
    }


def _told_apart(table: pd.DataFrame, inp: ReportInput) -> pd.DataFrame:
    """*table* with a district's id after its name where districts share the name: ``el Raval (01-001)``.

    Census sections named after their neighbourhood would otherwise be rows a reader cannot tell apart.
    """
    if "district_name" not in table.columns or "district_id" not in table.columns:
        return table
    names = inp.districts.set_index("district_id")["district_name"].astype("string")
    shared = names.duplicated(keep=False)
    if not shared.any():
        return table
    labels = names.where(~shared, names + " (" + names.index.astype(str) + ")")
    return table.assign(district_name=table["district_id"].map(labels).fillna(table["district_name"]))


def _top(inp: ReportInput, key: str) -> pd.DataFrame:
    """The best units for a model: rank, name, score (and, for cells, their district)."""
    units = _told_apart(inp.suitability.units, inp)
    best = units.loc[units[f"{key}_rank"].notna()].sort_values(f"{key}_rank").head(TOP_N)
    cols = [f"{key}_rank", "district_name" if "district_name" in units.columns else "district_id"]
    if len(units) != units["district_id"].nunique():
        cols.append("unit_id")
    cols.append(f"{key}_score")
    out = best[cols].rename(columns={f"{key}_rank": "rank", f"{key}_score": "score"})
    n, msg = int(units[f"{key}_rank"].notna().sum()), inp.messages
    out["rank"] = out["rank"].map(lambda r: msg("report.rank_of", rank=msg.num(r), n=msg.num(n)))
    return out


def _radii_and_rules(inp: ReportInput) -> tuple[str, str]:
    spec, cat, msg = inp.project.spec, inp.catalogue, inp.messages
    override = spec.overlap.radius_m if spec.overlap else {}
    used = sorted(set(inp.solutions["solution"]))
    radii = pd.DataFrame(
        {
            "solution": [cat.solutions[t].label for t in used],
            "radius_m": [override.get(t, cat.solutions[t].radius_m) for t in used],
            "from": [msg("report.from_project") if t in override else msg("report.from_catalogue") for t in used],
        }
    )
    rules = [*cat.rules, *(spec.overlap.rules if spec.overlap else [])]
    table = pd.DataFrame(
        [
            {
                "a": r.a,
                "b": r.b,
                "relation": msg.get(f"map.{r.relation}") or r.relation,
                "within_m": r.within_m,
                "note": r.note,
            }
            for r in rules
        ]
    )
    return _table(radii, inp), _table(table, inp)


def _figures(inp: ReportInput) -> list[dict[str, str]]:
    cat, msg = inp.catalogue, inp.messages
    overview = msg("atlas.solutions_by_sector")
    fig = static_map(inp.districts, inp.solutions, catalogue=cat, title=overview, messages=msg)
    out = [{"alt": overview, "data": _png(fig)}]
    for key in inp.suitability.models:
        title = msg("atlas.suitability_figure", label=_label(cat, key))
        fig = static_map(
            inp.districts,
            inp.solutions,
            catalogue=cat,
            suitability=inp.suitability,
            model=key,
            title=title,
            messages=msg,
        )
        out.append({"alt": title, "data": _png(fig)})
    return out


def _district_table(inp: ReportInput) -> pd.DataFrame:
    """The district summary narrowed to what a reader compares (summary.csv has every column)."""
    s, cat = _told_apart(inp.summary, inp), inp.catalogue
    cols = ["district_name" if "district_name" in s.columns else "district_id", "n_solutions"]
    cols += [f"covered_{k}" for k in cat.sectors if f"covered_{k}" in s.columns]
    for key in inp.suitability.models:
        cols += [c for c in (f"{key}_score", f"{key}_rank", f"{key}_mean", f"{key}_share_above") if c in s.columns]
    return s[cols]


_REASONS = {
    "duplicate id": "duplicate_id",
    "no geometry": "no_geometry",
    "empty geometry": "empty_geometry",
    "missing coordinate": "missing_coordinate",
    "coordinate is not a number": "not_a_number",
    "unknown solution type": "unknown_type",
    "unknown sector": "unknown_sector",
    "unknown status": "unknown_status",
}
"""The data check's commonest reasons (as :func:`~scmap.sources._validate.reason_kinds` gives them) and
their message ids (``reason.`` and this): the report's table of rejected rows by reason says them in
its language."""
_MISSING_ID = re.compile(r"missing id in column '(.*)'")


def _reason(kind: str, msg: Messages) -> str:
    """A reason without its particulars in the report's language (as the check says it if not known)."""
    missing = _MISSING_ID.fullmatch(kind)
    if missing:
        return msg("reason.missing_id", column=missing.group(1))
    return msg(f"reason.{_REASONS[kind]}") if kind in _REASONS else kind


_PARTICULARS = (
    (re.compile(r"duplicate id (?P<id>.+) \(first used in row (?P<row>\d+)\)"), "reason.duplicate_id_at"),
    (re.compile(r"coordinate (?P<value>'.*') is not a number"), "reason.not_a_number_value"),
    (re.compile(r"unknown solution type (?P<value>'.*'); allowed: (?P<allowed>.*)"), "reason.unknown_type_value"),
)
"""The commonest reasons with their particulars (the id, the value) as the check words them, and the
message ids that say them in the report's language."""


def _full_reason(reason: str, msg: Messages) -> str:
    """A rejected row's whole reason in the report's language where it is a common one, else as given."""
    for pattern, key in _PARTICULARS:
        found = pattern.fullmatch(reason)
        if found:
            return msg(key, **found.groupdict())
    return _reason(reason, msg)  # the reasons that have no particulars


def _outside_by_source(outside: pd.DataFrame, solutions: pd.DataFrame) -> pd.DataFrame:
    """How many of each file's solutions lie outside every district (the files' own notes, as a table)."""
    if not len(outside) or "source" not in outside.columns or "source" not in solutions.columns:
        return pd.DataFrame()
    counts = outside.groupby("source", sort=False).size()
    totals = solutions.groupby("source", sort=False).size()
    return pd.DataFrame(
        {
            "source": [_shown_path(str(p)) for p in counts.index],
            "n_outside": counts.to_numpy(),
            "n_solutions": totals.reindex(counts.index).fillna(0).astype(int).to_numpy(),
        }
    )


def _quality(inp: ReportInput) -> dict[str, Any]:
    """Rejected rows by reason (and the first rows), outside points, duplicates, source warnings."""
    rejected = inp.rejected
    by_reason = pd.DataFrame()
    if len(rejected):
        by_reason = (
            rejected.assign(reason=reason_kinds(rejected).map(lambda kind: _reason(kind, inp.messages)))
            .groupby(["file", "reason"], sort=False)
            .agg(rows=("row", "size"), first_ids=("id", lambda v: ", ".join(map(str, v.head(5)))))
            .reset_index()
        )
        by_reason["file"] = by_reason["file"].map(lambda p: _shown_path(p))
    first = rejected.head(FIRST_REJECTED).assign(file=lambda t: t["file"].map(lambda p: _shown_path(p)))
    first = first[["file", "row", "id", "field", "reason"]]
    first = first.assign(reason=first["reason"].astype(str).map(lambda r: _full_reason(r, inp.messages)))
    outside = inp.overlap.outside
    by_source = _outside_by_source(outside, inp.solutions)
    if "source" in outside.columns:
        outside = outside.assign(source=outside["source"].map(lambda p: _shown_path(p) if p else ""))
    return {
        "n_rejected": len(rejected),
        "by_reason": _table(by_reason, inp),
        "first_rejected": _table(first, inp),
        "more_rejected": max(0, len(rejected) - FIRST_REJECTED),
        "outside": _table(outside, inp, max_rows=FIRST_REJECTED),
        "outside_by_source": _table(by_source, inp) if len(by_source) else "",
        "n_outside": len(inp.overlap.outside),
        "duplicates": _table(inp.overlap.duplicates, inp, max_rows=FIRST_REJECTED),
        "n_duplicates": len(inp.overlap.duplicates),
        "warnings": display_value(list(dict.fromkeys(inp.warnings)), limit=600),
    }


def _units_text(units: object, msg: Messages) -> str:
    if isinstance(units, GridUnits):
        return msg("report.units_grid", size=msg.num(units.grid_m))
    if isinstance(units, H3Units):
        return msg("report.units_h3", res=units.h3)
    return msg("report.units_districts")


def _overview(inp: ReportInput) -> dict[str, Any]:
    cat, over, msg = inp.catalogue, inp.overlap, inp.messages
    counts = inp.solutions["sector"].value_counts()
    spec = inp.project.spec
    sens = spec.suitability.sensitivity if spec.suitability else None
    sectors = ", ".join(f"{cat.sectors[s].label} {msg.num(int(counts[s]))}" for s in cat.sectors if s in counts.index)
    overview = msg(
        "report.overview",
        solutions=msg("report.n_solutions", n=len(inp.solutions)),
        sectors=display_value(sectors),
        districts=msg("report.n_districts", n=len(inp.districts)),
        pairs=msg("report.n_pairs", n=len(over.pairs)),
        relations=msg("report.n_relations", n=len(over.relations)),
        hotspots=msg("report.n_hotspots", n=len(over.hotspots)),
        rejected=msg("report.n_unused", n=len(inp.rejected)),
    )
    units = _units_text(spec.suitability.units if spec.suitability else "districts", msg)
    return {
        "title": display_value(spec.map.title or spec.name),
        "prov": inp.provenance,
        "overview": overview,
        "units_text": msg("report.units", units=units),
        "sensitivity": (
            msg(
                "report.sensitivity", runs=msg.num(sens.runs), spread=msg.pct(sens.spread), seed=sens.seed, k=sens.top_k
            )
            if sens
            else ""
        ),
    }


def _shown_path(path: object) -> str:
    """A file's name, or a remote source's whole address (its password hidden upstream)."""
    text = str(path)
    return text if "://" in text else Path(text).name


def _inputs(inp: ReportInput) -> pd.DataFrame:
    """Where each input came from (roles named in the report's language)."""
    table = pd.DataFrame(inp.provenance["inputs"]).drop(columns=["sha256"], errors="ignore")
    if "role" in table.columns:
        table["role"] = [inp.messages.get(f"report.role_{r}") or r for r in table["role"]]
    return table


LISTING_LINE = 2_000
"""Characters of one line of the project file the report prints (a 4 MB title stays in the file)."""
LISTING_LINES = 2_000


def project_listing(text: str, msg: Messages) -> str:
    """Return the project file for the report, long lines and files cut.

    The project file for the report: every line up to :data:`LISTING_LINE` characters and the
    first :data:`LISTING_LINES` lines, each cut saying how much (the SHA-256 names the whole file).
    """
    lines = text.splitlines()
    shown = [
        line
        if len(line) <= LISTING_LINE
        else f"{line[:LISTING_LINE]} … {msg('report.line_cut', n=len(line) - LISTING_LINE)}"
        for line in lines[:LISTING_LINES]
    ]
    if len(lines) > LISTING_LINES:
        shown.append(f"… {msg('report.lines_cut', n=len(lines) - LISTING_LINES)}")
    return "\n".join(shown)


def render_report(inp: ReportInput, *, fmap: folium.Map) -> str:
    """The page as text, with *fmap* embedded, in the project's language (``map.language``)."""
    over, msg = inp.overlap, inp.messages
    radii, rules = _radii_and_rules(inp)
    gaps = _told_apart(over.districts.drop(columns=over.districts.geometry.name), inp).sort_values("gap_rank")
    gap_cols = [
        c
        for c in ("gap_rank", "district_name", "mean_covered", "mean_uncovered_population", "n_sectors")
        if c in gaps.columns
    ]
    relations = over.relations.drop(columns=[over.relations.geometry.name, "rule"], errors="ignore")
    kinds = {r: msg.get(f"map.{r}") or r for r in relations["relation"].unique()}  # once per value, not per row
    written = relations["note"].astype(str)
    relations["relation"] = relations["relation"].map(kinds)
    relations["note"] = written.map({n: msg.builtin_note(n) for n in written.unique()})
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(
        resources.files("scmap.outputs").joinpath("templates", "report.html.jinja").read_text("utf-8")
    )
    return template.render(
        **_overview(inp),
        t=msg,
        num=msg.num,
        lang=msg.language,
        map_iframe=embed_html(fmap, height=640, inline=True),
        models=[_model_section(inp, key) for key in inp.suitability.models],
        radii_table=radii,
        rules_table=rules,
        figures=_figures(inp),
        district_table=_table(_district_table(inp), inp),
        gaps_table=_table(gaps[gap_cols], inp, max_rows=TOP_N),
        relations_table=_table(relations, inp, max_rows=50),
        n_relations_more=max(0, len(relations) - 50),
        quality=_quality(inp),
        inputs_table=_table(_inputs(inp), inp),
        project_listing=project_listing(str(inp.provenance.get("project_text", "")), msg),
        hashes=[(_shown_path(i["path"]), i.get("sha256") or "") for i in inp.provenance["inputs"]],
        workshop=inp.workshop.section if inp.workshop is not None else None,
    )


def write_report(inp: ReportInput, path: str | Path, *, fmap: folium.Map) -> Path:
    """Write :func:`render_report` to *path* (replaced whole when complete)."""
    path = Path(path)
    page = render_report(inp, fmap=fmap)
    with atomic_file(path, overwrite=True, lock=False) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
