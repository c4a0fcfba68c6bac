"""Scoring suitability models on analysis units, explaining and stress-testing the scores."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.stats import rankdata, spearmanr

from scmap.analysis.suitability import standardise as st
from scmap.analysis.suitability.criteria import raw_values
from scmap.analysis.suitability.weights import ahp_weights, direct_weights, rank_order_weights
from scmap.core._aggregate import aggregate
from scmap.errors import InputError
from scmap.project._weights import consistency_problem
from scmap.project.spec import ClassSpec, CriterionSpec, ModelSpec, SensitivitySpec, WeightSet

__all__ = ["LiveInputs", "ModelScores", "SuitabilityResult", "aggregate", "score_model", "suitability"]

log = logging.getLogger(__name__)


@dataclass
class ModelScores:
    """Everything computed for one solution type's model."""

    solution: str
    criteria: list[str]
    weights: np.ndarray
    method: str
    consistency_ratio: float | None
    std: np.ndarray
    raw: dict[str, pd.Series]
    excluded: np.ndarray
    why: np.ndarray
    score: np.ndarray
    rank: np.ndarray
    sets: dict[str, tuple[np.ndarray, str, float | None, np.ndarray, np.ndarray]] = field(default_factory=dict)
    live: LiveInputs | None = None
    """What a map needs to re-score this model for any weights exactly as :func:`aggregate` does."""


@dataclass
class LiveInputs:
    """A model's inputs for re-scoring with other weights (or constraints off) outside Python.

    ``values[:, j]`` is criterion j's raw value when ``minmax[j]`` is "higher" or "lower" (min-max
    over the units in play depends on which units are in play) and its standardised value
    otherwise (computed for every unit, also excluded ones). ``exclusions`` lists, in the order
    the model applies them, (criterion, kind, mask): kind "missing" (``missing: drop``) or
    "constraint" (``exclude: true``, which a workshop may switch off).
    """

    values: np.ndarray
    minmax: list[str | None]
    exclusions: list[tuple[str, str, np.ndarray]]
    aggregation: str
    owa: list[float] | None
    units: list[str] = field(default_factory=list)
    """What each criterion measures: distance, count, coverage, density or value (the map labels it)."""
    labels: list[str] = field(default_factory=list)
    """What each criterion is called (its ``label:``, else its key)."""


@dataclass
class SuitabilityResult:
    """Scores per unit plus the tables behind them.

    ``units`` carries the contract columns (``unit_id``, ``<type>_score``, ``<type>_rank``,
    ``<type>_excluded``) and, per criterion, ``<type>__<criterion>__raw|std|contrib``.
    """

    units: gpd.GeoDataFrame
    weights: pd.DataFrame
    sensitivity: pd.DataFrame
    oat: pd.DataFrame
    weight_sets: pd.DataFrame
    districts: pd.DataFrame
    models: dict[str, ModelScores] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the model's tables by the name they get in the pack."""
        return {
            "suitability": self.units,
            "weights": self.weights,
            "sensitivity": self.sensitivity,
            "oat": self.oat,
            "weight_sets": self.weight_sets,
            "districts": self.districts,
        }

    def save(self, path: str | Path) -> Path:
        """``.gpkg``: every table as a layer (``suitability`` first); ``.csv``: the units table."""
        path = Path(path)
        if path.suffix.lower() == ".csv":
            from scmap.core._text import write_csv

            return write_csv(self.units.drop(columns=self.units.geometry.name), path)
        if path.suffix.lower() != ".gpkg":
            raise InputError(f"{path}: write suitability to a .gpkg or a .csv file")
        from scmap.core._gpkg import write_layers

        return write_layers(path, self.tables())


def _standardise(crit: CriterionSpec, values: pd.Series, usable: np.ndarray) -> np.ndarray:
    if crit.categories is not None:
        out = st.categorical(values, crit.categories, crit.default)
    else:
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        if crit.fuzzy is not None:
            out = st.fuzzy_linear(v, *crit.fuzzy)
        elif crit.sigmoid is not None:
            out = st.sigmoid(v, crit.sigmoid.mid, crit.sigmoid.scale)
        elif crit.breaks is not None and crit.scores is not None:
            out = st.thresholds(v, crit.breaks, crit.scores)
        else:
            better = crit.better or ("lower" if crit.kind == "distance_to" else "higher")
            out = np.full(len(v), np.nan)
            out[usable] = st.minmax(v[usable], better=better)  # min-max over the units still in play
    out = np.array(out, dtype=float)  # a copy: pandas may hand out read-only arrays
    out[~usable] = np.nan
    return out


def _live_inputs(
    spec: ModelSpec, names: list[str], raw: dict[str, pd.Series], exclusions: list[tuple[str, str, np.ndarray]]
) -> LiveInputs:
    columns: list[np.ndarray] = []
    minmax: list[str | None] = []
    for c in names:
        crit = spec.criteria[c]
        plain = crit.categories is None and crit.fuzzy is None and crit.sigmoid is None and crit.breaks is None
        if plain:
            minmax.append(crit.better or ("lower" if crit.kind == "distance_to" else "higher"))
            columns.append(pd.to_numeric(raw[c], errors="coerce").to_numpy(dtype=float))
        else:
            minmax.append(None)
            columns.append(_standardise(crit, raw[c], np.ones(len(raw[c]), dtype=bool)))
    values = np.column_stack(columns) if columns else np.zeros((0, 0))
    units = [_criterion_unit(spec.criteria[c]) for c in names]
    labels = [spec.criteria[c].label or c for c in names]
    owa = list(spec.owa) if spec.owa else None
    return LiveInputs(values, minmax, exclusions, spec.aggregation, owa, units, labels)


def _criterion_unit(crit: CriterionSpec) -> str:
    if crit.kind == "distance_to":
        return "distance"
    if crit.kind == "count_of":
        return "count"
    if crit.kind == "coverage_of":
        return "coverage"
    return "density" if crit.per_km2 else "value"


def _weights(ws: WeightSet, names: list[str], where: str) -> tuple[np.ndarray, str, float | None]:
    if ws.ahp is not None:
        order = ws.ahp.order
        if sorted(order) != sorted(names):
            raise InputError(f"{where}.ahp.order: must list the criteria {names} once each, got {order}")
        w_order, cr = ahp_weights(ws.ahp.matrix, where=f"{where}.ahp.matrix")
        problem = consistency_problem(cr, ws.ahp.allow_inconsistent)
        if problem:
            raise InputError(f"{where}.ahp: {problem}")
        by_name = dict(zip(order, w_order, strict=True))
        return np.array([by_name[c] for c in names]), "ahp", cr
    if ws.rank is not None:
        if sorted(ws.rank) != sorted(names):
            raise InputError(f"{where}.rank: must list the criteria {names} once each, got {ws.rank}")
        roc = dict(zip(ws.rank, rank_order_weights(len(names)), strict=True))
        return np.array([roc[c] for c in names]), "rank", None
    if ws.weights is not None:
        return direct_weights(ws.weights, names, where=f"{where}.weights"), "direct", None
    return np.full(len(names), 1.0 / len(names)), "equal", None


def _rank(score: np.ndarray) -> np.ndarray:
    """1 = best; ties share the best rank; NaN (excluded) stays NaN."""
    out = np.full(score.shape, np.nan)
    ok = np.isfinite(score)
    out[ok] = rankdata(-score[ok], method="min")
    return out


def _unit_label(units: gpd.GeoDataFrame, mask: np.ndarray) -> str:
    ids = units["unit_id"].astype(str).to_numpy()[mask]
    return ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")


def _add_sensitivity(
    out: pd.DataFrame,
    key: str,
    m: ModelScores,
    spec: ModelSpec,
    sensitivity: SensitivitySpec,
    unit_ids: np.ndarray,
    mc_tables: list[pd.DataFrame],
    oat_tables: list[pd.DataFrame],
) -> None:
    """A model's weight stress test: its tables collected, each unit's rank range and top-k share in *out*."""
    mc, oat = _sensitivity(m, spec, sensitivity, unit_ids)
    if not len(mc):
        return
    mc_tables.append(mc)
    oat_tables.append(oat)
    lookup = mc.set_index("unit_id")
    out[f"{key}_rank_min"] = out["unit_id"].map(lookup["rank_min"]).astype("Int64")
    out[f"{key}_rank_max"] = out["unit_id"].map(lookup["rank_max"]).astype("Int64")
    out[f"{key}_p_top{sensitivity.top_k}"] = out["unit_id"].map(lookup[f"p_top{sensitivity.top_k}"])


def score_model(
    solution: str,
    spec: ModelSpec,
    units: gpd.GeoDataFrame,
    *,
    districts: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    where: str | None = None,
) -> ModelScores:
    """Score one model: measure, apply constraints and the missing-value policy, standardise, weight, aggregate."""
    where = where or f"suitability.models.{solution}"
    n = len(units)
    excluded = np.zeros(n, dtype=bool)
    why = np.full(n, "", dtype=object)
    raw: dict[str, pd.Series] = {}
    exclusions: list[tuple[str, str, np.ndarray]] = []
    for name, crit in spec.criteria.items():
        key = f"{where}.criteria.{name}"
        try:
            values = raw_values(units, crit, districts=districts, layers=dict(layers))
        except InputError as exc:
            raise InputError(f"{key}: {exc}") from None
        values, missing = _missing_policy(values, crit, units, key)
        if missing is not None:
            why[missing & ~excluded] = f"no value for {name}"
            excluded |= missing
            exclusions.append((name, "missing", missing.copy()))
        if crit.is_constraint:
            hit = _constraint_hits(values, crit)
            why[hit & ~excluded] = f"excluded by {name}"
            excluded |= hit
            exclusions.append((name, "constraint", hit.copy()))
        raw[name] = values
    names = [c for c, crit in spec.criteria.items() if not crit.is_constraint]
    usable = ~excluded
    std = np.column_stack([_standardise(spec.criteria[c], raw[c], usable) for c in names])
    w, method, cr = _weights(spec, names, where)
    owa = np.asarray(spec.owa) if spec.owa is not None else None

    def scored(weights: np.ndarray) -> np.ndarray:
        out = np.full(n, np.nan)
        if usable.any():
            out[usable] = np.clip(aggregate(std[usable], weights, spec.aggregation, owa), 0.0, 1.0)
        return out

    score = scored(w)
    result = ModelScores(solution, names, w, method, cr, std, raw, excluded, why, score, _rank(score))
    result.live = _live_inputs(spec, names, raw, exclusions)
    for set_name, ws in spec.weight_sets.items():
        sw, smethod, scr = _weights(ws, names, f"{where}.weight_sets.{set_name}")
        sscore = scored(sw)
        result.sets[set_name] = (sw, smethod, scr, sscore, _rank(sscore))
    return result


def _missing_policy(
    values: pd.Series, crit: CriterionSpec, units: gpd.GeoDataFrame, key: str
) -> tuple[pd.Series, np.ndarray | None]:
    """A criterion's values after its missing-value policy, and the units it drops (or None)."""
    missing = values.isna().to_numpy()
    if not missing.any():
        return values, None
    if crit.missing == "error":
        what = f"{crit.kind} {crit.layer_ref or crit.attribute}"
        raise InputError(
            f"{key}: {int(missing.sum())} units have no value ({what}): {_unit_label(units, missing)}; "
            "set missing: drop (exclude them) or missing: fill with fill: VALUE"
        )
    if crit.missing == "drop":
        return values, missing
    return values.where(~missing, crit.fill), None


def _constraint_hits(values: pd.Series, crit: CriterionSpec) -> np.ndarray:
    """The units a constraint excludes: inside its layer, or outside its min/max."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if crit.kind == "inside":
        return v == 1.0
    hit = np.zeros(len(v), dtype=bool)
    if crit.min is not None:
        hit |= v < crit.min
    if crit.max is not None:
        hit |= v > crit.max
    return hit


def _classes(score: np.ndarray, spec: ClassSpec) -> np.ndarray:
    import mapclassify

    out = np.full(len(score), np.nan)
    ok = np.isfinite(score)
    values = score[ok]
    if not len(values):
        return out
    k = min(spec.k, len(np.unique(values)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mapclassify notes when a class would be empty
        if spec.method == "fixed":
            if not spec.breaks:
                raise InputError("classes: method fixed needs breaks: [...]")
            classifier = mapclassify.UserDefined(values, bins=sorted(spec.breaks))
        elif k < 2:
            out[ok] = 1
            return out
        elif spec.method == "quantiles":
            classifier = mapclassify.Quantiles(values, k=k)
        elif spec.method == "natural_breaks":
            classifier = mapclassify.FisherJenks(values, k=k)  # deterministic, unlike NaturalBreaks
        else:
            classifier = mapclassify.EqualInterval(values, k=k)
    out[ok] = classifier.yb + 1
    return out


def _sensitivity(
    m: ModelScores, spec: ModelSpec, sens: SensitivitySpec, unit_ids: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ok = ~m.excluded
    x = m.std[ok]
    owa = np.asarray(spec.owa) if spec.owa is not None else None
    k = min(sens.top_k, int(ok.sum()))
    if not ok.any():
        return pd.DataFrame(), pd.DataFrame()
    rng = np.random.default_rng(sens.seed)
    factors = rng.uniform(1 - sens.spread, 1 + sens.spread, size=(sens.runs, len(m.weights)))
    w = m.weights * factors
    w = w / w.sum(axis=1, keepdims=True)
    scores = aggregate(x, w, spec.aggregation, owa)
    ranks = rankdata(-scores, method="min", axis=0)
    mc = pd.DataFrame(
        {
            "solution": m.solution,
            "unit_id": unit_ids[ok],
            "rank": m.rank[ok].astype(int),
            "rank_min": ranks.min(axis=1).astype(int),
            "rank_max": ranks.max(axis=1).astype(int),
            "rank_mean": ranks.mean(axis=1),
            f"p_top{sens.top_k}": (ranks <= k).mean(axis=1),
            "runs": sens.runs,
            "spread": sens.spread,
            "seed": sens.seed,
        }
    )
    base_top = set(np.flatnonzero(m.rank[ok] <= k))
    rows = []
    for j, crit in enumerate(m.criteria):
        for change in sens.sweep:
            w1 = m.weights.copy()
            w1[j] = w1[j] * (1 + change)
            if w1.sum() <= 0:
                continue
            w1 = w1 / w1.sum()
            s1 = aggregate(x, w1, spec.aggregation, owa)
            r1 = rankdata(-s1, method="min")
            rho = float(spearmanr(m.score[ok], s1).statistic) if len(s1) > 2 and np.ptp(s1) > 0 else 1.0
            rows.append(
                {
                    "solution": m.solution,
                    "criterion": crit,
                    "weight_change": change,
                    "weight": float(w1[j]),
                    "spearman": rho,
                    f"top{sens.top_k}_kept": len(base_top & set(np.flatnonzero(r1 <= k))),
                    "max_rank_shift": int(np.max(np.abs(r1 - m.rank[ok]))),
                }
            )
    return mc, pd.DataFrame(rows)


def _rollup(units: gpd.GeoDataFrame, models: dict[str, ModelScores], threshold: float) -> pd.DataFrame:
    area = units["area_m2"].to_numpy(dtype=float)
    frame = pd.DataFrame({"district_id": units["district_id"].astype(str).to_numpy(), "area_m2": area})
    out = frame.groupby("district_id", sort=True)["area_m2"].sum().rename("area_m2").to_frame()
    out["n_units"] = frame.groupby("district_id", sort=True).size()
    for key, m in models.items():
        s = m.score
        ok = np.isfinite(s)
        frame["_wa"] = np.where(ok, s * area, 0.0)
        frame["_a"] = np.where(ok, area, 0.0)
        frame["_s"] = s
        frame["_above"] = np.where(ok & (s >= threshold), area, 0.0)
        g = frame.groupby("district_id", sort=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{key}_mean"] = g["_wa"].sum() / g["_a"].sum()
        out[f"{key}_max"] = g["_s"].max()
        out[f"{key}_share_above"] = g["_above"].sum() / out["area_m2"]
    return out.reset_index()


def _with_geometry(table: pd.DataFrame, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """The roll-up with each district's outline, so that GIS software maps it without a join."""
    if not isinstance(districts, gpd.GeoDataFrame) or "district_id" not in districts.columns or not len(table):
        return table
    outline = pd.Series(districts.geometry.to_numpy(), index=districts["district_id"].astype(str).to_numpy())
    outline = outline[~outline.index.duplicated()]
    geometry = table["district_id"].map(outline).to_numpy()
    return gpd.GeoDataFrame(table, geometry=geometry, crs=districts.crs)


def _model_columns(out: pd.DataFrame, key: str, spec: ModelSpec, m: ModelScores) -> None:
    """A model's score, rank, exclusion, class, and each criterion's raw, standardised value and contribution."""
    out[f"{key}_score"] = m.score
    out[f"{key}_rank"] = pd.Series(m.rank).astype("Int64").to_numpy()
    out[f"{key}_excluded"] = m.excluded
    out[f"{key}_why"] = m.why.astype(str)
    out[f"{key}_class"] = pd.Series(_classes(m.score, spec.classes)).astype("Int64").to_numpy()
    for j, crit in enumerate(m.criteria):
        raw = m.raw[crit]
        numeric = pd.api.types.is_numeric_dtype(raw)
        out[f"{key}__{crit}__raw"] = pd.to_numeric(raw).to_numpy() if numeric else raw.astype(str).to_numpy()
        out[f"{key}__{crit}__std"] = m.std[:, j]
        out[f"{key}__{crit}__contrib"] = m.weights[j] * m.std[:, j]


def _weight_rows(
    key: str, weight_set: str, criteria: list[str], weights: np.ndarray, method: str, cr: float | None, spec: ModelSpec
) -> list[dict[str, Any]]:
    return [
        {
            "solution": key,
            "weight_set": weight_set,
            "criterion": crit,
            "weight": float(weights[j]),
            "method": method,
            "consistency_ratio": cr,
            "aggregation": spec.aggregation,
        }
        for j, crit in enumerate(criteria)
    ]


def _set_comparison(
    key: str, set_name: str, m: ModelScores, sscore: np.ndarray, srank: np.ndarray, top_k: int
) -> dict[str, Any]:
    """How another stakeholder's weights compare with the main ranking (Spearman, shared top k)."""
    ok = np.isfinite(m.score)
    k = min(top_k, int(ok.sum()))
    rho = float(spearmanr(m.score[ok], sscore[ok]).statistic) if ok.sum() > 2 else float("nan")
    top_main, top_set = set(np.flatnonzero(m.rank <= k)), set(np.flatnonzero(srank <= k))
    return {
        "solution": key,
        "weight_set": set_name,
        "spearman_vs_main": rho,
        "top_k": k,
        "top_k_shared": len(top_main & top_set),
    }


def suitability(
    units: gpd.GeoDataFrame,
    models: Mapping[str, ModelSpec],
    *,
    districts: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    sensitivity: SensitivitySpec | None = None,
    rollup_threshold: float = 0.6,
) -> SuitabilityResult:
    """Score every model on the units; explain each score; optionally stress-test the weights.

    Parameters
    ----------
    units
        From :func:`scmap.analysis.suitability.make_units` (``unit_id``, ``district_id``, ``area_m2``).
    models
        Solution type -> :class:`scmap.project.spec.ModelSpec` (the project's ``suitability.models``).
    districts
        The districts (``district_id``), for attribute criteria.
    layers
        Context layers by name, in the units' CRS.
    sensitivity
        Monte Carlo weight perturbation and one-at-a-time sweeps when given.
    """
    layers = dict(layers or {})
    out = units[
        ["unit_id", "district_id", *(["district_name"] if "district_name" in units.columns else []), "area_m2"]
    ].copy()
    scored: dict[str, ModelScores] = {}
    weight_rows: list[dict[str, Any]] = []
    mc_tables: list[pd.DataFrame] = []
    oat_tables: list[pd.DataFrame] = []
    set_rows: list[dict[str, Any]] = []
    unit_ids = units["unit_id"].astype(str).to_numpy()
    for key, spec in models.items():
        m = score_model(key, spec, units, districts=districts, layers=layers)
        scored[key] = m
        _model_columns(out, key, spec, m)
        weight_rows += _weight_rows(key, "main", m.criteria, m.weights, m.method, m.consistency_ratio, spec)
        for set_name, (sw, smethod, scr, sscore, srank) in m.sets.items():
            out[f"{key}_score__{set_name}"] = sscore
            out[f"{key}_rank__{set_name}"] = pd.Series(srank).astype("Int64").to_numpy()
            weight_rows += _weight_rows(key, set_name, m.criteria, sw, smethod, scr, spec)
            set_rows.append(_set_comparison(key, set_name, m, sscore, srank, sensitivity.top_k if sensitivity else 5))
        if sensitivity is not None:
            _add_sensitivity(out, key, m, spec, sensitivity, unit_ids, mc_tables, oat_tables)
        log.info("suitability %s: %d units scored, %d excluded", key, int((~m.excluded).sum()), int(m.excluded.sum()))
    result_units = gpd.GeoDataFrame(out, geometry=np.asarray(units.geometry.array, dtype=object), crs=units.crs)
    return SuitabilityResult(
        units=result_units,
        weights=pd.DataFrame(weight_rows),
        sensitivity=pd.concat(mc_tables, ignore_index=True) if mc_tables else pd.DataFrame(),
        oat=pd.concat(oat_tables, ignore_index=True) if oat_tables else pd.DataFrame(),
        weight_sets=pd.DataFrame(set_rows),
        districts=_with_geometry(_rollup(units, scored, rollup_threshold), districts),
        models=scored,
    )
